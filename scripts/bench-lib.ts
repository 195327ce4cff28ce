/**
 * Shared helpers for `npm run bench` sections: medians and percentiles (the machines are shared and
 * noisy, so every figure is a median or a percentile over repeated runs), scratch MySQL databases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../src/config.ts';
import { projectRoot } from '../src/shared/project-root.ts';

export const SHARED_DATA = join(projectRoot(), '..', 'shared', 'data');

export { median, percentile, round } from './bench-stats.ts';

/** A fresh MySQL database for one benchmark run; dropped by the returned function. */
export async function scratchMysql(baseUrl: string, label: string): Promise<{ config: DatabaseConfig; drop: () => Promise<void> }> {
  const name = `feelms_bench_${label}_${process.pid}_${Date.now() % 100000}`;
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

/** A fresh SQLite file for one benchmark run; removed by the returned function. */
export function scratchSqlite(label: string): { config: DatabaseConfig & { kind: 'sqlite' }; drop: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `feelms-bench-${label}-`));
  const file = join(dir, 'feelms.db');
  return {
    config: { kind: 'sqlite', url: `file:${file}`, file },
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** Sections other modules add; each returns its nested figures. */
export type BenchSection = (options: { mysqlUrl: string; quick: boolean; log: (line: string) => void }) => Promise<Record<string, unknown>>;

