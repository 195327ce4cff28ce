/**
 * Applies the SQL migrations in Prisma's layout, without Prisma's schema engine (which cannot run
 * offline on these machines: see ../shared/ENVIRONMENT.md and prisma/README.md).
 *
 * - MySQL: `prisma/migrations`; SQLite: `prisma/sqlite-migrations`.
 * - `_prisma_migrations` is created and filled exactly as `prisma migrate deploy` does (same columns,
 *   sha256 checksum of migration.sql), so the CLI agrees with us on a connected machine.
 * - Concurrency: MySQL takes `GET_LOCK` on a dedicated connection; SQLite takes the write lock with
 *   `BEGIN IMMEDIATE`. A second process waits, then finds the migration applied.
 * - Failure: SQLite DDL is transactional, so a failing migration rolls back whole. MySQL commits DDL
 *   implicitly, so the runner undoes the statements that did succeed (CREATE TABLE/INDEX, ADD
 *   COLUMN/CONSTRAINT) and deletes the migration's row; the database is left as it was and startup stops.
 *   tests/db/migrate.test.ts covers both.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../../config.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { projectRoot } from '../../shared/project-root.ts';
import { mysql2Options, mysqlOptionsFromUrl } from './mysql-url.ts';

const PROJECT_ROOT = projectRoot();
export const MYSQL_MIGRATIONS_DIR = join(PROJECT_ROOT, 'prisma', 'migrations');
export const SQLITE_MIGRATIONS_DIR = join(PROJECT_ROOT, 'prisma', 'sqlite-migrations');
const LOCK_NAME = 'feelms:migrate';
const LOCK_WAIT_SECONDS = 120;

export interface Migration {
  name: string;
  sql: string;
  /** sha256 hex of migration.sql, as Prisma computes it. */
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** A migration failed and was undone; the database is as it was before it started. */
export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
  constructor(
    readonly migration: string,
    readonly cause: unknown,
    readonly notReverted: string[] = [],
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const tail = notReverted.length > 0 ? ` Could not undo: ${notReverted.join('; ')}.` : ' Nothing from it was kept.';
    super(`Migration ${migration} failed: ${reason}.${tail}`);
    this.name = 'MigrationError';
  }
}

export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new Error(`Migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Splits a script into statements on `;` outside quotes and comments. Comment-only fragments are dropped.
 * @example
 * splitSqlStatements("CREATE TABLE a (x INT); -- note\nDROP TABLE b;") // ['CREATE TABLE a (x INT)', 'DROP TABLE b']
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    const next = script[i + 1];
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
      current += '\n';
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

function checkHistory(applied: AppliedRow[], migrations: Migration[], logger: Logger): Set<string> {
  const done = new Set<string>();
  for (const row of applied) {
    if (row.rolled_back_at !== null) continue;
    if (row.finished_at === null) {
      throw new Error(
        `Migration ${row.migration_name} is recorded as started but not finished (a previous run of another tool failed). ` +
          'Inspect the database, then mark it with `prisma migrate resolve` or delete its row from _prisma_migrations.',
      );
    }
    done.add(row.migration_name);
    const file = migrations.find((m) => m.name === row.migration_name);
    if (file && file.checksum !== row.checksum) {
      logger.warn({ migration: row.migration_name }, 'migration.sql was edited after it was applied; the database keeps the applied version');
    }
  }
  return done;
}

/** Applies pending migrations to the configured database. */
export async function migrateDatabase(database: DatabaseConfig, logger: Logger, migrationsDir?: string): Promise<MigrationResult> {
  return database.kind === 'sqlite'
    ? migrateSqlite(database.file, logger, migrationsDir ?? SQLITE_MIGRATIONS_DIR)
    : migrateMysql(database.url, logger, migrationsDir ?? MYSQL_MIGRATIONS_DIR);
}

export function migrateSqlite(file: string, logger: Logger, migrationsDir = SQLITE_MIGRATIONS_DIR): MigrationResult {
  const migrations = readMigrations(migrationsDir);
  mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file, { timeout: LOCK_WAIT_SECONDS * 1000 });
  try {
    // WAL lets the bot read while an import or a second process writes; it is a property of the file.
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`);
    const applied: string[] = [];
    let alreadyApplied = 0;
    for (const migration of migrations) {
      // BEGIN IMMEDIATE takes the write lock now, so two processes cannot both decide a migration is pending.
      db.exec('BEGIN IMMEDIATE');
      try {
        const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"').all() as AppliedRow[];
        const done = checkHistory(rows, migrations, logger);
        if (done.has(migration.name)) {
          alreadyApplied++;
          db.exec('COMMIT');
          continue;
        }
        const startedAt = new Date().toISOString();
        try {
          db.exec(migration.sql);
        } catch (error) {
          throw new MigrationError(migration.name, error);
        }
        db.prepare(
          'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)',
        ).run(randomUUID(), migration.checksum, new Date().toISOString(), migration.name, startedAt);
        db.exec('COMMIT');
        applied.push(migration.name);
        logger.info({ migration: migration.name }, 'migration applied');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    }
    return { applied, alreadyApplied };
  } finally {
    db.close();
  }
}

/** What to run to undo one successful statement, or null when it cannot be undone automatically. */
export function inverseOfMysqlStatement(statement: string): string | null {
  const sql = statement.replace(/\s+/g, ' ').trim();
  let m = /^CREATE TABLE (?:IF NOT EXISTS )?(`[^`]+`|\w+)/i.exec(sql);
  if (m) return `DROP TABLE IF EXISTS ${m[1]}`;
  m = /^CREATE (?:UNIQUE |FULLTEXT |SPATIAL )?INDEX (`[^`]+`|\w+) ON (`[^`]+`|\w+)/i.exec(sql);
  if (m) return `DROP INDEX ${m[1]} ON ${m[2]}`;
  m = /^ALTER TABLE (`[^`]+`|\w+) ADD CONSTRAINT (`[^`]+`|\w+) FOREIGN KEY/i.exec(sql);
  if (m) return `ALTER TABLE ${m[1]} DROP FOREIGN KEY ${m[2]}`;
  m = /^ALTER TABLE (`[^`]+`|\w+) ADD COLUMN (`[^`]+`|\w+)/i.exec(sql);
  if (m) return `ALTER TABLE ${m[1]} DROP COLUMN ${m[2]}`;
  m = /^ALTER TABLE (`[^`]+`|\w+) ADD (?:UNIQUE )?INDEX (`[^`]+`|\w+)/i.exec(sql);
  if (m) return `ALTER TABLE ${m[1]} DROP INDEX ${m[2]}`;
  if (/^(INSERT|UPDATE|DELETE)\b/i.test(sql)) return null;
  return null;
}

export async function migrateMysql(url: string, logger: Logger, migrationsDir = MYSQL_MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = readMigrations(migrationsDir);
  // A dedicated connection: GET_LOCK belongs to the connection that took it.
  const connection = await mysql.createConnection({ ...mysql2Options(mysqlOptionsFromUrl(url)), multipleStatements: false });
  try {
    const [lockRows] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [LOCK_NAME, LOCK_WAIT_SECONDS]);
    if (lockRows[0]?.['acquired'] !== 1) {
      throw new Error(`Another process has held the migration lock for ${LOCK_WAIT_SECONDS} s; is a migration stuck?`);
    }
    try {
      await connection.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations');
      const done = checkHistory(rows as unknown as AppliedRow[], migrations, logger);
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        const id = randomUUID();
        // Recorded as started first, as Prisma does, so a crash mid-migration is visible to `prisma migrate status`.
        await connection.query('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, NOW(3), 0)', [
          id,
          migration.checksum,
          migration.name,
        ]);
        const undo: string[] = [];
        try {
          for (const statement of splitSqlStatements(migration.sql)) {
            await connection.query(statement);
            const inverse = inverseOfMysqlStatement(statement);
            undo.push(inverse ?? `-- cannot undo: ${statement.slice(0, 80)}`);
          }
        } catch (error) {
          const notReverted: string[] = [];
          for (const step of undo.reverse()) {
            if (step.startsWith('-- cannot undo: ')) {
              notReverted.push(step.slice('-- cannot undo: '.length));
              continue;
            }
            try {
              await connection.query(step);
            } catch (undoError) {
              notReverted.push(`${step} (${(undoError as Error).message})`);
            }
          }
          if (notReverted.length === 0) {
            await connection.query('DELETE FROM _prisma_migrations WHERE id = ?', [id]);
          } else {
            await connection.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [String((error as Error).message), id]);
          }
          throw new MigrationError(migration.name, error, notReverted);
        }
        await connection.query('UPDATE _prisma_migrations SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?', [id]);
        applied.push(migration.name);
        logger.info({ migration: migration.name }, 'migration applied');
      }
      return { applied, alreadyApplied: migrations.length - applied.length };
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => undefined);
    }
  } finally {
    await connection.end().catch(() => undefined);
  }
}
