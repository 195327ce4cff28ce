/**
 * The Discord channel end to end: a real discord.js Client started by startDiscordBot, against the
 * fake Discord on 127.0.0.1 (gateway + REST), over the real conversation and the real Prisma
 * repositories on a fresh SQLite file and, with TEST_MYSQL_URL, a fresh MariaDB/MySQL database.
 *
 * The fake refuses a first acknowledgement later than 3 s (10062) and any second one (40060), and
 * rejects messages over Discord's limits (50035); every scenario checks that none of that happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelUser, Completion, CompletionRequest, Conversation, Inbound, Turn } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { EMOTIONS } from '../../../src/core/domain/emotions.ts';
import { EPHEMERAL, fakeUser, type ApiMessage, type ApiUser, type InteractionRecord } from '../../fakes/discord/fake-discord.ts';
import { databaseKinds, freshSqlite, type TestDatabase } from '../../helpers/databases.ts';
import { settle, startHarness, type Harness } from './support.ts';

const user = (n: number, name: string) => fakeUser(`12000000000000000${String(n).padStart(2, '0')}`, name);
const asCore = (u: ApiUser): ChannelUser => ({ platform: 'discord', platformUserId: u.id, displayName: u.global_name ?? u.username });

function button(message: ApiMessage, label: string): string {
  const found = message.components.flatMap((row) => row.components).find((b) => b.label === label);
  if (!found?.custom_id) throw new Error(`no button "${label}" on message ${message.id}: ${JSON.stringify(message.components)}`);
  return found.custom_id;
}

const cards = (h: Harness, record: InteractionRecord) => h.fake.messagesOf(record).filter((m) => m.embeds.length === 1);
const isEphemeral = (m: ApiMessage) => (m.flags & EPHEMERAL) !== 0;

async function ratingsOf(h: Harness, u: ApiUser): Promise<Array<{ movieId: number; stars: number }>> {
  const account = await h.repos.users.find(asCore(u));
  if (!account) return [];
  return (await h.repos.ratings.ratingsOf(account.userId)).map((r) => ({ movieId: r.movieId, stars: r.stars }));
}

async function count(h: Harness, table: 'ratings' | 'favorites' | 'users' | 'interactions'): Promise<number> {
  const rows = await h.db.prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>(`SELECT COUNT(*) AS n FROM \`${table}\``);
  return Number(rows[0]?.n ?? 0);
}

/** Nothing went wrong on the wire: one accepted acknowledgement, no Discord error codes. */
function expectCleanWire(record: InteractionRecord): void {
  expect(record.errors, `Discord errors for interaction ${record.id}`).toEqual([]);
  expect(record.callbacks).toHaveLength(1);
  expect(record.ack).not.toBeNull();
}

const movieIdOf = (customId: string) => Number(customId.split('|')[2]);

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`Discord end to end on ${kind}`, () => {
    let testDb: TestDatabase;
    let h: Harness;
    const ana = user(1, 'Ana');
    const bob = user(2, 'Bob');
    const carl = user(3, 'Carl');
    let feel: InteractionRecord;

    beforeAll(async () => {
      testDb = await fresh('discord');
      h = await startHarness(testDb);
    });
    afterAll(async () => {
      await h?.close();
      await testDb?.drop();
    });

    it('GIVEN /feel mood:happy THEN deferred in public, then the intro with card 1, cards 2–5 and the ➡ More footer, each card an embed with its own buttons', async () => {
      feel = h.fake.feel('happy', { user: ana });
      await settle(h);

      expectCleanWire(feel);
      expect(feel.ack).toMatchObject({ type: 5, data: { flags: 0 } });
      const messages = h.fake.messagesOf(feel);
      expect(messages).toHaveLength(6);
      expect(messages.every((m) => !isEphemeral(m))).toBe(true);
      expect(messages[0]!.content).toBe(copy.listIntro('happy', 0));
      expect(cards(h, feel)).toHaveLength(5);
      cards(h, feel).forEach((card, i) => {
        expect(card.embeds[0]!.title).toMatch(new RegExp(`^${i + 1}\\. .+ \\(\\d{4}\\)$`));
        // The bot here runs without models (popularity): each card shows the film's own IMDb figures, never a "for you" number.
        expect(card.embeds[0]!.description).toMatch(/ min\n\*\*IMDb \d\.\d\/10 · \d+K votes\*\*\n\*.+\*/);
        expect(card.embeds[0]!.description).not.toMatch(/for you|favorite chance/);
        expect(card.components.map((row) => row.components.map((b) => b.label))).toEqual([
          ['★1', '★2', '★3', '★4', '★5'],
          [copy.favButton(false), copy.dismissButton(), copy.detailsButton(), copy.similarButton()],
        ]);
      });
      const withPoster = cards(h, feel).filter((c) => c.embeds[0]!.thumbnail);
      expect(withPoster.length).toBeGreaterThanOrEqual(4);
      for (const card of withPoster) {
        expect(card.embeds[0]!.thumbnail!.url).toMatch(/^https:\/\/posters\.example\.com\/\d+\.jpg$/);
        expect(card.embeds[0]!.url).toMatch(/^https:\/\/www\.imdb\.com\/title\/tt\d{7}\/$/);
      }
      expect(messages[5]!.content).toContain('Rate with the stars');
      expect(button(messages[5]!, copy.moreButton())).toBe('f1|n|happy');
      expect(await count(h, 'interactions')).toBe(5);
    });

    it('GIVEN Ana presses ★5 on her card THEN one rating row (★5) for her, the card shows ★5 selected, and a private toast', async () => {
      const card = cards(h, feel)[0]!;
      const customId = button(card, '★5');
      const press = h.fake.click(card, customId, { user: ana });
      await settle(h);

      expectCleanWire(press);
      expect(press.ack?.type).toBe(6);
      expect(await ratingsOf(h, ana)).toEqual([{ movieId: movieIdOf(customId), stars: 5 }]);
      expect(await count(h, 'ratings')).toBe(1);
      const updated = h.fake.messagesOf(feel)[0]!;
      expect(updated.components[0]!.components.map((b) => b.style)).toEqual([2, 2, 2, 2, 3]);
      expect(updated.embeds).toHaveLength(1);
      expect(press.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.rated(5), true]]);
    });

    it("GIVEN Bob presses ★3 on Ana's card THEN the rating is Bob's, Ana's message is untouched, and only Bob sees the toast", async () => {
      const card = cards(h, feel)[1]!;
      const before = JSON.stringify(card.components);
      const customId = button(card, '★3');
      const press = h.fake.click(card, customId, { user: bob });
      await settle(h);

      expectCleanWire(press);
      expect(await ratingsOf(h, bob)).toEqual([{ movieId: movieIdOf(customId), stars: 3 }]);
      expect((await ratingsOf(h, ana)).map((r) => r.movieId)).not.toContain(movieIdOf(customId));
      expect(press.edits).toEqual([]);
      expect(JSON.stringify(cards(h, feel)[1]!.components)).toBe(before);
      expect(press.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.rated(3), true]]);
    });

    it("GIVEN Bob presses ➡ More on Ana's list THEN Bob gets his own list, ephemeral, and Ana's list is untouched", async () => {
      const footer = h.fake.messagesOf(feel)[5]!;
      const press = h.fake.click(footer, button(footer, copy.moreButton()), { user: bob });
      await settle(h);

      expectCleanWire(press);
      expect(press.ack?.type).toBe(6);
      expect(press.edits).toEqual([]);
      expect(press.followUps.length).toBeGreaterThanOrEqual(3);
      expect(press.followUps.every(isEphemeral)).toBe(true);
      expect(press.followUps[0]!.content).toBe(copy.listIntro('happy', 0));
      expect(press.followUps[0]!.interaction_metadata['user']).toMatchObject({ id: bob.id });
      // Bob's list skips the movie he rated; Ana's footer still offers her More.
      const bobsMovies = press.followUps.flatMap((m) => m.components.flatMap((r) => r.components)).filter((b) => b.label === '★1').map((b) => movieIdOf(b.custom_id!));
      expect(bobsMovies).not.toContain((await ratingsOf(h, bob))[0]!.movieId);
      expect(button(h.fake.messagesOf(feel)[5]!, copy.moreButton())).toBe('f1|n|happy');
    });

    it('GIVEN Ana presses 🔁 on her card THEN a new public list of movies like it, each card with its own 🔁, and her /feel list untouched', async () => {
      const card = cards(h, feel)[2]!;
      const before = JSON.stringify(h.fake.messagesOf(feel).map((m) => m.components));
      const seedTitle = card.embeds[0]!.title!.replace(/^3\. /, '');
      const shownBefore = await count(h, 'interactions');
      const press = h.fake.click(card, button(card, copy.similarButton()), { user: ana });
      await settle(h);

      expectCleanWire(press);
      expect(press.ack?.type).toBe(6);
      expect(press.edits).toEqual([]);
      expect(press.followUps.length).toBeGreaterThanOrEqual(2);
      expect(press.followUps.every((m) => !isEphemeral(m))).toBe(true);
      expect(press.followUps[0]!.content).toBe(copy.similarIntro(seedTitle, 0).replace(/\*/g, '\\*'));
      const listed = press.followUps.filter((m) => m.embeds.length === 1);
      expect(listed.length).toBeGreaterThan(0);
      listed.forEach((m, i) => {
        expect(m.embeds[0]!.title).toMatch(new RegExp(`^${i + 1}\\. `));
        expect(m.embeds[0]!.title).not.toBe(`${i + 1}. ${seedTitle}`);
        expect(m.components.flatMap((row) => row.components).map((b) => b.label)).toContain(copy.similarButton());
      });
      expect(button(press.followUps.at(-1)!, copy.moreButton())).toBe(`f1|l|${movieIdOf(button(card, '★1'))}`);
      expect(await count(h, 'interactions')).toBe(shownBefore + listed.length);
      expect(JSON.stringify(h.fake.messagesOf(feel).map((m) => m.components))).toBe(before);
    });

    it('GIVEN forged custom_ids THEN each gets an immediate ephemeral "expired", without deferring, and nothing is written', async () => {
      const card = cards(h, feel)[2]!;
      const before = { ratings: await count(h, 'ratings'), users: await count(h, 'users'), favorites: await count(h, 'favorites') };
      const forged = ['x'.repeat(101), 'f1|r|1|9', 'f1|r|1|0', "f1|r|1;DROP TABLE ratings|5", 'f0|r|1|5', '{"action":"rate","movieId":1,"stars":5}', `f1|r|${'9'.repeat(60)}|5`, 'f1|f|1|1|1200000000000000001', 'f1|s|0', 'f1|s|1|1', 'f0|s|1', 'f1|l|x'];
      const presses = forged.map((customId) => h.fake.click(card, customId, { user: carl }));
      await settle(h);

      for (const press of presses) {
        expectCleanWire(press);
        expect(press.ack).toMatchObject({ type: 4, data: { content: copy.expired(), flags: EPHEMERAL } });
      }
      expect({ ratings: await count(h, 'ratings'), users: await count(h, 'users'), favorites: await count(h, 'favorites') }).toEqual(before);
      expect(await h.repos.users.find(asCore(carl))).toBeNull();
    });

    it('GIVEN the same interaction delivered twice THEN one acknowledgement, one rating row and one toast', async () => {
      const card = cards(h, feel)[3]!;
      const customId = button(card, '★4');
      const press = h.fake.click(card, customId, { user: ana });
      h.fake.dispatchInteraction(press.payload);
      await settle(h);

      expect(press.deliveries).toBe(2);
      expectCleanWire(press);
      expect((await ratingsOf(h, ana)).filter((r) => r.movieId === movieIdOf(customId))).toEqual([{ movieId: movieIdOf(customId), stars: 4 }]);
      expect(press.followUps).toHaveLength(1);
      expect(h.log.find('duplicate interaction delivery ignored')).toHaveLength(1);
    });

    it('never logged an interaction token or the bot token', () => {
      const logs = h.log.text();
      expect(h.fake.interactionTokens.length).toBeGreaterThan(10);
      for (const token of [...h.fake.interactionTokens, h.fake.botToken]) expect(logs).not.toContain(token);
    });
  });
}

/** Lets a test make the next turn throw, or return a turn of its choosing. */
class ScriptedConversation implements Conversation {
  next: ((input: Inbound) => Promise<Turn>) | null = null;
  constructor(private readonly inner: Conversation) {}
  handle(input: Inbound): Promise<Turn> {
    const scripted = this.next;
    this.next = null;
    return scripted ? scripted(input) : this.inner.handle(input);
  }
  complete(request: CompletionRequest): Promise<Completion[]> {
    return this.inner.complete ? this.inner.complete(request) : Promise.resolve([]);
  }
}

describe('Discord end to end: commands, DMs, privacy, failures and bad input (SQLite)', () => {
  let testDb: TestDatabase;
  let h: Harness;
  let scripted: ScriptedConversation;

  beforeAll(async () => {
    testDb = freshSqlite();
    h = await startHarness(testDb, {
      wrap: (inner) => {
        scripted = new ScriptedConversation(inner);
        return scripted;
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await testDb?.drop();
  });

  it('GIVEN /feel in a DM THEN it answers there, and a ★ press in the DM records the rating', async () => {
    const dana = user(10, 'Dana');
    const feel = h.fake.feel('chill', { user: dana, dm: true });
    await settle(h);
    expectCleanWire(feel);
    const [card] = cards(h, feel);
    expect(card!.embeds[0]!.title).toMatch(/^1\. Calm Movie/);
    const press = h.fake.click(card!, button(card!, '★5'), { user: dana, dm: true });
    await settle(h);
    expectCleanWire(press);
    expect(await ratingsOf(h, dana)).toEqual([{ movieId: movieIdOf(button(card!, '★5')), stars: 5 }]);
  });

  it('GIVEN /feel mood:happy private:true THEN every message is ephemeral', async () => {
    const feel = h.fake.feel('happy', { user: user(11, 'Kim'), private: true });
    await settle(h);
    expectCleanWire(feel);
    expect(feel.ack).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    const messages = h.fake.messagesOf(feel);
    expect(messages).toHaveLength(6);
    expect(messages.every(isEphemeral)).toBe(true);
  });

  it('GIVEN the mood field empty, then "chi" THEN the canonical moods, then chill → Relaxed first', async () => {
    const lee = user(12, 'Lee');
    const empty = h.fake.autocomplete('feel', 'mood', '', { user: lee });
    const chi = h.fake.autocomplete('feel', 'mood', 'chi', { user: lee });
    const huge = h.fake.autocomplete('feel', 'mood', 'x'.repeat(5000), { user: lee });
    await settle(h);
    for (const record of [empty, chi, huge]) expectCleanWire(record);
    expect(empty.autocomplete!.map((c) => c.value)).toEqual([...EMOTIONS]);
    expect(chi.autocomplete![0]).toEqual({ name: `chill → ${copy.moodLabel('relaxed')}`, value: 'relaxed' });
    expect(huge.autocomplete!.length).toBeLessThanOrEqual(25);
    expect(await h.repos.users.find(asCore(lee))).toBeNull();
  });

  it('GIVEN the title field as typed THEN the catalog\'s best titles (≤ 25, names ≤ 100), nobody registered; the picked value gives its list', async () => {
    const pia = user(22, 'Pia');
    const typing = h.fake.autocomplete('like', 'title', 'happy movi', { user: pia });
    const calm = h.fake.autocomplete('like', 'title', 'calm', { user: pia });
    const empty = h.fake.autocomplete('like', 'title', '', { user: pia });
    const huge = h.fake.autocomplete('like', 'title', 'x'.repeat(5000), { user: pia });
    await settle(h);
    for (const record of [typing, calm, empty, huge]) expectCleanWire(record);
    expect(typing.autocomplete!.length).toBeGreaterThan(5);
    expect(typing.autocomplete!.length).toBeLessThanOrEqual(25);
    // The eleven "Happy Movie N" first; weaker matches ("… Movie") may follow.
    for (const choice of typing.autocomplete!.slice(0, 11)) expect(choice.name).toMatch(/^Happy Movie \d+ \(\d{4}\)$/);
    for (const choice of typing.autocomplete!) {
      expect(choice.name.length).toBeLessThanOrEqual(100);
      expect(choice.value).toBe(choice.name);
    }
    expect(calm.autocomplete![0]!.value).toMatch(/^Calm Movie \(\d{4}\)$/);
    expect(empty.autocomplete).toEqual([]);
    expect(huge.autocomplete).toEqual([]);
    expect(await h.repos.users.find(asCore(pia))).toBeNull();

    const like = h.fake.slash('like', [{ name: 'title', type: 3, value: typing.autocomplete![0]!.value }], { user: pia });
    await settle(h);
    expectCleanWire(like);
    expect(like.ack).toMatchObject({ type: 5, data: { flags: 0 } });
    const messages = h.fake.messagesOf(like);
    expect(messages[0]!.content).toBe(copy.similarIntro(typing.autocomplete![0]!.value, 0));
    expect(messages.filter((m) => m.embeds.length === 1).length).toBeGreaterThan(0);
  });

  it('GIVEN /like with an unknown title THEN an ephemeral answer and nothing written', async () => {
    const users = await count(h, 'users');
    const like = h.fake.slash('like', [{ name: 'title', type: 3, value: 'Zzyzx Qwerty Plugh' }], { user: user(23, 'Quin') });
    await settle(h);
    expectCleanWire(like);
    expect(like.deleted).toBe(true);
    expect(like.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.likeNotFound('Zzyzx Qwerty Plugh'), true]]);
    expect(await count(h, 'users')).toBe(users);
  });

  it('GIVEN six favorites THEN /favorites is ephemeral and paged, and Next shows page 2 to its owner only', async () => {
    const erin = user(13, 'Erin');
    const feel = h.fake.feel('happy', { user: erin });
    await settle(h);
    for (const card of cards(h, feel)) h.fake.click(card, button(card, copy.favButton(false)), { user: erin });
    await settle(h);
    const footer = h.fake.messagesOf(feel)[5]!;
    const more = h.fake.click(footer, button(footer, copy.moreButton()), { user: erin });
    await settle(h);
    expect(more.followUps.every((m) => !isEphemeral(m))).toBe(true);
    const next = more.followUps.find((m) => m.embeds.length === 1)!;
    h.fake.click(next, button(next, copy.favButton(false)), { user: erin });
    await settle(h);

    const favorites = h.fake.slash('favorites', [], { user: erin });
    await settle(h);
    expectCleanWire(favorites);
    expect(favorites.ack).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    const pageOne = h.fake.messagesOf(favorites);
    expect(pageOne.every(isEphemeral)).toBe(true);
    expect(pageOne[0]!.content).toBe(copy.favoritesTitle(6, 0, 2));
    expect(pageOne.filter((m) => m.embeds.length === 1)).toHaveLength(5);
    const nav = pageOne.at(-1)!;
    expect(nav.content).toBe(copy.favoritesPageOf(0, 2));

    const pageTwo = h.fake.click(nav, button(nav, copy.nextPage()), { user: erin });
    await settle(h);
    expectCleanWire(pageTwo);
    expect(pageTwo.followUps.every(isEphemeral)).toBe(true);
    expect(pageTwo.followUps[0]!.content).toBe(copy.favoritesTitle(6, 1, 2));
    expect(pageTwo.followUps.filter((m) => m.embeds.length === 1)).toHaveLength(1);
  });

  it('GIVEN /help THEN an ephemeral help with mood buttons', async () => {
    const help = h.fake.slash('help', [], { user: user(14, 'Hana') });
    await settle(h);
    expectCleanWire(help);
    const [message] = h.fake.messagesOf(help);
    expect(isEphemeral(message!)).toBe(true);
    expect(message!.content).toContain('/feel');
    expect(message!.components.flatMap((r) => r.components).map((b) => b.label)).toEqual(EMOTIONS.map((m) => copy.moodLabel(m)));
  });

  it('GIVEN /forgetme and Yes THEN an ephemeral confirmation, its buttons removed, and every row of the user gone', async () => {
    const fay = user(15, 'Fay');
    const feel = h.fake.feel('happy', { user: fay });
    await settle(h);
    const card = cards(h, feel)[0]!;
    h.fake.click(card, button(card, '★4'), { user: fay });
    await settle(h);
    expect(await ratingsOf(h, fay)).toHaveLength(1);

    const forget = h.fake.slash('forgetme', [], { user: fay });
    await settle(h);
    expectCleanWire(forget);
    const [confirm] = h.fake.messagesOf(forget);
    expect(isEphemeral(confirm!)).toBe(true);
    expect(confirm!.content).toBe(copy.forgetConfirm());
    const yes = h.fake.click(confirm!, button(confirm!, copy.forgetYes()), { user: fay });
    await settle(h);
    expectCleanWire(yes);
    expect(h.fake.messagesOf(forget)[0]!.components).toEqual([]);
    expect(yes.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.forgotten(), true]]);
    expect(await h.repos.users.find(asCore(fay))).toBeNull();
  });

  it.each([
    ['a 5,000-character mood', 'feel', [{ name: 'mood', type: 3, value: 'x'.repeat(5000) }], copy.help()],
    ['private as a string', 'feel', [{ name: 'mood', type: 3, value: 'happy' }, { name: 'private', type: 5, value: 'yes' }], copy.help()],
    ['an unknown command', 'dance', [], `I don't know "/dance". Try /help.`],
  ])('GIVEN %s THEN an immediate ephemeral help, no defer, no database write', async (_label, name, options, expected) => {
    const gus = user(16, 'Gus');
    const users = await count(h, 'users');
    const record = h.fake.slash(name, options, { user: gus });
    await settle(h);
    expectCleanWire(record);
    expect(record.ack).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(record.ack!.data!.content).toContain(expected.split('\n')[0]!);
    expect(await count(h, 'users')).toBe(users);
  });

  it('GIVEN an unknown mood with an @everyone in it THEN an ephemeral "pick one of these" with mood buttons, nobody pinged, nothing written', async () => {
    const users = await count(h, 'users');
    const feel = h.fake.feel('@everyone meh', { user: user(17, 'Ivo') });
    await settle(h);
    expectCleanWire(feel);
    expect(feel.ack).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    const [message] = h.fake.messagesOf(feel);
    expect(message!.content).toContain(`I don't know the mood "@everyone meh"`);
    expect(message!.components.flatMap((r) => r.components)).toHaveLength(EMOTIONS.length);
    expect(feel.edits[0]!.allowed_mentions).toEqual({ parse: [] });
    expect(await count(h, 'users')).toBe(users);
  });

  it('GIVEN a well-formed payload for a movie that does not exist THEN deferred, an ephemeral "expired", nothing written', async () => {
    const jo = user(18, 'Jo');
    const feel = h.fake.feel('happy', { user: jo });
    await settle(h);
    const ratings = await count(h, 'ratings');
    const press = h.fake.click(cards(h, feel)[0]!, 'f1|r|999999|5', { user: jo });
    await settle(h);
    expectCleanWire(press);
    expect(press.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([[copy.expired(), true]]);
    expect(await count(h, 'ratings')).toBe(ratings);
  });

  it('GIVEN a handler that throws THEN the user gets an ephemeral reply with a reference id that is in the log, and the next interaction works', async () => {
    const max = user(19, 'Max');
    scripted.next = () => Promise.reject(new Error('injected failure'));
    const failing = h.fake.feel('happy', { user: max });
    await settle(h);
    expectCleanWire(failing);
    expect(failing.deleted).toBe(true);
    expect(failing.followUps).toHaveLength(1);
    const [sorry] = failing.followUps;
    expect(isEphemeral(sorry!)).toBe(true);
    const reference = /\(ref ([0-9a-f]{8})\)/.exec(sorry!.content)?.[1];
    expect(reference).toBeDefined();
    expect(h.log.find('discord interaction failed').map((e) => (e.fields as { reference: string }).reference)).toContain(reference);

    const next = h.fake.feel('happy', { user: max });
    await settle(h);
    expectCleanWire(next);
    expect(h.fake.messagesOf(next)).toHaveLength(6);
  });

  it('GIVEN a public command whose answer the core marks ephemeral THEN the public placeholder is removed and the answer is ephemeral', async () => {
    scripted.next = () => Promise.resolve({ messages: [{ text: 'only for you', ephemeral: true }] });
    const feel = h.fake.feel('happy', { user: user(20, 'Nia') });
    await settle(h);
    expectCleanWire(feel);
    expect(feel.deleted).toBe(true);
    expect(feel.followUps.map((m) => [m.content, isEphemeral(m)])).toEqual([['only for you', true]]);
  });

  it('GIVEN scoring that takes 3.5 s THEN acknowledged inside the 3 s window and the list arrives after (no 10062, no 40060)', async () => {
    h.scorer.delayMs = 3500;
    try {
      const feel = h.fake.feel('happy', { user: user(21, 'Oli') });
      await settle(h);
      expectCleanWire(feel);
      const edit = h.fake.requests.find((r) => r.method === 'PATCH' && r.path.includes(feel.token))!;
      expect(edit.at - feel.dispatchedAt).toBeGreaterThanOrEqual(3500);
      expect(h.fake.messagesOf(feel)).toHaveLength(6);
    } finally {
      h.scorer.delayMs = 0;
    }
  });

  it('never logged an interaction token or the bot token', () => {
    const logs = h.log.text();
    for (const token of [...h.fake.interactionTokens, h.fake.botToken]) expect(logs).not.toContain(token);
  });
});
