/**
 * RELIABILITY.md cases 8 and 9: when MySQL is down, or the pool has no connection to give, every
 * repository fails fast with StorageUnavailableError (the original error as `cause`), never hangs,
 * and never hides other errors. The closed-port case needs no server; the pool and killed-connection
 * cases need TEST_MYSQL_URL.
 */
import { createServer } from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { StorageUnavailableError } from '../../src/core/ports/repositories.ts';
import { openDatabase, type Database } from '../../src/infra/db/client.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { createPrismaRepositories, isStorageUnavailable, withStorage } from '../../src/infra/db/repositories/index.ts';
import { freshMysql, hasMysql, TEST_MYSQL_URL, type TestDatabase } from '../helpers/databases.ts';

/** A loopback port nothing listens on: bound by us a moment ago, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Shapes copied from what Prisma 7.10 with @prisma/adapter-mariadb really threw in these cases. */
function prismaError(code: string, adapterCause?: Record<string, unknown>): Error {
  return Object.assign(new Error(`prisma ${code}`), {
    name: 'PrismaClientKnownRequestError',
    code,
    meta: adapterCause ? { driverAdapterError: { name: 'DriverAdapterError', cause: adapterCause } } : {},
  });
}

describe('isStorageUnavailable', () => {
  it.each([
    ['MySQL down: pool timeout after ECONNREFUSED (P2039, 45028)', prismaError('P2039', { kind: 'mysql', code: 45028, state: 'HY000', cause: 'connect ECONNREFUSED 127.0.0.1:3399' }), true],
    ['pool exhausted (45028, no socket error)', prismaError('P2039', { kind: 'mysql', code: 45028, state: 'HY000' }), true],
    ['connection killed mid-query (P2010, 45009)', prismaError('P2010', { kind: 'mysql', code: 45009, state: '08S01' }), true],
    ['too many connections (P2037)', prismaError('P2037', { kind: 'TooManyConnections', cause: 'Too many connections' }), true],
    ["can't reach the server (P1001)", prismaError('P1001'), true],
    ['SQLite busy past its timeout (SocketTimeout)', prismaError('P1008', { kind: 'SocketTimeout' }), true],
    ['client could not initialise', Object.assign(new Error('init'), { name: 'PrismaClientInitializationError' }), true],
    ['a socket error deep in the cause chain', new Error('outer', { cause: new Error('inner', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }) }), true],
    ['a unique violation (P2002)', prismaError('P2002', { kind: 'UniqueConstraintViolation' }), false],
    ['a foreign key violation (P2003)', prismaError('P2003', { kind: 'ForeignKeyConstraintViolation' }), false],
    ['a query killed, connection alive (1317)', prismaError('P2010', { kind: 'mysql', code: 1317, state: '70100' }), false],
    ['a bug', new TypeError('undefined is not a function'), false],
    ['a string', 'nope', false],
  ])('GIVEN %s THEN %s', (_label, error, expected) => {
    expect(isStorageUnavailable(error)).toBe(expected);
  });

  it('GIVEN other errors WHEN withStorage THEN they pass through as they are; unavailability is wrapped once, with its cause', async () => {
    const bug = new TypeError('bug');
    await expect(withStorage(() => Promise.reject(bug))).rejects.toBe(bug);
    const down = prismaError('P1001');
    const wrapped = (await withStorage(() => Promise.reject(down)).catch((e: unknown) => e)) as Error;
    expect(wrapped).toBeInstanceOf(StorageUnavailableError);
    expect(wrapped.cause).toBe(down);
    await expect(withStorage(() => Promise.reject(wrapped))).rejects.toBe(wrapped);
  });
});

describe('GIVEN MySQL is not running (closed port)', () => {
  let db: Database;
  beforeAll(async () => {
    const port = await closedPort();
    db = await openDatabase({ kind: 'mysql', url: `mysql://root@127.0.0.1:${port}/feelms?connectTimeoutMs=500` }, { acquireTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('WHEN every repository is used THEN each fails with StorageUnavailableError within a few seconds, cause attached', async () => {
    const r = createPrismaRepositories(db);
    const started = Date.now();
    const calls: Array<[string, Promise<unknown>]> = [
      ['users.findOrCreate', r.users.findOrCreate({ platform: 'console', platformUserId: '1', displayName: 'Ana' })],
      ['users.forget', r.users.forget(1)],
      ['ratings.rate', r.ratings.rate(1, 1, 5)],
      ['ratings.ratingsOf', r.ratings.ratingsOf(1)],
      ['favorites.add', r.favorites.add(1, 1)],
      ['favorites.remove', r.favorites.remove(1, 1)],
      ['favorites.favoritesOf', r.favorites.favoritesOf(1)],
      ['dismissals.dismiss', r.dismissals.dismiss(1, 1)],
      ['dismissals.dismissedBy', r.dismissals.dismissedBy(1)],
      ['interactions.recordShown', r.interactions.recordShown(1, [1], 'happy', new Date())],
      ['interactions.recordView', r.interactions.recordView(1, 1, null, new Date())],
      ['interactions.shownSince', r.interactions.shownSince(1, new Date(0))],
      ['interactions.counts', r.interactions.counts(1)],
      ['catalog.count', r.catalog.count()],
      ['states.load', r.states.load(1)],
      ['states.save', r.states.save(1, { step: 'idle' })],
    ];
    // Settle all at once: they run in parallel, and an unawaited rejection would be reported as unhandled.
    const errors = await Promise.all(calls.map(([name, call]) => call.then(() => new Error(`${name} resolved`), (e: unknown) => e)));
    for (const [i, [name]] of calls.entries()) {
      const error = errors[i];
      expect(error, name).toBeInstanceOf(StorageUnavailableError);
      expect((error as StorageUnavailableError).code).toBe('STORAGE_UNAVAILABLE');
      expect((error as Error).cause, name).toBeDefined();
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe.skipIf(!hasMysql)('GIVEN a running MySQL', () => {
  let testDb: TestDatabase;
  let dbName: string;
  let admin: mysql.Connection;

  beforeAll(async () => {
    testDb = await freshMysql('unavailable');
    await migrateDatabase(testDb.config, silentLogger);
    dbName = decodeURIComponent(new URL(testDb.config.url).pathname.slice(1));
    admin = await mysql.createConnection({ uri: TEST_MYSQL_URL });
  });
  afterAll(async () => {
    await admin?.end();
    await testDb?.drop();
  });

  async function connectionsTo(database: string, where = ''): Promise<number[]> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? ${where}`, [database]);
    return rows.map((row) => Number(row['ID']));
  }

  it('WHEN a burst exhausts the pool THEN the excess fails fast with StorageUnavailableError, and the pool serves again after', async () => {
    const db = await openDatabase(testDb.config, { poolSize: 2, acquireTimeoutMs: 300 });
    try {
      const r = createPrismaRepositories(db);
      // Two transactions hold both pooled connections for a second.
      const holds = [1, 2].map(() => db.prisma.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT SLEEP(1)'), { timeout: 5_000 }));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const started = Date.now();
      const excess = await Promise.allSettled([r.favorites.favoritesOf(1), r.ratings.ratingsOf(1), r.dismissals.dismissedBy(1)]);
      expect(Date.now() - started).toBeLessThan(2_000);
      for (const result of excess) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError);
      }
      await Promise.all(holds);
      expect(await r.favorites.favoritesOf(1)).toEqual([]);
      expect((await connectionsTo(dbName)).length).toBeLessThanOrEqual(2);
    } finally {
      await db.close();
    }
  });

  it('WHEN the server kills the connection mid-query THEN StorageUnavailableError, and the next call works', async () => {
    const db = await openDatabase(testDb.config, { poolSize: 2, acquireTimeoutMs: 1_000 });
    try {
      const r = createPrismaRepositories(db);
      const slow = withStorage(() => db.prisma.$queryRawUnsafe('SELECT SLEEP(5)')).then(() => null, (e: unknown) => e);
      let victims: number[] = [];
      for (let i = 0; i < 50 && victims.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        victims = await connectionsTo(dbName, "AND INFO LIKE 'SELECT SLEEP%'");
      }
      for (const id of victims) await admin.query(`KILL ${id}`);
      expect(await slow).toBeInstanceOf(StorageUnavailableError);
      expect(await r.interactions.counts(1)).toEqual({ views: 0, shown: 0 });
    } finally {
      await db.close();
    }
  });
});
