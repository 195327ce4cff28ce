/**
 * Durable delivery on Discord end to end (README.md, Delivery): the real bot against the fake
 * Discord, wired as main.ts wires it: turns in one transaction (TransactionScope), the inbox and
 * outbox in the same database (PrismaDeliveryStore), the breaker. On SQLite, and on MySQL with
 * TEST_MYSQL_URL.
 *
 * - An interaction has one effect and one answer, even when two processes get it.
 * - What a crashed process left is finished by the next one while the interaction's token lives
 *   (15 minutes), and dropped after.
 * - A turn that fails leaves no writes; an outage is answered "temporarily unavailable" at once.
 * - Stopping parks unsent answers in the outbox, and the next process sends them.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { planReplies, toOutboxEntries, type PendingInteraction } from '../../../src/bots/discord/reply-plan.ts';
import type { ChannelUser } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { StorageUnavailableError, type Repositories } from '../../../src/core/ports/repositories.ts';
import { MemoryDeliveryStore } from '../../../src/delivery/memory-store.ts';
import type { AppliedWork, InboxEntry, OutboxMessage, UpdateKey } from '../../../src/delivery/ports.ts';
import { PrismaDeliveryStore } from '../../../src/infra/db/delivery-store.ts';
import { EPHEMERAL, fakeUser, type ApiMessage, type ApiUser, type InteractionRecord } from '../../fakes/discord/fake-discord.ts';
import { databaseKinds, freshSqlite, type TestDatabase } from '../../helpers/databases.ts';
import { settle, startHarness, startReplica, type Harness, type HarnessOptions, type Replica } from './support.ts';

const user = (n: number, name: string) => fakeUser(`12000000000000001${String(n).padStart(2, '0')}`, name);
const asCore = (u: ApiUser): ChannelUser => ({ platform: 'discord', platformUserId: u.id, displayName: u.global_name ?? u.username });
const isEphemeral = (m: ApiMessage) => (m.flags & EPHEMERAL) !== 0;
const cards = (h: Harness, record: InteractionRecord) => h.fake.messagesOf(record).filter((m) => m.embeds.length === 1);
const movieIdOf = (customId: string) => Number(customId.split('|')[2]);
/** A process on this host that does not run (pids stay far below this): its work is taken over at once. */
const DEAD_OWNER = `${hostname()}:4194000`;
const neverOpen = { check: () => undefined, trip: () => undefined };

function button(message: ApiMessage, label: string): string {
  const found = message.components.flatMap((row) => row.components).find((b) => b.label === label);
  if (!found?.custom_id) throw new Error(`no button "${label}" on message ${message.id}`);
  return found.custom_id;
}

async function count(h: Harness, table: 'ratings' | 'users' | 'interactions' | 'outbox_messages'): Promise<number> {
  const rows = await h.db.prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>(`SELECT COUNT(*) AS n FROM \`${table}\``);
  return Number(rows[0]?.n ?? 0);
}

async function inboxStatus(h: Harness, interactionId: string): Promise<string | null> {
  const row = await h.db.prisma.inboxUpdate.findFirst({ where: { platform: 'discord', updateKey: interactionId } });
  return row?.status ?? null;
}

async function ratingsOf(h: Harness, u: ApiUser): Promise<Array<{ movieId: number; stars: number }>> {
  const account = await h.repos.users.find(asCore(u));
  if (!account) return [];
  return (await h.repos.ratings.ratingsOf(account.userId)).map((r) => ({ movieId: r.movieId, stars: r.stars }));
}

/** Polls an async condition (the outbox is cleared in batches, a little after sending). */
async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What the bot records for a press, as a crashed process would have left it. */
function pendingPress(h: Harness, record: InteractionRecord, customId: string, u: ApiUser): PendingInteraction {
  return {
    v: 1,
    interactionId: record.id,
    applicationId: h.fake.appId,
    token: record.token,
    createdTimestamp: record.dispatchedAt,
    inbound: { kind: 'choice', payload: customId, user: asCore(u) },
    mode: 'update',
    ephemeralReply: false,
    press: { ownMessage: true, ephemeralMessage: false },
  };
}

function pendingCommand(h: Harness, record: InteractionRecord, u: ApiUser): PendingInteraction {
  return {
    v: 1,
    interactionId: record.id,
    applicationId: h.fake.appId,
    token: record.token,
    createdTimestamp: record.dispatchedAt,
    inbound: { kind: 'command', name: 'feel', args: 'happy', user: asCore(u) },
    mode: 'reply',
    ephemeralReply: false,
  };
}

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`Discord durable delivery on ${kind}`, () => {
    let testDb: TestDatabase | undefined;
    let h: Harness | undefined;
    let replica: Replica | undefined;

    afterEach(async () => {
      await replica?.close();
      await h?.close();
      await testDb?.drop();
      replica = undefined;
      h = undefined;
      testDb = undefined;
    });

    async function start(options: HarnessOptions = {}): Promise<Harness> {
      testDb = await fresh('discord_delivery');
      h = await startHarness(testDb, { ...options, durable: { ...options.durable } });
      return h;
    }

    /** A /feel by `u`, answered: its cards. */
    async function feel(harness: Harness, u: ApiUser): Promise<{ record: InteractionRecord; cards: ApiMessage[] }> {
      const record = harness.fake.feel('happy', { user: u });
      await settle(harness);
      expect(record.errors).toEqual([]);
      return { record, cards: cards(harness, record) };
    }

    it('GIVEN /feel and a ★ press THEN both are answered through the outbox, each interaction completes in the inbox, and the outbox ends empty', async () => {
      const harness = await start();
      const ana = user(1, 'Ana');
      const list = await feel(harness, ana);
      expect(harness.fake.messagesOf(list.record)).toHaveLength(6);
      const customId = button(list.cards[0]!, '★5');
      const press = harness.fake.click(list.cards[0]!, customId, { user: ana });
      await settle(harness);

      expect(press.errors).toEqual([]);
      expect(press.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.rated(5), true]]);
      expect(await ratingsOf(harness, ana)).toEqual([{ movieId: movieIdOf(customId), stars: 5 }]);
      expect(await inboxStatus(harness, list.record.id)).toBe('done');
      expect(await inboxStatus(harness, press.id)).toBe('done');
      await eventually(async () => (await count(harness, 'outbox_messages')) === 0, 'the outbox to empty');
    });

    it('GIVEN the same press delivered to two bot processes on one Discord THEN one acknowledgement, one rating row, one toast, and no failure logged', async () => {
      const harness = await start();
      const ana = user(2, 'Ana');
      const list = await feel(harness, ana);
      replica = await startReplica(harness, { owner: 'host-b:1' });
      const ratings = await count(harness, 'ratings');
      const press = harness.fake.click(list.cards[1]!, button(list.cards[1]!, '★4'), { user: ana });
      const other = replica;
      await harness.fake.waitFor(() => harness.bot.received >= 1 + 1 && other.bot.received >= 1, 10_000, 'both processes got the press');
      await settle(harness);
      await other.bot.idle();

      expect(press.callbacks.filter((c) => c.code === null)).toHaveLength(1);
      expect(await count(harness, 'ratings')).toBe(ratings + 1);
      expect(press.followUps.map((m) => m.content)).toEqual([copy.rated(4)]);
      expect([...harness.log.find('discord interaction failed'), ...other.log.find('discord interaction failed')]).toEqual([]);
      expect([...harness.log.find(/duplicate interaction/), ...other.log.find(/duplicate interaction/)]).toHaveLength(1);
    });

    it('GIVEN the same press acknowledged by two processes (two gateways) THEN the inbox lets one apply it: one rating row, one view, one toast', async () => {
      const harness = await start();
      const ana = user(3, 'Ana');
      const list = await feel(harness, ana);
      replica = await startReplica(harness, { owner: 'host-b:1', ownFake: true });
      const before = { ratings: await count(harness, 'ratings'), views: await count(harness, 'interactions') };
      const payload = harness.fake.clickPayload(list.cards[2]!, button(list.cards[2]!, '★3'), { user: ana });
      const here = harness.fake.dispatchInteraction(payload);
      const there = replica.fake.dispatchInteraction(structuredClone(payload));
      await settle(harness);
      await settle(replica);

      expect(here.ack).not.toBeNull();
      expect(there.ack).not.toBeNull();
      expect(await count(harness, 'ratings')).toBe(before.ratings + 1);
      expect(await count(harness, 'interactions')).toBe(before.views + 1);
      expect([...here.followUps, ...there.followUps].map((m) => m.content)).toEqual([copy.rated(3)]);
      expect([...harness.log.find(/already recorded/), ...replica.log.find(/already recorded/)]).toHaveLength(1);
      expect(await inboxStatus(harness, here.id)).toBe('done');
    });

    it('GIVEN answers a crashed process left in the outbox THEN a starting process sends the one whose token lives, and drops the expired one unsent', async () => {
      const harness = await start({ durable: { sweepIntervalMs: 60 * 60_000 } });
      const ana = user(4, 'Ana');
      const crashed = new PrismaDeliveryStore(harness.durable!.scope, neverOpen, { owner: DEAD_OWNER });
      const leave = async (record: InteractionRecord, text: string) => {
        const pending = pendingCommand(harness, record, ana);
        await crashed.record({ platform: 'discord', updateKey: record.id, chatKey: harness.fake.channelId, payload: JSON.stringify(pending) });
        const outbox = toOutboxEntries(pending, harness.fake.channelId, planReplies(pending, { messages: [{ text, choices: [[{ label: 'More', payload: 'f1|n|happy' }]] }, { text: `${text}, part 2`, choices: [[{ label: 'Help', payload: 'f1|n|relaxed' }]] }] }));
        await crashed.apply({ platform: 'discord', updateKey: record.id }, () => Promise.resolve({ value: null, outbox }));
      };
      const alive = harness.fake.acknowledgedEarlier(harness.fake.slashPayload('feel', [{ name: 'mood', type: 3, value: 'happy' }], { user: ana }), 60_000);
      const expired = harness.fake.acknowledgedEarlier(harness.fake.slashPayload('feel', [{ name: 'mood', type: 3, value: 'happy' }], { user: ana }), 16 * 60_000);
      await leave(alive, 'Answer from before the crash');
      await leave(expired, 'Answer nobody will see');
      expect(await count(harness, 'outbox_messages')).toBe(4);

      replica = await startReplica(harness, { owner: 'host-b:1' });
      await harness.fake.waitFor(() => alive.followUps.length === 1, 10_000, 'the surviving answer');
      await replica.bot.idle();

      expect(harness.fake.messagesOf(alive).map((m) => m.content)).toEqual(['Answer from before the crash', 'Answer from before the crash, part 2']);
      expect(alive.errors).toEqual([]);
      expect(harness.fake.requests.filter((r) => r.path.includes(expired.token))).toEqual([]);
      await eventually(async () => (await count(harness, 'outbox_messages')) === 0, 'the outbox to empty');
      for (const token of harness.fake.interactionTokens) expect(replica.log.text()).not.toContain(token);
    });

    it('GIVEN interactions a crashed process recorded but never applied THEN a starting process applies and answers the one whose token lives, and drops the expired one without effect', async () => {
      const harness = await start({ durable: { sweepIntervalMs: 60 * 60_000 } });
      const ana = user(5, 'Ana');
      const list = await feel(harness, ana);
      const crashed = new PrismaDeliveryStore(harness.durable!.scope, neverOpen, { owner: DEAD_OWNER });
      const leave = async (card: ApiMessage, label: string, ageMs: number) => {
        const customId = button(card, label);
        const record = harness.fake.acknowledgedEarlier(harness.fake.clickPayload(card, customId, { user: ana }), ageMs);
        const pending = pendingPress(harness, record, customId, ana);
        await crashed.record({ platform: 'discord', updateKey: record.id, chatKey: harness.fake.channelId, payload: JSON.stringify(pending) });
        return { record, movieId: movieIdOf(customId) };
      };
      const alive = await leave(list.cards[0]!, '★4', 30_000);
      const expired = await leave(list.cards[1]!, '★2', 15 * 60_000);

      replica = await startReplica(harness, { owner: 'host-b:1' });
      await harness.fake.waitFor(() => alive.record.followUps.length === 1, 10_000, 'the recovered press answered');
      await replica.bot.idle();

      expect(await ratingsOf(harness, ana)).toEqual([{ movieId: alive.movieId, stars: 4 }]);
      expect(alive.record.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.rated(4), true]]);
      // Her own card: its buttons now show ★4.
      expect(alive.record.edits).toHaveLength(1);
      expect(await inboxStatus(harness, alive.record.id)).toBe('done');
      expect(await inboxStatus(harness, expired.record.id)).toBe('dropped');
      expect(harness.fake.requests.filter((r) => r.path.includes(expired.record.token))).toEqual([]);
    });

    it('GIVEN a ★ press whose turn writes the rating and then fails THEN nothing of it is kept, the interaction completes with the apology, and the user sees its reference', async () => {
      let failViews = false;
      const harness = await start({
        repos: (repos): Repositories => ({
          ...repos,
          interactions: new Proxy(repos.interactions, {
            get(target, property, receiver) {
              const value = Reflect.get(target, property, receiver) as unknown;
              if (typeof value !== 'function') return value;
              return (...args: unknown[]) => {
                if (failViews && (property === 'recordView' || property === 'recordShown')) return Promise.reject(new Error('injected failure after a write'));
                return (value as (...a: unknown[]) => unknown).apply(target, args);
              };
            },
          }),
        }),
      });
      const ana = user(6, 'Ana');
      const list = await feel(harness, ana);
      const before = { ratings: await count(harness, 'ratings'), users: await count(harness, 'users'), views: await count(harness, 'interactions') };

      failViews = true;
      const press = harness.fake.click(list.cards[0]!, button(list.cards[0]!, '★3'), { user: ana });
      await settle(harness);
      // A new user's /feel: the user row it created goes too.
      const zed = user(7, 'Zed');
      const zedFeel = harness.fake.feel('happy', { user: zed });
      await settle(harness);
      failViews = false;

      expect(await ratingsOf(harness, ana)).toEqual([]);
      expect(await count(harness, 'ratings')).toBe(before.ratings);
      expect(await count(harness, 'interactions')).toBe(before.views);
      expect(await harness.repos.users.find(asCore(zed))).toBeNull();
      expect(await count(harness, 'users')).toBe(before.users);

      expect(press.errors).toEqual([]);
      expect(press.edits).toEqual([]);
      expect(press.followUps).toHaveLength(1);
      expect(isEphemeral(press.followUps[0]!)).toBe(true);
      const reference = /\(ref ([0-9a-z]+)\)/.exec(press.followUps[0]!.content)?.[1];
      expect(reference).toBeDefined();
      expect(harness.log.find('turn failed').map((e) => (e.fields as { turnId: string }).turnId)).toContain(reference);
      expect(harness.fake.messagesOf(zedFeel).map((m) => m.content)).toEqual([expect.stringMatching(/\(ref [0-9a-z]+\)/)]);
      for (const id of [press.id, zedFeel.id]) expect(await inboxStatus(harness, id)).toBe('done');

      // The next press works and is kept.
      const again = harness.fake.click(list.cards[0]!, button(list.cards[0]!, '★3'), { user: ana });
      await settle(harness);
      expect(again.followUps.map((m) => m.content)).toEqual([copy.rated(3)]);
      expect(await ratingsOf(harness, ana)).toHaveLength(1);
    });

    it('GIVEN the database known to be down THEN a command and a press get "temporarily unavailable" at once, without deferring or writing; once it is back, they work', async () => {
      const harness = await start();
      const ana = user(8, 'Ana');
      const list = await feel(harness, ana);
      const users = await count(harness, 'users');
      harness.durable!.outage(true);
      const command = harness.fake.feel('happy', { user: user(9, 'Bo') });
      const press = harness.fake.click(list.cards[0]!, button(list.cards[0]!, '★5'), { user: ana });
      await settle(harness);

      for (const record of [command, press]) {
        expect(record.errors).toEqual([]);
        expect(record.ack).toMatchObject({ type: 4, data: { content: copy.unavailable(), flags: EPHEMERAL } });
      }
      harness.durable!.outage(false);
      await eventually(() => !harness.durable!.breaker.isOpen, 'the breaker to close');
      expect(await count(harness, 'users')).toBe(users);
      expect(await ratingsOf(harness, ana)).toEqual([]);

      const retry = harness.fake.click(list.cards[0]!, button(list.cards[0]!, '★5'), { user: ana });
      await settle(harness);
      expect(retry.followUps.map((m) => m.content)).toEqual([copy.rated(5)]);
    });

    it('GIVEN a stop while an answer is still going out THEN the rest is parked in the outbox, and the next process sends it: every message arrives', async () => {
      const harness = await start({ bot: { drainMs: 300 } });
      const ana = user(10, 'Ana');
      const record = harness.fake.feel('happy', { user: ana });
      await harness.fake.waitFor(() => record.ack !== null, 10_000, 'the acknowledgement');
      harness.fake.restLatencyMs = 400;
      await harness.fake.waitFor(() => record.edits.length === 1, 15_000, 'the first message');
      await harness.bot.stop();
      harness.fake.restLatencyMs = 0;
      const parked = await count(harness, 'outbox_messages');
      expect(parked).toBeGreaterThan(0);
      expect(record.followUps.length).toBeLessThan(5);

      replica = await startReplica(harness, { owner: 'host-b:1' });
      await harness.fake.waitFor(() => record.followUps.length >= 5, 15_000, 'the parked answer sent');
      await replica.bot.idle();
      const messages = harness.fake.messagesOf(record);
      expect(new Set(messages.map((m) => JSON.stringify([m.content, m.embeds]))).size).toBe(6);
      // At least once: a call still on the wire when stop() gave up waiting (1 s) is sent again.
      expect(messages.length).toBeLessThanOrEqual(7);
      expect(record.errors).toEqual([]);
      await eventually(async () => (await count(harness, 'outbox_messages')) === 0, 'the outbox to empty');
    });
  });
}

/** The in-memory store with scripted outages, for the paths SQLite cannot fail on cue. */
class FlakyStore extends MemoryDeliveryStore {
  failRecord = false;
  failApply = false;
  override record(entry: InboxEntry): Promise<boolean> {
    if (this.failRecord) return Promise.reject(new StorageUnavailableError('simulated outage'));
    return super.record(entry);
  }
  override apply<T>(key: UpdateKey, work: () => Promise<AppliedWork<T>>): Promise<{ value: T; outbox: OutboxMessage[] } | null> {
    if (this.failApply) return Promise.reject(new StorageUnavailableError('simulated outage'));
    return super.apply(key, work);
  }
}

describe('Discord delivery: the database fails after the acknowledgement', () => {
  let testDb: TestDatabase | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    await testDb?.drop();
    h = undefined;
    testDb = undefined;
  });

  it('GIVEN the inbox unreachable THEN a public command\'s "thinking…" is replaced by a private "temporarily unavailable", and a press gets it privately; nothing is applied', async () => {
    const store = new FlakyStore();
    testDb = freshSqlite();
    h = await startHarness(testDb, { bot: { delivery: { store } } });
    const ana = user(11, 'Ana');
    const feel = h.fake.feel('happy', { user: ana });
    await settle(h);
    const card = cards(h, feel)[0]!;

    store.failRecord = true;
    const command = h.fake.feel('happy', { user: ana });
    const press = h.fake.click(card, button(card, '★5'), { user: ana });
    await settle(h);
    for (const record of [command, press]) expect(record.errors).toEqual([]);
    expect(command.ack?.type).toBe(5);
    expect(command.deleted).toBe(true);
    expect(command.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.unavailable(), true]]);
    expect(press.ack?.type).toBe(6);
    expect(press.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.unavailable(), true]]);
    expect(await ratingsOf(h, ana)).toEqual([]);
  });

  it('GIVEN the turn cannot be applied THEN the user is asked to try again, and the interaction is dropped once the database answers (never applied later)', async () => {
    const store = new FlakyStore();
    testDb = freshSqlite();
    h = await startHarness(testDb, { bot: { delivery: { store, sweepIntervalMs: 50 } } });
    const ana = user(12, 'Ana');
    const feel = h.fake.feel('happy', { user: ana });
    await settle(h);
    const card = cards(h, feel)[0]!;

    store.failApply = true;
    const press = h.fake.click(card, button(card, '★2'), { user: ana });
    await settle(h);
    expect(press.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.unavailable(), true]]);
    store.failApply = false;
    await eventually(() => store.updates.get(`discord:${press.id}`)?.status === 'dropped', 'the interaction dropped');
    expect(await ratingsOf(h, ana)).toEqual([]);
  });
});
