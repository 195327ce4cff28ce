/**
 * A raw SQL connection for bulk work (catalog import, community load, training-data export), where
 * Prisma's one-statement-per-row path is too slow: mysql2 with multi-row INSERTs on MySQL,
 * better-sqlite3 in one transaction on SQLite. Same `?` placeholders on both; identifiers go through
 * `quote`.
 * @example
 * const bulk = await openBulkConnection(config.database);
 * await bulk.transaction(async () => bulk.run(`INSERT INTO ${bulk.quote('users')} () VALUES ()`));
 * await bulk.close();
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../../config.ts';
import { mysql2Options, mysqlOptionsFromUrl } from './mysql-url.ts';

export type SqlValue = string | number | bigint | boolean | null | Date | Buffer;
export type Row = Record<string, unknown>;

export interface BulkConnection {
  dialect: 'mysql' | 'sqlite';
  quote: (identifier: string) => string;
  all: (sql: string, params?: readonly SqlValue[]) => Promise<Row[]>;
  /** Returns the number of rows changed. */
  run: (sql: string, params?: readonly SqlValue[]) => Promise<number>;
  /** Runs `work` in one transaction; rolls back if it throws. Not re-entrant. */
  transaction: <T>(work: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** Largest number of rows per multi-row statement; keeps placeholders well under both databases' limits. */
export const BULK_BATCH_ROWS = 500;

function sqliteValue(value: SqlValue): string | number | bigint | Buffer | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

export async function openBulkConnection(database: DatabaseConfig): Promise<BulkConnection> {
  if (database.kind === 'sqlite') {
    mkdirSync(dirname(database.file), { recursive: true });
    const db = new BetterSqlite3(database.file, { timeout: 30_000 });
    return {
      dialect: 'sqlite',
      quote: (identifier) => `"${identifier}"`,
      all: (sql, params = []) => Promise.resolve(db.prepare(sql).all(...params.map(sqliteValue)) as Row[]),
      run: (sql, params = []) => Promise.resolve(db.prepare(sql).run(...params.map(sqliteValue)).changes),
      transaction: async (work) => {
        // IMMEDIATE: take the write lock up front so a concurrent writer waits instead of failing mid-way.
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work();
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      },
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
  }
  const connection = await mysql.createConnection(mysql2Options(mysqlOptionsFromUrl(database.url)));
  return {
    dialect: 'mysql',
    quote: (identifier) => `\`${identifier}\``,
    all: async (sql, params = []) => {
      const [rows] = await connection.query(sql, params as SqlValue[]);
      return rows as Row[];
    },
    run: async (sql, params = []) => {
      const [result] = await connection.query<mysql.ResultSetHeader>(sql, params as SqlValue[]);
      return result.affectedRows;
    },
    transaction: async (work) => {
      await connection.beginTransaction();
      try {
        const result = await work();
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      }
    },
    close: () => connection.end(),
  };
}

export { placeholders } from './placeholders.ts';

export function chunks<T>(items: readonly T[], size = BULK_BATCH_ROWS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
