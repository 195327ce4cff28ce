/**
 * Shared helpers for `npm run bench` sections: medians and percentiles (the machines are shared and
 * noisy, so every figure is a median or a percentile over repeated runs), scratch databases.
 */
import { join } from 'node:path';
import { projectRoot } from '../src/shared/project-root.ts';
import { scratchMysql as scratchMysqlDatabase, scratchSqlite as scratchSqliteDatabase } from './scratch-databases.ts';

export const SHARED_DATA = join(projectRoot(), '..', 'shared', 'data');

export { median, percentile, round } from './bench-stats.ts';

/** A fresh MySQL database for one benchmark run; dropped by its `drop()`. */
export const scratchMysql = (baseUrl: string, label: string) => scratchMysqlDatabase(baseUrl, `bench_${label}`);

/** A fresh SQLite file for one benchmark run; removed by its `drop()`. */
export const scratchSqlite = (label: string) => scratchSqliteDatabase(`bench-${label}`);

/** Sections other modules add; each returns its nested figures. */
export type BenchSection = (options: { mysqlUrl: string; quick: boolean; log: (line: string) => void }) => Promise<Record<string, unknown>>;

