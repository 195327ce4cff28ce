/**
 * Throwaway databases for the tests and the benchmarks: a fresh SQLite file in its own temporary
 * folder, or a fresh MySQL database on a server where the user may create databases. `drop()`
 * removes either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../src/config.ts';

export interface ScratchDatabase<Config extends DatabaseConfig = DatabaseConfig> {
  config: Config;
  drop(): Promise<void>;
}

let created = 0;

/** A new, empty database `feelms_<label>_…` on the server of `baseUrl`. */
export async function scratchMysql(baseUrl: string, label: string): Promise<ScratchDatabase> {
  // Unique across parallel test workers (pid) and within one (counter); under MySQL's 64 characters.
  const name = `feelms_${label.replace(/\W/g, '').slice(0, 24)}_${process.pid}_${++created}_${Date.now() % 100000}`;
  const admin = await mysql.createConnection({ uri: baseUrl });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'mysql', url: url.toString() },
    drop: async () => {
      const conn = await mysql.createConnection({ uri: baseUrl });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** A new SQLite file in a temporary folder `feelms-<label>-…`; `drop()` removes the folder. */
export function scratchSqlite(label: string): ScratchDatabase<DatabaseConfig & { kind: 'sqlite' }> {
  const dir = mkdtempSync(join(tmpdir(), `feelms-${label}-`));
  const file = join(dir, 'feelms.db');
  return {
    config: { kind: 'sqlite', url: `file:${file}`, file },
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}
