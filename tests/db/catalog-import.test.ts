import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCatalog } from '../../src/app/import-catalog.ts';
import { CatalogFileError } from '../../src/catalog/catalog-movie.ts';
import { generateCommunity } from '../../src/community/generate-community.ts';
import { toSimulationMovies } from '../../src/community/catalog-for-simulation.ts';
import { parseCatalog } from '../../src/catalog/parse-catalog.ts';
import { openBulkConnection } from '../../src/infra/db/bulk.ts';
import { loadCommunity } from '../../src/infra/db/community-writer.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const ML_MOVIES = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'ml-latest-small', 'movies.csv');
const hasMlMovies = existsSync(ML_MOVIES);

async function counts(db: TestDatabase): Promise<Record<string, number>> {
  const bulk = await openBulkConnection(db.config);
  try {
    const out: Record<string, number> = {};
    for (const table of ['movies', 'movie_emotions', 'users', 'platform_accounts', 'interactions', 'favorites', 'ratings']) {
      const [row] = await bulk.all(`SELECT COUNT(*) AS n FROM ${bulk.quote(table)}`);
      out[table] = Number(row?.['n']);
    }
    return out;
  } finally {
    await bulk.close();
  }
}

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`catalog import into ${kind}`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('GIVEN the default catalog WHEN imported twice THEN rows are updated in place, never duplicated', async () => {
      db = await fresh('vega');
      await migrateDatabase(db.config, silentLogger);
      const lines: string[] = [];
      const first = await importCatalog(db.config, 'vega', undefined, (line) => lines.push(line));
      const afterFirst = await counts(db);
      const second = await importCatalog(db.config, 'vega', undefined, () => undefined);
      const afterSecond = await counts(db);
      expect(first.written.inserted).toBeGreaterThan(2800);
      expect(second.written).toEqual({ inserted: 0, updated: first.written.inserted, merged: 0, mergedBy: {} });
      expect(afterSecond).toEqual(afterFirst);
      expect(afterFirst['movies']).toBe(first.written.inserted);
      expect(lines.join('\n')).toMatch(/movies added/);
      expect(lines.join('\n')).toMatch(/dropped/);
    });

    it('GIVEN a CSV with a bad row THEN the row is reported by line number and the rest is imported', async () => {
      db = await fresh('badrow');
      await migrateDatabase(db.config, silentLogger);
      const dir = scratchDir('ml');
      const file = join(dir, 'movies.csv');
      writeFileSync(file, 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\nabc,Broken (2000),Drama\n3,"Matrix, The (1999)",Action|Sci-Fi\n');
      const lines: string[] = [];
      const outcome = await importCatalog(db.config, 'movielens', file, (line) => lines.push(line));
      expect(outcome.written.inserted).toBe(2);
      expect(outcome.report.problems).toEqual([{ line: 3, message: 'movieId "abc" is not a number' }]);
      expect(lines.join('\n')).toContain('line 3: movieId "abc" is not a number');
    });

    it('GIVEN an unreadable catalog file THEN the import fails naming the file and existing rows stay', async () => {
      db = await fresh('missing');
      await migrateDatabase(db.config, silentLogger);
      await importCatalog(db.config, 'vega', undefined, () => undefined);
      const before = await counts(db);
      await expect(importCatalog(db.config, 'movielens', '/nonexistent/movies.csv', () => undefined)).rejects.toThrow(CatalogFileError);
      await expect(importCatalog(db.config, 'movielens', '/nonexistent/movies.csv', () => undefined)).rejects.toThrow('/nonexistent/movies.csv: file not found');
      expect(await counts(db)).toEqual(before);
    });

    it('GIVEN a simulated community WHEN loaded twice THEN the second load replaces the first', async () => {
      db = await fresh('community');
      await migrateDatabase(db.config, silentLogger);
      const { movies } = parseCatalog('vega');
      await importCatalog(db.config, 'vega', undefined, () => undefined);
      const community = generateCommunity(toSimulationMovies(movies), { users: 40, seed: 3, asOf: new Date('2026-06-01T00:00:00Z') });
      const loaded = await loadCommunity(db.config, community);
      const first = await counts(db);
      await loadCommunity(db.config, community);
      expect(await counts(db)).toEqual(first);
      expect(loaded.skippedUnknownMovies).toBe(0);
      expect(first['users']).toBe(40);
      expect(first['interactions']).toBe(community.interactions.length);
      expect(first['favorites']).toBe(community.favorites.length);
      expect(first['ratings']).toBe(community.ratings.length);
    });

    it.skipIf(!hasMlMovies)('GIVEN MovieLens movies.csv THEN all 9,742 movies load with their emotions', async () => {
      db = await fresh('movielens');
      await migrateDatabase(db.config, silentLogger);
      const outcome = await importCatalog(db.config, 'movielens', ML_MOVIES, () => undefined);
      expect(outcome.written.inserted).toBe(9742);
      expect((await counts(db))['movie_emotions']).toBeGreaterThan(9742);
    });
  });
}
