/**
 * Real databases for storage tests: a fresh SQLite file per test, and, when TEST_MYSQL_URL is set
 * (.ci/run sets it to the local MariaDB), a fresh MySQL database per test dropped afterwards.
 */
import { scratchMysql, scratchSqlite, type ScratchDatabase } from '../../scripts/scratch-databases.ts';

export const TEST_MYSQL_URL = process.env['TEST_MYSQL_URL'] ?? '';
export const hasMysql = TEST_MYSQL_URL !== '';
if (!hasMysql && !(globalThis as { __feelmsMysqlNoticeShown?: boolean }).__feelmsMysqlNoticeShown) {
  (globalThis as { __feelmsMysqlNoticeShown?: boolean }).__feelmsMysqlNoticeShown = true;
  console.warn('MySQL suites skipped: set TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test) to run them.');
}

export type TestDatabase = ScratchDatabase;

export function freshSqlite(): TestDatabase {
  return scratchSqlite('test');
}

/** A new, empty MySQL database on the TEST_MYSQL_URL server. */
export async function freshMysql(label: string): Promise<TestDatabase> {
  if (!hasMysql) throw new Error('TEST_MYSQL_URL is not set');
  return scratchMysql(TEST_MYSQL_URL, `t_${label}`);
}

/** Runs `suite` once per available database kind: SQLite always, MySQL when configured. */
export const databaseKinds: Array<{ kind: 'sqlite' | 'mysql'; fresh: (label: string) => Promise<TestDatabase>; skip: boolean }> = [
  { kind: 'sqlite', fresh: () => Promise.resolve(freshSqlite()), skip: false },
  { kind: 'mysql', fresh: (label) => freshMysql(label), skip: !hasMysql },
];
