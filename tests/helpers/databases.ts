/**
 * Real databases for storage tests: a fresh SQLite file per test, and, when TEST_MYSQL_URL is set
 * (.ci/run sets it to the local MariaDB), a fresh MySQL database per test dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../../src/config.ts';

export const TEST_MYSQL_URL = process.env['TEST_MYSQL_URL'] ?? '';
export const hasMysql = TEST_MYSQL_URL !== '';
if (!hasMysql && !(globalThis as { __feelmsMysqlNoticeShown?: boolean }).__feelmsMysqlNoticeShown) {
  (globalThis as { __feelmsMysqlNoticeShown?: boolean }).__feelmsMysqlNoticeShown = true;
  console.warn('MySQL suites skipped: set TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test) to run them.');
}

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export function freshSqlite(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'feelms-test-'));
  const file = join(dir, 'feelms.db');
  return {
    config: { kind: 'sqlite', url: `file:${file}`, file },
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

let counter = 0;

/** A new, empty MySQL database on the TEST_MYSQL_URL server. */
export async function freshMysql(label: string): Promise<TestDatabase> {
  if (!hasMysql) throw new Error('TEST_MYSQL_URL is not set');
  const base = new URL(TEST_MYSQL_URL);
  const name = `feelms_t_${label.replace(/\W/g, '').slice(0, 20)}_${process.pid}_${++counter}_${Date.now() % 100000}`;
  const admin = await mysql.createConnection({ uri: TEST_MYSQL_URL });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    config: { kind: 'mysql', url: url.toString() },
    drop: async () => {
      const conn = await mysql.createConnection({ uri: TEST_MYSQL_URL });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** Runs `suite` once per available database kind: SQLite always, MySQL when configured. */
export const databaseKinds: Array<{ kind: 'sqlite' | 'mysql'; fresh: (label: string) => Promise<TestDatabase>; skip: boolean }> = [
  { kind: 'sqlite', fresh: () => Promise.resolve(freshSqlite()), skip: false },
  { kind: 'mysql', fresh: (label) => freshMysql(label), skip: !hasMysql },
];
