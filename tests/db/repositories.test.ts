/**
 * Runs the repository contract (tests/contracts/repositories.contract.ts) against every
 * implementation: the in-memory fakes (with and without random latency), Prisma on a fresh migrated
 * SQLite file, and Prisma on a fresh MySQL database when TEST_MYSQL_URL is set. Then the parts only
 * the Prisma catalog has: its in-memory cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Movie } from '../../src/core/domain/movie.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { StorageUnavailableError } from '../../src/core/ports/repositories.ts';
import { openDatabase, type Database, type PrismaDb } from '../../src/infra/db/client.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { createPrismaRepositories, PrismaCatalogRepository } from '../../src/infra/db/repositories/index.ts';
import { parseIdList } from '../../src/infra/db/repositories/prisma-user-history-repository.ts';
import { repositoryContract, type RepositoryHarness } from '../contracts/repositories.contract.ts';
import { createInMemoryRepositories, USER_TABLES, type RowCounts, type UserTable } from '../fakes/in-memory-repositories.ts';
import { aMovie } from '../fakes/movies.ts';
import { databaseKinds, freshSqlite, type TestDatabase } from '../helpers/databases.ts';

/** Writes core movies as catalog rows with the same ids, as an import would. */
async function seedCatalog(prisma: PrismaDb, movies: readonly Movie[]): Promise<void> {
  if (movies.length === 0) return;
  await prisma.movie.createMany({
    data: movies.map((movie) => {
      const colon = movie.key.indexOf(':');
      return {
        id: movie.id,
        source: movie.key.slice(0, colon),
        sourceId: movie.key.slice(colon + 1),
        title: movie.title,
        year: movie.year,
        runtimeMinutes: movie.runtimeMinutes,
        genres: movie.genres.join('|'),
        certificate: movie.certificate,
        imdbRating: movie.imdbRating,
        imdbVotes: movie.imdbVotes,
        criticScore: movie.criticScore,
        director: movie.director,
        cast: movie.cast.length > 0 ? movie.cast.join('|') : null,
        posterUrl: movie.posterUrl,
        overview: movie.overview,
        imdbId: movie.imdbId,
      };
    }),
  });
  const weights = movies.flatMap((movie) => Object.entries(movie.emotions).map(([emotion, weight]) => ({ movieId: movie.id, emotion, weight: weight ?? 0 })));
  if (weights.length > 0) await prisma.movieEmotion.createMany({ data: weights });
}

/** Counts with raw SQL, around the repositories. Backticks quote identifiers in MySQL and in SQLite. */
async function countRows(prisma: PrismaDb, table: UserTable, column: string, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>(
    `SELECT COUNT(*) AS n FROM \`${table}\` WHERE \`${column}\` IN (${ids.map(() => '?').join(', ')})`,
    ...ids,
  );
  return Number(rows[0]?.n ?? 0);
}

async function prismaHarness(testDb: TestDatabase, catalog: readonly Movie[]): Promise<RepositoryHarness & { db: Database }> {
  await migrateDatabase(testDb.config, silentLogger);
  const db = await openDatabase(testDb.config);
  await seedCatalog(db.prisma, catalog);
  const prisma = db.prisma;
  return {
    db,
    repos: createPrismaRepositories(db),
    rowsFor: async (userId, accountIds) => {
      const counts: Partial<RowCounts> = {
        users: await countRows(prisma, 'users', 'id', [userId]),
        platform_accounts: await countRows(prisma, 'platform_accounts', 'userId', [userId]),
        conversation_states: await countRows(prisma, 'conversation_states', 'accountId', accountIds),
      };
      for (const table of ['interactions', 'favorites', 'ratings', 'dismissals'] as const) counts[table] = await countRows(prisma, table, 'userId', [userId]);
      return counts as RowCounts;
    },
    totalRows: async (table) => {
      const rows = await prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>(`SELECT COUNT(*) AS n FROM \`${table}\``);
      return Number(rows[0]?.n ?? 0);
    },
    displayNameOf: async (accountId) => {
      const rows = await prisma.$queryRawUnsafe<Array<{ displayName: string }>>('SELECT `displayName` FROM `platform_accounts` WHERE `id` = ?', accountId);
      return rows[0]?.displayName;
    },
    cleanup: async () => {
      await db.close();
      await testDb.drop();
    },
  };
}

function inMemoryHarness(latencyMs: number) {
  return (catalog: readonly Movie[]): Promise<RepositoryHarness> => {
    const repos = createInMemoryRepositories([...catalog], { latencyMs });
    return Promise.resolve({
      repos,
      rowsFor: (userId) => Promise.resolve(repos.rowsFor(userId)),
      totalRows: (table) => Promise.resolve(repos.totalRows(table)),
      displayNameOf: (accountId) => Promise.resolve(repos.displayNameOf(accountId)),
      cleanup: () => Promise.resolve(),
    });
  };
}

repositoryContract('in-memory fakes', inMemoryHarness(0));
repositoryContract('in-memory fakes with random latency', inMemoryHarness(3));
for (const { kind, fresh, skip } of databaseKinds) {
  if (skip) {
    describe.skip(`Prisma on ${kind} satisfies the repository contract (set TEST_MYSQL_URL to run)`, () => {
      it('is skipped', () => undefined);
    });
    continue;
  }
  repositoryContract(`Prisma on ${kind}`, async (catalog) => prismaHarness(await fresh('repos'), catalog));
}

describe('in-memory fakes, offline', () => {
  it('GIVEN goOffline WHEN any repository is used THEN StorageUnavailableError, and goOnline recovers', async () => {
    const repos = createInMemoryRepositories([aMovie()]);
    repos.goOffline();
    await expect(repos.users.findOrCreate({ platform: 'console', platformUserId: 'x', displayName: 'X' })).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(repos.catalog.count()).rejects.toBeInstanceOf(StorageUnavailableError);
    repos.goOnline();
    expect(await repos.catalog.count()).toBe(1);
    expect(USER_TABLES).toHaveLength(7);
  });
});

describe('PrismaCatalogRepository cache (SQLite)', () => {
  let h: RepositoryHarness & { db: Database };
  const movies = [aMovie({ id: 1, emotions: { happy: 0.9 } }), aMovie({ id: 2, emotions: { sad: 0.7 } })];

  beforeAll(async () => {
    h = await prismaHarness(freshSqlite(), movies);
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('GIVEN concurrent first calls THEN they share one load (the very same movie objects)', async () => {
    const catalog = new PrismaCatalogRepository(h.db.prisma);
    const [a, b, c] = await Promise.all([catalog.moviesByIds([1]), catalog.moviesByIds([1]), catalog.moviesForMood('happy', 0)]);
    expect(a[0]).toBe(b[0]);
    expect(c[0]).toBe(a[0]);
    await catalog.refresh();
    const [after] = await catalog.moviesByIds([1]);
    expect(after).not.toBe(a[0]);
    expect(after).toEqual(a[0]);
  });

  it('GIVEN a loaded catalog WHEN a movie is imported THEN it shows only after refresh()', async () => {
    const catalog = new PrismaCatalogRepository(h.db.prisma);
    expect(await catalog.count()).toBe(2);
    await seedCatalog(h.db.prisma, [aMovie({ id: 3, emotions: { happy: 0.95 } })]);
    expect(await catalog.count()).toBe(2);
    const allBefore = await catalog.allMovies();
    await catalog.refresh();
    expect(await catalog.count()).toBe(3);
    expect((await catalog.moviesForMood('happy', 0.5)).map((m) => m.id)).toEqual([3, 1]);
    const allAfter = await catalog.allMovies();
    expect(allAfter).not.toBe(allBefore);
    expect(allAfter.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(await catalog.allMovies()).toBe(allAfter);
  });

  it('GIVEN maxAgeMs WHEN the catalog gets older than that THEN the next call starts a reload in the background, and later calls see it', async () => {
    let now = 1_000;
    const catalog = new PrismaCatalogRepository(h.db.prisma, { maxAgeMs: 60_000, now: () => now });
    const before = await catalog.count();
    await seedCatalog(h.db.prisma, [aMovie({ id: 4 })]);
    now += 59_999;
    expect(await catalog.count()).toBe(before);
    now += 1;
    // Served from the cache at once: a turn never waits for a reload.
    expect(await catalog.count()).toBe(before);
    await expect.poll(() => catalog.count()).toBe(before + 1);
  });

  it('GIVEN a stale catalog WHEN the database is unreachable THEN the old catalog keeps serving; other errors propagate', async () => {
    let now = 0;
    let failure: Error | null = null;
    const real = h.db.prisma;
    // Delegates to the real client until told to fail like an unreachable MySQL server.
    const flaky = {
      movie: real.movie,
      movieEmotion: real.movieEmotion,
      $transaction: (queries: Parameters<PrismaDb['$transaction']>[0]) => (failure ? Promise.reject(failure) : real.$transaction(queries)),
    } as unknown as PrismaDb;
    const catalog = new PrismaCatalogRepository(flaky, { maxAgeMs: 1_000, now: () => now });
    const count = await catalog.count();

    failure = Object.assign(new Error("Can't reach database server"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });
    now += 5_000;
    expect(await catalog.count()).toBe(count);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await catalog.count()).toBe(count);

    failure = new TypeError('a bug, not an outage');
    now += 5_000;
    expect(await catalog.count()).toBe(count);
    // The failed background reload is thrown by the next call.
    await expect.poll(() => catalog.count().then(() => 'served', (error: unknown) => (error instanceof TypeError ? 'thrown' : 'other'))).toBe('thrown');

    failure = null;
    now += 5_000;
    expect(await catalog.count()).toBe(count);
  });

  it('GIVEN a first load WHEN the database is unreachable THEN StorageUnavailableError with the original as cause', async () => {
    const unreachable = Object.assign(new Error("Can't reach database server"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });
    const down = { $transaction: () => Promise.reject(unreachable), movie: h.db.prisma.movie, movieEmotion: h.db.prisma.movieEmotion } as unknown as PrismaDb;
    const error = await new PrismaCatalogRepository(down).count().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).cause).toBe(unreachable);
  });
});

describe('parseIdList (the recently shown movies as one GROUP_CONCAT list)', () => {
  it('GIVEN a full list THEN every id, in order', () => {
    expect(parseIdList('12,345,6', 3)).toEqual([12, 345, 6]);
    expect(parseIdList(new TextEncoder().encode('7,8'), 2)).toEqual([7, 8]);
  });
  it('GIVEN no shown movies THEN an empty list, whatever the list column holds', () => {
    expect(parseIdList(null, 0)).toEqual([]);
  });
  it('GIVEN a list the database cut short THEN null, so the caller reads the rows', () => {
    expect(parseIdList('12,34', 3)).toBeNull(); // cut between ids
    expect(parseIdList('12,345,6', 4)).toBeNull(); // cut after a separator would leave fewer ids too
    expect(parseIdList('12,', 2)).toBeNull(); // cut right after a separator
    expect(parseIdList(null, 2)).toBeNull();
  });
});

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`user history on ${kind}: a long list of recently shown movies`, () => {
    const SHOWN = 400; // over MySQL's default GROUP_CONCAT limit of 1,024 bytes (~170 four-digit ids)
    let testDb: TestDatabase;
    let db: Database;
    let userId: number;
    const since = new Date('2026-03-01T00:00:00.000Z');

    beforeAll(async () => {
      testDb = await fresh('history');
      await migrateDatabase(testDb.config, silentLogger);
      // One connection, so a session setting made below holds for the repository's queries.
      db = await openDatabase(testDb.config, { poolSize: 1 });
      const movies = Array.from({ length: SHOWN }, (_, i) => aMovie({ id: 1000 + i, emotions: { happy: 0.9 } }));
      await seedCatalog(db.prisma, movies);
      const repos = createPrismaRepositories(db);
      ({ userId } = await repos.users.findOrCreate({ platform: 'console', platformUserId: 'history', displayName: 'History' }));
      const ids = movies.map((movie) => movie.id);
      await repos.interactions.recordShown(userId, ids, 'happy', new Date('2026-03-02T00:00:00.000Z'));
      await repos.interactions.recordShown(userId, ids.slice(0, 50), 'happy', new Date('2026-03-03T00:00:00.000Z'));
    });
    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it('GIVEN 400 movies shown, 50 of them twice THEN historyOf returns each of the 400 once', async () => {
      const history = await createPrismaRepositories(db).histories.historyOf(userId, since);
      expect(history.recentlyShown.size).toBe(SHOWN);
      expect([...history.recentlyShown].sort((a, b) => a - b)).toEqual(Array.from({ length: SHOWN }, (_, i) => 1000 + i));
      expect(history.shown).toBe(SHOWN + 50);
    });

    it.skipIf(kind !== 'mysql')('GIVEN openDatabase THEN MySQL sessions allow 4 MB GROUP_CONCAT lists (MySQL: 1 KB, MariaDB: 1 MB by default)', async () => {
      const rows = await db.prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>('SELECT @@SESSION.group_concat_max_len AS n');
      expect(Number(rows[0]!.n)).toBe(4_194_304);
    });

    it.skipIf(kind !== 'mysql')('GIVEN MySQL cuts the list at 16 bytes THEN historyOf re-reads it and still returns all 400', async () => {
      await db.prisma.$executeRawUnsafe('SET SESSION group_concat_max_len = 16');
      try {
        const history = await createPrismaRepositories(db).histories.historyOf(userId, since);
        expect(history.recentlyShown.size).toBe(SHOWN);
      } finally {
        await db.prisma.$executeRawUnsafe('SET SESSION group_concat_max_len = 4194304');
      }
    });
  });
}
