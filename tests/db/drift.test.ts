/**
 * Guards against drift between prisma/schema.prisma and the hand-written migrations (Prisma's
 * schema engine cannot run here to diff them): migrate a fresh database, then compare its tables,
 * columns, nullability, keys, indexes and foreign keys with the schema, and write and read every
 * model through the generated client.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/db/client.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { openBulkConnection, type BulkConnection } from '../../src/infra/db/bulk.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';
import { readPrismaSchema } from '../helpers/prisma-schema.ts';

const models = readPrismaSchema(join(import.meta.dirname, '..', '..', 'prisma', 'schema.prisma'));

interface ColumnInfo { name: string; nullable: boolean }
interface IndexInfo { name: string; unique: boolean; columns: string[] }
interface ForeignKeyInfo { columns: string[]; table: string; onDelete: string }

async function describeTable(bulk: BulkConnection, table: string): Promise<{ columns: ColumnInfo[]; primaryKey: string[]; indexes: IndexInfo[]; foreignKeys: ForeignKeyInfo[] }> {
  if (bulk.dialect === 'sqlite') {
    const cols = await bulk.all(`PRAGMA table_info("${table}")`);
    const indexList = await bulk.all(`PRAGMA index_list("${table}")`);
    const indexes: IndexInfo[] = [];
    for (const index of indexList) {
      const info = await bulk.all(`PRAGMA index_info("${String(index['name'])}")`);
      indexes.push({ name: String(index['name']), unique: Number(index['unique']) === 1, columns: info.sort((a, b) => Number(a['seqno']) - Number(b['seqno'])).map((c) => String(c['name'])) });
    }
    const fks = await bulk.all(`PRAGMA foreign_key_list("${table}")`);
    return {
      columns: cols.map((c) => ({ name: String(c['name']), nullable: Number(c['notnull']) === 0 })),
      primaryKey: cols.filter((c) => Number(c['pk']) > 0).sort((a, b) => Number(a['pk']) - Number(b['pk'])).map((c) => String(c['name'])),
      indexes,
      foreignKeys: fks.map((fk) => ({ columns: [String(fk['from'])], table: String(fk['table']), onDelete: String(fk['on_delete']) })),
    };
  }
  const cols = await bulk.all('SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [table]);
  const stats = await bulk.all('SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, SEQ_IN_INDEX AS seq FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX', [table]);
  const byName = new Map<string, IndexInfo>();
  for (const s of stats) {
    const name = String(s['name']);
    const entry = byName.get(name) ?? { name, unique: Number(s['nonUnique']) === 0, columns: [] };
    entry.columns.push(String(s['col']));
    byName.set(name, entry);
  }
  const fks = await bulk.all(
    `SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS ref, r.DELETE_RULE AS onDelete
       FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
      WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ?`,
    [table],
  );
  const primary = byName.get('PRIMARY');
  byName.delete('PRIMARY');
  return {
    columns: cols.map((c) => ({ name: String(c['name']), nullable: c['nullable'] === 'YES' })),
    primaryKey: primary?.columns ?? [],
    indexes: [...byName.values()],
    foreignKeys: fks.map((fk) => ({ columns: [String(fk['col'])], table: String(fk['ref']), onDelete: String(fk['onDelete']) })),
  };
}

const ON_DELETE: Record<string, string> = { Cascade: 'CASCADE', SetNull: 'SET NULL', Restrict: 'RESTRICT', NoAction: 'NO ACTION' };

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`schema.prisma and the ${kind} migrations`, () => {
    let testDb: TestDatabase;
    let bulk: BulkConnection;
    let database: Database;

    beforeAll(async () => {
      testDb = await fresh('drift');
      await migrateDatabase(testDb.config, silentLogger);
      bulk = await openBulkConnection(testDb.config);
      database = await openDatabase(testDb.config);
    });
    afterAll(async () => {
      await database?.close();
      await bulk?.close();
      await testDb?.drop();
    });

    it('GIVEN a migrated database THEN it has exactly the tables of the schema', async () => {
      const rows =
        bulk.dialect === 'sqlite'
          ? await bulk.all(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
          : await bulk.all('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
      const tables = rows.map((r) => String(r['name'])).filter((name) => name !== '_prisma_migrations').sort();
      expect(tables).toEqual(models.map((m) => m.table).sort());
    });

    for (const model of models) {
      it(`GIVEN model ${model.name} THEN table ${model.table} matches its columns, keys, indexes and foreign keys`, async () => {
        const table = await describeTable(bulk, model.table);
        expect(table.columns.map((c) => c.name).sort()).toEqual(model.scalars.map((f) => f.name).sort());
        for (const field of model.scalars) {
          expect(table.columns.find((c) => c.name === field.name)?.nullable, `${model.table}.${field.name} nullability`).toBe(field.optional);
        }
        expect(table.primaryKey).toEqual(model.primaryKey);
        for (const unique of model.uniques) {
          expect(table.indexes.some((i) => i.unique && i.columns.join() === unique.join()), `unique (${unique.join()})`).toBe(true);
        }
        for (const index of model.indexes) {
          expect(table.indexes.some((i) => i.columns.join() === index.join()), `index (${index.join()})`).toBe(true);
        }
        const declared = model.uniques.length + model.indexes.length;
        // Every index must be declared, or be implicit: MySQL indexes foreign keys, SQLite indexes composite primary keys.
        const fkColumns = new Set(model.relations.map((r) => r.fields.join()));
        const extra = table.indexes.filter((i) => ![...model.uniques, ...model.indexes].some((d) => d.join() === i.columns.join()) && !fkColumns.has(i.columns.join()) && i.columns.join() !== model.primaryKey.join());
        expect(extra, 'indexes not in schema.prisma').toEqual([]);
        expect(table.indexes.length).toBeGreaterThanOrEqual(declared);
        for (const relation of model.relations) {
          const target = models.find((m) => m.name === relation.target)!;
          const fk = table.foreignKeys.find((f) => f.columns.join() === relation.fields.join());
          expect(fk, `foreign key ${model.table}(${relation.fields.join()})`).toBeDefined();
          expect(fk!.table).toBe(target.table);
          expect(fk!.onDelete).toBe(ON_DELETE[relation.onDelete ?? 'NoAction']);
        }
        expect(table.foreignKeys.length).toBe(model.relations.length);
      });
    }

    it('GIVEN every model WHEN written and read through the generated client THEN values round-trip', async () => {
      const prisma = database.prisma;
      const user = await prisma.user.create({ data: {} });
      const account = await prisma.platformAccount.create({ data: { platform: 'console', externalId: 'drift-1', displayName: 'Zoë 🎬 مرحبا', userId: user.id } });
      const movie = await prisma.movie.create({
        data: {
          source: 'test', sourceId: 'm1', title: 'Amélie', year: 2001, runtimeMinutes: 122, genres: 'Comedy|Romance', certificate: 'R',
          imdbRating: 8.3, imdbVotes: 700000, criticScore: 69, director: 'Jean-Pierre Jeunet', cast: 'Audrey Tautou|Mathieu Kassovitz',
          posterUrl: 'https://example.com/p.jpg', overview: 'A shy waitress…', imdbId: 'tt0211915',
        },
      });
      await prisma.movieEmotion.create({ data: { movieId: movie.id, emotion: 'happy', weight: 0.75 } });
      await prisma.interaction.create({ data: { userId: user.id, movieId: movie.id, emotion: 'happy', kind: 'shown', at: new Date('2026-01-02T03:04:05.678Z') } });
      await prisma.favorite.create({ data: { userId: user.id, movieId: movie.id } });
      await prisma.rating.create({ data: { userId: user.id, movieId: movie.id, stars: 5 } });
      await prisma.dismissal.create({ data: { userId: user.id, movieId: movie.id } });
      await prisma.conversationState.create({ data: { accountId: account.id, state: '{"step":"idle"}' } });
      await prisma.modelArtifact.create({ data: { kind: 'svd', version: 'v1', bytes: Buffer.from([0, 1, 2, 255]), metrics: { rmse: 0.93 }, dataHash: 'abc', active: true } });

      const loaded = await prisma.user.findUniqueOrThrow({
        where: { id: user.id },
        include: { accounts: { include: { state: true } }, interactions: true, favorites: true, ratings: true, dismissals: true },
      });
      expect(loaded.accounts[0]?.displayName).toBe('Zoë 🎬 مرحبا');
      expect(loaded.accounts[0]?.state?.state).toBe('{"step":"idle"}');
      expect(loaded.interactions[0]?.at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
      expect(loaded.ratings[0]?.stars).toBe(5);
      expect(loaded.favorites).toHaveLength(1);
      expect(loaded.dismissals).toHaveLength(1);
      const reloadedMovie = await prisma.movie.findUniqueOrThrow({ where: { source_sourceId: { source: 'test', sourceId: 'm1' } }, include: { emotions: true } });
      expect(reloadedMovie.title).toBe('Amélie');
      expect(reloadedMovie.imdbRating).toBeCloseTo(8.3);
      expect(reloadedMovie.emotions[0]?.weight).toBeCloseTo(0.75);
      const artifact = await prisma.modelArtifact.findFirstOrThrow({ where: { kind: 'svd', active: true } });
      expect([...artifact.bytes]).toEqual([0, 1, 2, 255]);
      expect(artifact.metrics).toEqual({ rmse: 0.93 });

      // Deleting the user cascades to every table that refers to it.
      await prisma.user.delete({ where: { id: user.id } });
      expect(await prisma.platformAccount.count({ where: { userId: user.id } })).toBe(0);
      expect(await prisma.conversationState.count({ where: { accountId: account.id } })).toBe(0);
      expect(await prisma.interaction.count({ where: { userId: user.id } })).toBe(0);
      expect(await prisma.rating.count({ where: { userId: user.id } })).toBe(0);
    });
  });
}
