/**
 * "Only one replica runs this": MySQL GET_LOCK held on a dedicated connection (a lock belongs to
 * the connection that took it, so a pooled connection would lose it; a killed holder's connection
 * closes and frees it). SQLite runs on one machine, so a process-local flag is enough.
 * @example
 * const outcome = await runExclusively(config.database, 'feelms:retrain', () => retrain());
 * if (!outcome.ran) log.info({}, 'another replica is retraining');
 */
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../../config.ts';
import { mysql2Options, mysqlOptionsFromUrl } from './mysql-url.ts';

const localLocks = new Set<string>();

export async function runExclusively<T>(database: DatabaseConfig, name: string, work: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  if (database.kind === 'sqlite') {
    if (localLocks.has(name)) return { ran: false };
    localLocks.add(name);
    try {
      return { ran: true, result: await work() };
    } finally {
      localLocks.delete(name);
    }
  }
  const connection = await mysql.createConnection(mysql2Options(mysqlOptionsFromUrl(database.url)));
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS acquired', [name]);
    if (rows[0]?.['acquired'] !== 1) return { ran: false };
    try {
      return { ran: true, result: await work() };
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
    }
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}
