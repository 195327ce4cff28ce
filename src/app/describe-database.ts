import { relative } from 'node:path';
import type { DatabaseConfig } from '../config.ts';
import { describeMysqlUrl } from '../infra/db/mysql-url.ts';

/** "SQLite data/feelms.db" or "MySQL mysql://app@host:3306/feelms" (never the password). */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') {
    const rel = relative(process.cwd(), database.file);
    return `SQLite ${rel.startsWith('..') ? database.file : rel}`;
  }
  return `MySQL ${describeMysqlUrl(database.url)}`;
}
