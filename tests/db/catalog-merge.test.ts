/**
 * One film, one row, across catalog sources (src/infra/db/catalog-writer.ts): imports merge rows
 * that are the same film by IMDb id, then by normalised title + year (+ running time), keep every
 * source's id in movie_sources, keep the first source's key, fill missing fields without
 * overwriting known ones, and stay idempotent. On SQLite, and on MySQL when TEST_MYSQL_URL is set.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCatalog } from '../../src/app/import-catalog.ts';
import type { CatalogMovie } from '../../src/catalog/catalog-movie.ts';
import { emotionWeightsForGenres } from '../../src/catalog/genres.ts';
import { normalizeTitle } from '../../src/catalog/titles.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { openBulkConnection, type Row } from '../../src/infra/db/bulk.ts';
import { MATCH_RULES, writeCatalog } from '../../src/infra/db/catalog-writer.ts';
import { openDatabase } from '../../src/infra/db/client.ts';
import { migrateDatabase, MYSQL_MIGRATIONS_DIR, SQLITE_MIGRATIONS_DIR } from '../../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../../src/infra/db/repositories/index.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';
import { missingSharedData, sharedDataPath } from '../helpers/shared-data.ts';

function row(source: string, sourceId: string, title: string, overrides: Partial<CatalogMovie> = {}): CatalogMovie {
  const genres = overrides.genres ?? ['Drama'];
  return {
    source, sourceId, title, year: 2000, runtimeMinutes: null, genres, certificate: null, imdbRating: null, imdbVotes: null, criticScore: null,
    director: null, cast: [], posterUrl: null, overview: null, imdbId: null, emotions: emotionWeightsForGenres(genres, overrides.certificate ?? null), ...overrides,
  };
}

async function query(db: TestDatabase, sql: (q: (name: string) => string) => string, params: Array<string | number> = []): Promise<Row[]> {
  const bulk = await openBulkConnection(db.config);
  try {
    return await bulk.all(sql(bulk.quote), params);
  } finally {
    await bulk.close();
  }
}

const movies = (db: TestDatabase) => query(db, (q) => `SELECT * FROM ${q('movies')} ORDER BY ${q('id')}`);
const sources = (db: TestDatabase) =>
  query(db, (q) => `SELECT ${q('source')}, ${q('sourceId')}, ${q('movieId')}, ${q('matchedBy')} FROM ${q('movie_sources')} ORDER BY ${q('source')}, ${q('sourceId')}`);
const count = async (db: TestDatabase, table: string) => Number((await query(db, (q) => `SELECT COUNT(*) AS n FROM ${q(table)}`))[0]?.['n']);

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`catalog merging across sources on ${kind}`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('GIVEN a second source WHEN imported THEN the same films merge by IMDb id, by title + year and by title + year ±1 + running time; others stay apart', async () => {
      db = await fresh('merge');
      await migrateDatabase(db.config, silentLogger);
      await writeCatalog(db.config, [
        row('a', '1', 'The Matrix', { year: 1999, runtimeMinutes: 136, imdbId: 'tt0133093', imdbRating: 8.7, imdbVotes: 1_000_000 }),
        row('a', '2', 'Amélie', { year: 2001 }),
        row('a', '3', '300', { year: 2007, runtimeMinutes: 117 }),
        row('a', '4', 'Walk the Line', { year: 2005, runtimeMinutes: 80, director: 'James Mangold' }),
        row('a', '5', 'Hamlet', { year: 2000, runtimeMinutes: 112, director: 'Michael Almereyda' }),
        row('a', '6', 'Emma', { year: 1996, imdbId: 'tt0116191' }),
        row('a', '7', 'Crash', { year: 2004 }),
      ]);
      const written = await writeCatalog(db.config, [
        row('b', 'x1', 'Matrix, The', { year: 1999, imdbId: 'tt0133093' }), // by IMDb id
        row('b', 'x2', 'Amelie (Le fabuleux destin d\'Amélie Poulain)', { year: 2001 }), // by title + year
        row('b', 'x3', '300', { year: 2006, runtimeMinutes: 117 }), // ±1 year, same running time
        row('b', 'x4', 'Walk the Line', { year: 2005, runtimeMinutes: 136, director: 'James Mangold' }), // running times disagree, same director
        row('b', 'x5', 'Hamlet', { year: 2000, runtimeMinutes: 178, director: 'Kenneth Branagh' }), // running times and directors disagree
        row('b', 'x6', 'Emma', { year: 1996, imdbId: 'tt0118308' }), // another IMDb id: another film
        row('b', 'x7', 'Crash', { year: 2005 }), // a year apart, running times unknown
        row('b', 'x8', 'Something New', { year: 2010 }),
      ]);

      expect(written).toEqual({
        inserted: 4,
        updated: 0,
        merged: 4,
        mergedBy: { [MATCH_RULES.imdbId]: 1, [MATCH_RULES.title]: 1, [MATCH_RULES.titleNear]: 1, [MATCH_RULES.titleDirector]: 1 },
      });
      expect(await count(db, 'movies')).toBe(11);
      const mapped = await sources(db);
      expect(mapped).toHaveLength(15);
      const byKey = new Map(mapped.map((r) => [`${String(r['source'])}:${String(r['sourceId'])}`, r]));
      const film = (key: string) => Number(byKey.get(key)?.['movieId']);
      expect(film('b:x1')).toBe(film('a:1'));
      expect(film('b:x2')).toBe(film('a:2'));
      expect(film('b:x3')).toBe(film('a:3'));
      expect(film('b:x4')).toBe(film('a:4'));
      for (const [b, a] of [['b:x5', 'a:5'], ['b:x6', 'a:6'], ['b:x7', 'a:7']] as const) expect(film(b), b).not.toBe(film(a));
      expect(byKey.get('b:x1')?.['matchedBy']).toBe('imdbId');
      expect(byKey.get('b:x2')?.['matchedBy']).toBe('title');
      expect(byKey.get('b:x3')?.['matchedBy']).toBe('titleNear');
      expect(byKey.get('b:x4')?.['matchedBy']).toBe('titleDirector');
      expect(byKey.get('a:1')?.['matchedBy']).toBe('source');
    });

    it('GIVEN a merged film THEN it keeps its first source\'s key and known values, fills the missing ones, and its moods follow the filled certificate', async () => {
      db = await fresh('fields');
      await migrateDatabase(db.config, silentLogger);
      await writeCatalog(db.config, [row('vega', 'casablanca-1942', 'Casablanca', { year: 1942, genres: ['Comedy', 'Crime'], imdbRating: 8.5, imdbVotes: 400_000, director: 'Michael Curtiz' })]);
      await writeCatalog(db.config, [
        row('imdb', 'casablanca-1942', 'Casablanca', {
          year: 1942, genres: ['Drama', 'Romance', 'War'], certificate: 'R', imdbRating: 8.6, imdbVotes: 500_000, director: null,
          runtimeMinutes: 102, posterUrl: 'https://img.example/c.jpg', overview: 'Of all the gin joints…', cast: ['Humphrey Bogart'],
        }),
      ]);
      const [film] = await movies(db);
      expect(film).toMatchObject({
        source: 'vega', sourceId: 'casablanca-1942', // the first source's key: Movie.key for trained models
        genres: 'Comedy|Crime', imdbRating: 8.5, imdbVotes: 400_000, director: 'Michael Curtiz', // known: kept
        certificate: 'R', runtimeMinutes: 102, posterUrl: 'https://img.example/c.jpg', overview: 'Of all the gin joints…', cast: 'Humphrey Bogart', // missing: filled
      });
      const emotions = await query(db, (q) => `SELECT ${q('emotion')}, ${q('weight')} FROM ${q('movie_emotions')} WHERE ${q('emotion')} = 'happy'`);
      expect(Number(emotions[0]?.['weight'])).toBe(emotionWeightsForGenres(['Comedy', 'Crime'], 'R').happy);

      // The first source again, now without a director or rating: a null never clears a known value.
      const again = await writeCatalog(db.config, [row('vega', 'casablanca-1942', 'Casablanca', { year: 1942, genres: ['Comedy', 'Crime'], criticScore: 97 })]);
      expect(again).toMatchObject({ inserted: 0, updated: 1, merged: 0 });
      expect((await movies(db))[0]).toMatchObject({ director: 'Michael Curtiz', imdbRating: 8.5, imdbVotes: 400_000, certificate: 'R', criticScore: 97 });

      const database = await openDatabase(db.config);
      try {
        const { catalog } = createPrismaRepositories(database);
        expect((await catalog.moviesByIds([Number(film!['id'])]))[0]?.key).toBe('vega:casablanca-1942');
        expect(await catalog.count()).toBe(1);
      } finally {
        await database.close();
      }
    });

    it('GIVEN a stored film holding a rating pair later flagged as copied THEN re-importing clears it, and another source may then fill the real one', async () => {
      db = await fresh('copied');
      await migrateDatabase(db.config, silentLogger);
      await writeCatalog(db.config, [row('vega', 'casino-royale-1967', 'Casino Royale', { year: 1967, imdbRating: 8, imdbVotes: 172_936 })]);
      await writeCatalog(db.config, [row('vega', 'casino-royale-1967', 'Casino Royale', { year: 1967, copiedRating: { imdbRating: 8, imdbVotes: 172_936 } })]);
      expect((await movies(db))[0]).toMatchObject({ imdbRating: null, imdbVotes: null });
      await writeCatalog(db.config, [row('imdb', 'casino-royale-1967', 'Casino Royale', { year: 1967, imdbRating: 5.1, imdbVotes: 30_000 })]);
      expect((await movies(db))[0]).toMatchObject({ imdbRating: 5.1, imdbVotes: 30_000 });
      // A flag only clears the copied pair, never a different one.
      await writeCatalog(db.config, [row('vega', 'casino-royale-1967', 'Casino Royale', { year: 1967, copiedRating: { imdbRating: 8, imdbVotes: 172_936 } })]);
      expect((await movies(db))[0]).toMatchObject({ imdbRating: 5.1, imdbVotes: 30_000 });
    });

    it('GIVEN a database migrated before movie_sources existed THEN the migration records every film as its own source row and imports keep their keys', async () => {
      db = await fresh('upgrade');
      const dir = scratchDir('old-migrations');
      const all = kind === 'sqlite' ? SQLITE_MIGRATIONS_DIR : MYSQL_MIGRATIONS_DIR;
      cpSync(join(all, 'migration_lock.toml'), join(dir, 'migration_lock.toml'));
      cpSync(join(all, '20261124090000_init'), join(dir, '20261124090000_init'), { recursive: true });
      await migrateDatabase(db.config, silentLogger, dir);
      const bulk = await openBulkConnection(db.config);
      const q = bulk.quote;
      await bulk.run(
        `INSERT INTO ${q('movies')} (${q('source')}, ${q('sourceId')}, ${q('title')}, ${q('year')}, ${q('genres')}) VALUES ('vega', 'fargo-1996', 'Fargo', 1996, 'Thriller'), ('movielens', '608', 'Fargo', 1996, 'Comedy|Crime|Drama|Thriller')`,
      );
      await bulk.close();

      await migrateDatabase(db.config, silentLogger);
      expect((await sources(db)).map((r) => [r['source'], r['sourceId'], r['matchedBy']])).toEqual([
        ['movielens', '608', 'source'],
        ['vega', 'fargo-1996', 'source'],
      ]);
      // Rows that were already apart stay apart (no film is taken from under its ratings), and re-imports update them in place.
      const written = await writeCatalog(db.config, [row('movielens', '608', 'Fargo', { year: 1996, genres: ['Comedy', 'Crime', 'Drama', 'Thriller'], imdbId: 'tt0116282' })]);
      expect(written).toMatchObject({ inserted: 0, updated: 1, merged: 0 });
      expect((await movies(db)).map((m) => `${String(m['source'])}:${String(m['sourceId'])}`)).toEqual(['vega:fargo-1996', 'movielens:608']);
    });

    it.skipIf(missingSharedData('ml-latest-small/movies.csv', 'ml-latest-small/links.csv', 'imdb_top_1000.csv'))(
      'GIVEN MovieLens and the IMDb CSV imported after the default catalog THEN a film is one row (2,482 title/year pairs were doubled), and re-imports change nothing',
      async () => {
        db = await fresh('three');
        await migrateDatabase(db.config, silentLogger);
        const files = { vega: undefined, movielens: sharedDataPath('ml-latest-small/movies.csv'), imdb: sharedDataPath('imdb_top_1000.csv') } as const;
        const printed: string[] = [];
        const outcomes = [];
        for (const source of ['vega', 'movielens', 'imdb'] as const) outcomes.push(await importCatalog(db.config, source, files[source], (line) => printed.push(line)));
        const [vega, movielens, imdb] = outcomes.map((outcome) => outcome.written);

        expect(movielens!.merged).toBeGreaterThan(2000);
        expect(imdb!.merged).toBeGreaterThan(700);
        expect(printed.join('\n')).toMatch(/\d+ movies added, 0 updated, \d+ merged into films already in the catalog \(\d+ by title \+ year/);
        const films = await movies(db);
        expect(films).toHaveLength(vega!.inserted + movielens!.inserted + imdb!.inserted);
        expect(await count(db, 'movie_sources')).toBe(2940 + 9742 + 1000);

        // What is left doubled is MovieLens's own pairs of different films (different IMDb ids), and
        // Gone with the Wind, whose running time and director differ between vega and the IMDb CSV.
        const byTitleYear = new Map<string, number>();
        for (const film of films) {
          const key = `${normalizeTitle(String(film['title']))}|${String(film['year'])}`;
          byTitleYear.set(key, (byTitleYear.get(key) ?? 0) + 1);
        }
        const doubled = [...byTitleYear].filter(([, n]) => n > 1).map(([key]) => key);
        expect(doubled.length).toBeLessThanOrEqual(10);

        // The films of the bug reports: one row each, with the vega key and a MovieLens IMDb id.
        for (const [title, year] of [['Rain Man', 1988], ['Festen', 1998], ['American Psycho', 2000], ['Sin City', 2005]] as const) {
          const rows = films.filter((film) => film['year'] === year && String(film['title']) === title);
          expect(rows, title).toHaveLength(1);
          expect(rows[0]!['source'], title).toBe('vega');
          expect(rows[0]!['imdbId'], title).toMatch(/^tt\d+$/);
        }
        const casino = films.filter((film) => film['title'] === 'Casino Royale').sort((a, b) => Number(a['year']) - Number(b['year']));
        expect(casino.map((film) => [film['year'], film['imdbRating'], film['imdbVotes']])).toEqual([
          [1967, null, null],
          [2006, 8, 172936],
        ]);

        // No duplicate among the happy candidates the bot sees, and none of the films of the bug reports.
        const database = await openDatabase(db.config);
        try {
          const happy = await createPrismaRepositories(database).catalog.moviesForMood('happy', 0.5);
          const seen = new Set(happy.map((movie) => `${normalizeTitle(movie.title)}|${movie.year}|${movie.imdbId ?? movie.key}`));
          expect(seen.size).toBe(happy.length);
          for (const title of ['Rain Man', 'Festen', 'American Psycho', 'Sin City']) expect(happy.map((movie) => movie.title)).not.toContain(title);
        } finally {
          await database.close();
        }

        const before = { movies: await count(db, 'movies'), sources: await count(db, 'movie_sources'), emotions: await count(db, 'movie_emotions') };
        for (const source of ['vega', 'movielens', 'imdb'] as const) {
          const again = await importCatalog(db.config, source, files[source], () => undefined);
          expect(again.written).toMatchObject({ inserted: 0, merged: 0 });
        }
        expect({ movies: await count(db, 'movies'), sources: await count(db, 'movie_sources'), emotions: await count(db, 'movie_emotions') }).toEqual(before);
      },
      60_000,
    );
  });
}
