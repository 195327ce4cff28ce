import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  inverseOfMysqlStatement,
  migrateDatabase,
  MigrationError,
  MYSQL_MIGRATIONS_DIR,
  readMigrations,
  splitSqlStatements,
  SQLITE_MIGRATIONS_DIR,
} from '../../src/infra/db/migrate.ts';
import { openBulkConnection } from '../../src/infra/db/bulk.ts';
import type { Logger } from '../../src/core/ports/logger.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = { ...silentLogger, warnings, warn: (_f: object, message: string) => warnings.push(message), child: () => logger };
  return logger;
}

/** A copy of the real migrations plus one extra migration. */
function migrationsWith(kind: 'sqlite' | 'mysql', name: string, sql: string): string {
  const dir = scratchDir('migrations');
  cpSync(kind === 'sqlite' ? SQLITE_MIGRATIONS_DIR : MYSQL_MIGRATIONS_DIR, dir, { recursive: true });
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'migration.sql'), sql);
  return dir;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('splitSqlStatements', () => {
  it('splits on semicolons outside quotes and drops comments', () => {
    expect(splitSqlStatements("-- CreateTable\nCREATE TABLE `a;b` (x VARCHAR(3) DEFAULT ';');\n/* note; */\nDROP TABLE c;")).toEqual([
      "CREATE TABLE `a;b` (x VARCHAR(3) DEFAULT ';')",
      'DROP TABLE c',
    ]);
  });
  it('knows how to undo the statements Prisma generates', () => {
    expect(inverseOfMysqlStatement('CREATE TABLE `t` (id INT)')).toBe('DROP TABLE IF EXISTS `t`');
    expect(inverseOfMysqlStatement('CREATE UNIQUE INDEX `i` ON `t`(`x`)')).toBe('DROP INDEX `i` ON `t`');
    expect(inverseOfMysqlStatement('ALTER TABLE `t` ADD CONSTRAINT `f` FOREIGN KEY (`x`) REFERENCES `u`(`id`)')).toBe('ALTER TABLE `t` DROP FOREIGN KEY `f`');
    expect(inverseOfMysqlStatement('ALTER TABLE `t` ADD COLUMN `c` INT')).toBe('ALTER TABLE `t` DROP COLUMN `c`');
    expect(inverseOfMysqlStatement('UPDATE t SET x = 1')).toBeNull();
  });
});

describe('the migration folders', () => {
  it('GIVEN both dialects THEN they hold the same migration names and a lock file for the right provider', () => {
    expect(readMigrations(SQLITE_MIGRATIONS_DIR).map((m) => m.name)).toEqual(readMigrations(MYSQL_MIGRATIONS_DIR).map((m) => m.name));
    expect(readFileSync(join(MYSQL_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toContain('provider = "mysql"');
    expect(readFileSync(join(SQLITE_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toContain('provider = "sqlite"');
  });
});

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`migrations on ${kind}`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    const tableNames = async (database: TestDatabase) => {
      const bulk = await openBulkConnection(database.config);
      try {
        const rows =
          bulk.dialect === 'sqlite'
            ? await bulk.all(`SELECT name FROM sqlite_master WHERE type = 'table'`)
            : await bulk.all('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
        return rows.map((r) => String(r['name']));
      } finally {
        await bulk.close();
      }
    };
    const history = async (database: TestDatabase) => {
      const bulk = await openBulkConnection(database.config);
      try {
        return await bulk.all('SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name');
      } finally {
        await bulk.close();
      }
    };

    it('GIVEN a fresh database WHEN migrated twice THEN each migration is applied once, recorded as prisma migrate deploy records it', async () => {
      db = await fresh('migrate');
      const first = await migrateDatabase(db.config, silentLogger);
      const second = await migrateDatabase(db.config, silentLogger);
      const dir = kind === 'sqlite' ? SQLITE_MIGRATIONS_DIR : MYSQL_MIGRATIONS_DIR;
      const files = readMigrations(dir);
      expect(first.applied).toEqual(files.map((m) => m.name));
      expect(second).toEqual({ applied: [], alreadyApplied: files.length });
      const rows = await history(db);
      expect(rows.map((r) => r['migration_name'])).toEqual(files.map((m) => m.name));
      for (const row of rows) {
        const sql = readFileSync(join(dir, String(row['migration_name']), 'migration.sql'));
        expect(row['checksum']).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row['finished_at']).not.toBeNull();
        expect(Number(row['applied_steps_count'])).toBe(1);
      }
    });

    it('GIVEN two processes starting together THEN each migration is applied exactly once and both succeed', async () => {
      db = await fresh('concurrent');
      const env = { DATABASE_URL: db.config.url };
      const [a, b] = await Promise.all([run('npx', ['tsx', 'scripts/migrate.ts'], env), run('npx', ['tsx', 'scripts/migrate.ts'], env)]);
      expect(a.code, a.output).toBe(0);
      expect(b.code, b.output).toBe(0);
      const rows = await history(db);
      const names = rows.map((r) => String(r['migration_name']));
      expect(new Set(names).size).toBe(names.length);
      expect(names.length).toBe(readMigrations(kind === 'sqlite' ? SQLITE_MIGRATIONS_DIR : MYSQL_MIGRATIONS_DIR).length);
    }, 120_000);

    it('GIVEN a migration that fails halfway THEN startup stops with a clear error and nothing of it is kept', async () => {
      db = await fresh('failing');
      await migrateDatabase(db.config, silentLogger);
      const q = kind === 'sqlite' ? (s: string) => `"${s}"` : (s: string) => `\`${s}\``;
      const broken = migrationsWith(
        kind,
        '29990101000000_broken',
        `CREATE TABLE ${q('half_done')} (${q('id')} INTEGER NOT NULL, PRIMARY KEY (${q('id')}));\n` +
          `CREATE INDEX ${q('movies_title_idx')} ON ${q('movies')}(${q('title')});\n` +
          `ALTER TABLE ${q('movies')} ADD COLUMN ${q('tagline')} VARCHAR(100) NULL;\n` +
          `THIS IS NOT SQL;\n`,
      );
      const before = (await tableNames(db)).sort();
      const error = await migrateDatabase(db.config, silentLogger, broken).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).message).toMatch(/29990101000000_broken failed: .*Nothing from it was kept/);
      expect((await tableNames(db)).sort()).toEqual(before);
      const bulk = await openBulkConnection(db.config);
      try {
        const columns =
          kind === 'sqlite'
            ? (await bulk.all(`PRAGMA table_info("movies")`)).map((c) => String(c['name']))
            : (await bulk.all(`SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'movies'`)).map((c) => String(c['name']));
        expect(columns).not.toContain('tagline');
        const indexes =
          kind === 'sqlite'
            ? (await bulk.all(`PRAGMA index_list("movies")`)).map((i) => String(i['name']))
            : (await bulk.all(`SELECT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'movies'`)).map((i) => String(i['name']));
        expect(indexes).not.toContain('movies_title_idx');
      } finally {
        await bulk.close();
      }
      expect((await history(db)).map((r) => r['migration_name'])).not.toContain('29990101000000_broken');

      // Once fixed, the same migration applies cleanly.
      const fixed = migrationsWith(kind, '29990101000000_broken', `CREATE TABLE ${q('half_done')} (${q('id')} INTEGER NOT NULL, PRIMARY KEY (${q('id')}));\n`);
      const result = await migrateDatabase(db.config, silentLogger, fixed);
      expect(result.applied).toEqual(['29990101000000_broken']);
    });

    it('GIVEN an applied migration edited afterwards THEN it is not re-run and a warning is logged', async () => {
      db = await fresh('edited');
      const dir = migrationsWith(kind, '29990101000000_extra', 'CREATE TABLE extra_table (id INTEGER NOT NULL PRIMARY KEY);\n');
      await migrateDatabase(db.config, silentLogger, dir);
      writeFileSync(join(dir, '29990101000000_extra', 'migration.sql'), 'CREATE TABLE extra_table (id INTEGER NOT NULL PRIMARY KEY); -- edited\n');
      const logger = recordingLogger();
      const result = await migrateDatabase(db.config, logger, dir);
      expect(result.applied).toEqual([]);
      expect(logger.warnings.join('\n')).toMatch(/edited after it was applied/);
    });

    it('GIVEN a migration recorded as started but never finished THEN migrating refuses with instructions', async () => {
      db = await fresh('unfinished');
      await migrateDatabase(db.config, silentLogger);
      const bulk = await openBulkConnection(db.config);
      await bulk.run("INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ('x', 'y', '29990101000000_crashed', '2026-01-01 00:00:00', 0)");
      await bulk.close();
      await expect(migrateDatabase(db.config, silentLogger)).rejects.toThrow(/29990101000000_crashed is recorded as started but not finished/);
    });
  });
}
