/**
 * The inbox and outbox on real databases (SQLite always, MySQL with TEST_MYSQL_URL): an update is
 * applied once, a turn's writes commit with the update's completion and its replies or not at all,
 * and work left by a dead process is found and claimed by one other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { StorageUnavailableError } from '../../src/core/ports/repositories.ts';
import { StorageBreaker } from '../../src/delivery/breaker.ts';
import { RELEASED_OWNER } from '../../src/delivery/owner.ts';
import type { InboxEntry } from '../../src/delivery/ports.ts';
import { openDatabase, type Database } from '../../src/infra/db/client.ts';
import { PrismaDeliveryStore } from '../../src/infra/db/delivery-store.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../../src/infra/db/repositories/index.ts';
import { TransactionScope } from '../../src/infra/db/transaction-scope.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';

const entry = (updateKey: string, chatKey = '42'): InboxEntry => ({ platform: 'telegram', updateKey, chatKey, payload: JSON.stringify({ update_id: Number(updateKey) }) });
const reply = (text: string) => ({ chatKey: '42', payload: JSON.stringify({ text }), expiresAt: new Date(Date.now() + 60_000) });
const neverOpen = { check: () => undefined, trip: () => undefined };
/** A pid that does not run on this host (pids stay far below this). */
const DEAD_OWNER = (host: string) => `${host}:4194000`;

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`delivery store on ${kind}`, () => {
    let testDb: TestDatabase | undefined;
    let database: Database | undefined;

    afterEach(async () => {
      await database?.close();
      await testDb?.drop();
      database = undefined;
      testDb = undefined;
    });

    async function setUp(owner = 'host-a:1') {
      testDb = await fresh('delivery');
      await migrateDatabase(testDb.config, silentLogger);
      database = await openDatabase(testDb.config);
      const scope = new TransactionScope(database.prisma, database.kind);
      const repos = createPrismaRepositories(database, { transactions: scope });
      const store = new PrismaDeliveryStore(scope, neverOpen, { owner });
      const { userId } = await repos.users.findOrCreate({ platform: 'telegram', platformUserId: '42', displayName: 'Ana' });
      await database.prisma.movie.create({ data: { id: 7, source: 'test', sourceId: '7', title: 'Seven', genres: 'Drama' } });
      return { scope, repos, store, userId, prisma: database.prisma };
    }

    it('GIVEN an update recorded twice THEN the second is a duplicate; WHEN applied twice THEN the work runs once and its replies are stored', async () => {
      const { store, prisma } = await setUp();
      expect(await store.record(entry('1'))).toBe(true);
      expect(await store.record(entry('1'))).toBe(false);
      let runs = 0;
      const work = () => {
        runs++;
        return Promise.resolve({ value: 'turn', outbox: [reply('a'), reply('b')] });
      };
      const first = await store.apply({ platform: 'telegram', updateKey: '1' }, work);
      expect(first?.value).toBe('turn');
      expect(first?.outbox.map((m) => [m.turnKey, m.seq])).toEqual([['telegram:1', 0], ['telegram:1', 1]]);
      expect(await store.apply({ platform: 'telegram', updateKey: '1' }, work)).toBeNull();
      expect(runs).toBe(1);
      expect(await prisma.outboxMessage.count()).toBe(2);
      await store.sent(first!.outbox);
      expect(await prisma.outboxMessage.count()).toBe(0);
      expect((await prisma.inboxUpdate.findFirstOrThrow()).status).toBe('done');
    });

    it('GIVEN a turn that writes a rating and its view, then fails WHEN applied THEN nothing is kept and the update stays pending; applied again THEN both rows commit with it', async () => {
      const { store, repos, userId, prisma } = await setUp();
      await store.record(entry('2'));
      const turn = async (fail: boolean) => {
        await repos.ratings.rate(userId, 7, 5);
        await repos.interactions.recordView(userId, 7, 'happy', new Date());
        if (fail) throw new Error('half-way');
        return { value: null, outbox: [reply('rated')] };
      };
      await expect(store.apply({ platform: 'telegram', updateKey: '2' }, () => turn(true))).rejects.toThrow('half-way');
      expect(await prisma.rating.count()).toBe(0);
      expect(await prisma.interaction.count()).toBe(0);
      expect(await prisma.outboxMessage.count()).toBe(0);
      expect((await prisma.inboxUpdate.findFirstOrThrow()).status).toBe('pending');

      await store.apply({ platform: 'telegram', updateKey: '2' }, () => turn(false));
      expect(await prisma.rating.count()).toBe(1);
      expect(await prisma.interaction.count({ where: { kind: 'view' } })).toBe(1);
      expect(await prisma.outboxMessage.count()).toBe(1);
    });

    it('GIVEN the same update applied by two stores at once THEN exactly one applies it', async () => {
      const { scope, store, repos, userId, prisma } = await setUp('host-a:1');
      const other = new PrismaDeliveryStore(scope, neverOpen, { owner: 'host-b:1' });
      await store.record(entry('3'));
      let runs = 0;
      const work = async () => {
        runs++;
        await repos.ratings.rate(userId, 7, 4);
        return { value: null, outbox: [reply('x')] };
      };
      const results = await Promise.all([store.apply({ platform: 'telegram', updateKey: '3' }, work), other.apply({ platform: 'telegram', updateKey: '3' }, work)]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(runs).toBe(1);
      expect(await prisma.outboxMessage.count()).toBe(1);
    });

    it('GIVEN a dropped update THEN it is never applied', async () => {
      const { store } = await setUp();
      await store.record(entry('4'));
      await store.drop([{ platform: 'telegram', updateKey: '4' }]);
      expect(await store.apply({ platform: 'telegram', updateKey: '4' }, () => Promise.resolve({ value: 1, outbox: [] }))).toBeNull();
    });

    it('GIVEN work of a dead process, a released one and a live one THEN orphans returns the dead and released work (and stale live work), claimed once', async () => {
      const { scope, prisma } = await setUp();
      const host = (await import('node:os')).hostname();
      const me = new PrismaDeliveryStore(scope, neverOpen, { owner: `${host}:${process.pid}` });
      const dead = new PrismaDeliveryStore(scope, neverOpen, { owner: DEAD_OWNER(host) });
      const live = new PrismaDeliveryStore(scope, neverOpen, { owner: 'elsewhere:1' });
      await dead.record(entry('10'));
      await dead.record(entry('11'));
      await dead.apply({ platform: 'telegram', updateKey: '11' }, () => Promise.resolve({ value: null, outbox: [reply('left behind')] }));
      await live.record(entry('12'));
      await live.record(entry('13'));
      await live.apply({ platform: 'telegram', updateKey: '13' }, () => Promise.resolve({ value: null, outbox: [reply('live')] }));
      await live.release('telegram');

      const found = await me.orphans('telegram', 60_000);
      // 12 and 13's reply were released by their owner (a clean stop): taken at once.
      expect(found.updates.map((u) => u.updateKey).sort()).toEqual(['10', '12']);
      expect(found.messages.map((m) => m.turnKey).sort()).toEqual(['telegram:11', 'telegram:13']);
      expect(await prisma.outboxMessage.count({ where: { owner: `${host}:${process.pid}` } })).toBe(2);
      // Claimed: a second sweep finds nothing more.
      const again = await me.orphans('telegram', 60_000);
      expect(again.messages).toEqual([]);
      expect(await prisma.inboxUpdate.count({ where: { owner: RELEASED_OWNER } })).toBe(0);

      // A live process's fresh work is left alone until it is stale.
      const busy = new PrismaDeliveryStore(scope, neverOpen, { owner: 'elsewhere:2' });
      await busy.record(entry('14'));
      expect((await me.orphans('telegram', 60_000)).updates.map((u) => u.updateKey)).not.toContain('14');
      expect((await me.orphans('telegram', -1)).updates.map((u) => u.updateKey)).toContain('14');
    });

    it('GIVEN updates older than the retention, done or abandoned THEN prune removes them and keeps recent ones', async () => {
      const { scope, prisma } = await setUp();
      let now = Date.now() - 2 * 86_400_000;
      const store = new PrismaDeliveryStore(scope, neverOpen, { owner: 'host-a:1', now: () => now });
      await store.record(entry('20'));
      await store.record(entry('21'));
      await store.apply({ platform: 'telegram', updateKey: '20' }, () => Promise.resolve({ value: null, outbox: [] }));
      now = Date.now();
      await store.record(entry('22'));
      await store.record(entry('23'));
      await store.apply({ platform: 'telegram', updateKey: '23' }, () => Promise.resolve({ value: null, outbox: [] }));
      expect(await store.prune(86_400_000)).toBe(2);
      expect((await prisma.inboxUpdate.findMany({ orderBy: { updateKey: 'asc' } })).map((u) => u.updateKey)).toEqual(['22', '23']);
    });

    it('GIVEN a batch with a key twice and a key recorded before THEN only the first new one counts as new', async () => {
      const { store } = await setUp();
      await store.record(entry('40'));
      const results = await Promise.all([store.record(entry('41')), store.record(entry('41')), store.record(entry('40')), store.record(entry('42'))]);
      expect(results).toEqual([true, false, false, true]);
    });

    it('GIVEN the breaker is open THEN every call fails at once with StorageUnavailableError', async () => {
      const { scope } = await setUp();
      const breaker = new StorageBreaker(() => Promise.reject(new Error('down')), { log: silentLogger, probeIntervalMs: 60_000 });
      breaker.trip(new Error('test'));
      const store = new PrismaDeliveryStore(scope, breaker, { owner: 'host-a:1' });
      await expect(store.record(entry('30'))).rejects.toBeInstanceOf(StorageUnavailableError);
      breaker.stop();
    });
  });
}
