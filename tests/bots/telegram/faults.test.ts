/**
 * The Telegram adapter under faults (RELIABILITY.md cases 2, 4, 5, 6, 17), end to end through
 * telegraf against our own fake Bot API (telegram-test-api injects no faults): 429 with
 * retry_after, 409 Conflict, forged and oversized callback_data, duplicate updates, double clicks,
 * a slow core, failing posters and command menus, bad input, groups, and the one catch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TelegramChannel, TelegramWebhookSetError } from '../../../src/bots/telegram/telegram-bot.ts';
import { encodePayload } from '../../../src/core/conversation/payload.ts';
import type { Conversation } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { film, happyCatalog, harness, recordingLogger, type Harness } from '../../core/support.ts';
import { SpyConversation, startBot } from './driver.ts';
import { apiError, conflict, FakeBotApi, tooManyRequests, type ApiCall } from './fake-bot-api.ts';
import { aGroup, aTelegramUser, buttonData, mediaUpdate, privateChat, tapUpdate, textUpdate } from './updates.ts';

const ana = aTelegramUser('Ana', 501);
const bob = aTelegramUser('Bob', 502);

let api: FakeBotApi | undefined;
let channel: TelegramChannel | undefined;

afterEach(async () => {
  await channel?.stop();
  await api?.close();
  channel = undefined;
  api = undefined;
});

async function setUp(conversation?: (h: Harness) => Conversation, options: Parameters<typeof startBot>[2] = {}) {
  const h = harness(happyCatalog().all);
  api = await FakeBotApi.start();
  const logger = options.logger ?? recordingLogger();
  const spy = new SpyConversation(conversation ? conversation(h) : h.conversation);
  channel = await startBot(api, spy, { ...options, logger });
  return { h, api, spy, logger: logger as ReturnType<typeof recordingLogger>, channel };
}

const answers = (fake: FakeBotApi) => fake.callsOf('answerCallbackQuery');
const texts = (fake: FakeBotApi, chatId: number) => fake.sentTo(chatId).map((m) => String(m['text'] ?? m['caption']));
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends /feel happy as `user` and waits for the 7 messages (intro, 5 cards, footer). */
async function feelHappy(fake: FakeBotApi, user = ana, chat = privateChat(user), command = '/feel happy') {
  const before = fake.sentTo(chat.id).length;
  fake.push(textUpdate(command, user, chat));
  await fake.waitFor(() => fake.sentTo(chat.id).length >= before + 7, 10_000, '7 messages after /feel');
  return fake.sentTo(chat.id).slice(before);
}

describe('Telegram adapter: button taps', () => {
  it('GIVEN a card WHEN ★4 is tapped THEN the tap is answered with the core toast and the keyboard is edited to show "✅ ★4"', async () => {
    const { h, api: fake } = await setUp();
    const [, card] = await feelHappy(fake);
    fake.push(tapUpdate(buttonData(card!, /★4/), ana, { message_id: card!.message_id, chat: privateChat(ana) }, fake.queryId()));
    await fake.waitFor((calls) => calls.some((c) => c.method === 'editMessageReplyMarkup'));
    expect(answers(fake).map((c) => c.body['text'])).toEqual([copy.rated(4)]);
    const edit = fake.callsOf('editMessageReplyMarkup')[0]!.body;
    expect(edit['message_id']).toBe(card!.message_id);
    expect(JSON.stringify(edit['reply_markup'])).toContain('✅ ★4');
    expect(await h.repos.ratings.ratingsOf(h.userIdOf({ platform: 'telegram', platformUserId: String(ana.id), displayName: 'Ana' })!)).toEqual([
      expect.objectContaining({ stars: 4 }),
    ]);
  });

  it('GIVEN a slow core (1.5 s) WHEN a mood is tapped THEN the tap is answered before the turn ends, once, and the cards follow', async () => {
    const { api: fake, spy } = await setUp((h) => new SpyConversation(h.conversation, (input) => (input.kind === 'choice' ? 1_500 : 0)), { tuning: { ackWaitMs: 300 } });
    fake.push(textUpdate('/start', ana));
    await fake.waitFor(() => fake.sentTo(ana.id).length === 1);
    const greeting = fake.sentTo(ana.id)[0]!;
    fake.push(tapUpdate(buttonData(greeting, /Happy/), ana, { message_id: greeting.message_id, chat: privateChat(ana) }, fake.queryId()));
    await fake.waitFor(() => fake.sentTo(ana.id).length >= 8, 10_000, 'the cards');
    const [answer] = answers(fake);
    expect(answers(fake)).toHaveLength(1);
    // Ack first, then work: the answer reached Telegram before the core finished the turn.
    expect(answer!.at).toBeLessThan(spy.finished.at(-1)!);
    expect(answer!.body['text']).toBe(copy.working());
  });

  it.each([
    ['65 ASCII bytes', 'f1|r|1|5'.padEnd(65, '0')],
    ['33 two-byte characters (66 bytes)', 'é'.repeat(33)],
  ])('GIVEN callback_data of %s THEN it is answered "expired", never reaches the core, and nothing is written', async (_name, data) => {
    const { h, api: fake, spy } = await setUp();
    const before = h.snapshot();
    fake.push(tapUpdate(data, ana, { message_id: 1, chat: privateChat(ana) }, fake.queryId()));
    await fake.waitFor((calls) => calls.some((c) => c.method === 'answerCallbackQuery'));
    expect(answers(fake).map((c) => c.body['text'])).toEqual([copy.expired()]);
    expect(spy.inbound).toEqual([]);
    expect(h.snapshot()).toEqual(before);
  });

  it.each([
    ['an out-of-range rating', 'f1|r|1|9'],
    ['an unknown movie', 'f1|r|99999|5'],
    ['SQL-looking text', "f1|r|1' OR '1'='1|5"],
    ['JSON', '{"action":"rate","movieId":1}'],
    ['an unknown action', 'f1|z|1'],
    ['another version', 'f0|r|1|5'],
  ])('GIVEN a forged payload (%s) THEN the core answers "expired" and nothing is written', async (_name, data) => {
    const { h, api: fake } = await setUp();
    const before = h.snapshot();
    fake.push(tapUpdate(data, ana, { message_id: 1, chat: privateChat(ana) }, fake.queryId()));
    await fake.waitFor((calls) => calls.some((c) => c.method === 'answerCallbackQuery'));
    expect(answers(fake).map((c) => c.body['text'])).toEqual([copy.expired()]);
    await settle();
    expect(h.snapshot()).toEqual(before);
    expect(fake.callsOf('sendMessage')).toEqual([]);
  });
});

describe('Telegram adapter: duplicates and flood limits', () => {
  it('GIVEN the same update twice in one batch THEN it has one effect: one answer, one rating', async () => {
    const { h, api: fake, spy } = await setUp();
    const [, card] = await feelHappy(fake);
    const tap = { update_id: 777_001, ...tapUpdate(buttonData(card!, /★5/), ana, { message_id: card!.message_id, chat: privateChat(ana) }, fake.queryId()) };
    fake.push(tap, tap);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'editMessageReplyMarkup'));
    await settle();
    expect(answers(fake)).toHaveLength(1);
    expect(spy.inbound.filter((input) => input.kind === 'choice')).toHaveLength(1);
    expect(h.repos.totalRows('ratings')).toBe(1);
  });

  it('GIVEN 20 rapid taps of ★5 and ❤ on one card (double clicks, one batch) THEN every tap is answered, and there is one rating row and one favorite row', async () => {
    const { h, api: fake } = await setUp();
    const [, card] = await feelHappy(fake);
    const where = { message_id: card!.message_id, chat: privateChat(ana) };
    const taps = Array.from({ length: 20 }, (_, i) => tapUpdate(buttonData(card!, i % 2 === 0 ? /★5/ : /Favorite/), ana, where, fake.queryId()));
    fake.push(...taps);
    await fake.waitFor((calls) => calls.filter((c) => c.method === 'answerCallbackQuery').length === 20, 10_000, '20 answers');
    await settle(300);
    expect(new Set(answers(fake).map((c) => c.body['callback_query_id'])).size).toBe(20);
    expect(h.repos.totalRows('ratings')).toBe(1);
    expect(h.repos.totalRows('favorites')).toBe(1);
  });

  it('GIVEN Telegram answers 429 retry_after=1 THEN the message is sent again after at least 1 s, exactly once more (no retry storm)', async () => {
    const { api: fake, logger } = await setUp(undefined, { tuning: { pacing: { perChatIntervalMs: 1_000, groupMessages: 20, groupWindowMs: 60_000, globalMessages: 30, globalWindowMs: 1_000 } } });
    fake.failNext('sendMessage', 1, tooManyRequests(1));
    fake.push(textUpdate('/help', ana));
    await fake.waitFor((calls) => calls.filter((c) => c.method === 'sendMessage').length >= 2, 10_000, 'the retry');
    await settle(1_200);
    const attempts = fake.callsOf('sendMessage');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(attempts[1]!.body).toEqual(attempts[0]!.body);
    expect(logger.entries.some((e) => e.level === 'warn' && /429/.test(e.message))).toBe(true);
  });

  it('GIVEN another instance polls (409 Conflict) THEN it logs why, backs off, and serves updates once the conflict ends', async () => {
    const h = harness(happyCatalog().all);
    api = await FakeBotApi.start();
    const fake = api;
    fake.failNext('getUpdates', 3, conflict());
    const logger = recordingLogger();
    const statuses: string[] = [];
    channel = await startBot(fake, h.conversation, { logger });
    const seen = setInterval(() => statuses.push(channel!.status()), 5);
    try {
      fake.push(textUpdate('/help', ana));
      await fake.waitFor(() => fake.sentTo(ana.id).length === 1, 10_000, 'the reply after the conflict');
    } finally {
      clearInterval(seen);
    }
    const conflicts = logger.entries.filter((e) => e.level === 'error' && /409/.test(e.message));
    expect(conflicts).toHaveLength(3);
    expect(conflicts[0]!.message).toMatch(/another process is polling with this bot token/);
    expect(statuses).toContain('conflict');
    expect(channel.status()).toBe('polling');
    // Backoff: each retry waited at least the (doubling) delay, 50 then 100 ms in this test.
    const polls = fake.callsOf('getUpdates').slice(0, 3);
    expect(polls[1]!.at - polls[0]!.at).toBeGreaterThanOrEqual(45);
    expect(polls[2]!.at - polls[1]!.at).toBeGreaterThanOrEqual(95);
  });
});

describe('Telegram adapter: messages and start-up', () => {
  it('GIVEN posters Telegram cannot fetch THEN each such card is sent as text instead, with its buttons', async () => {
    const catalog = happyCatalog().all.map((movie, i) => (i % 2 === 0 ? { ...movie, posterUrl: `https://img.example/${movie.id}.jpg` } : movie));
    const h = harness(catalog);
    api = await FakeBotApi.start();
    const fake = api;
    fake.on('sendPhoto', () => apiError(400, 'Bad Request: wrong file identifier/HTTP URL specified'));
    channel = await startBot(fake, h.conversation);
    await feelHappy(fake);
    const photos = fake.callsOf('sendPhoto');
    expect(photos.length).toBeGreaterThan(0);
    for (const photo of photos) {
      const fallback = fake.sent.find((m) => m.method === 'sendMessage' && m['text'] === photo.body['caption']);
      expect(fallback, String(photo.body['caption'])).toBeDefined();
      expect(fallback!['reply_markup']).toEqual(photo.body['reply_markup']);
    }
  });

  it('GIVEN setMyCommands fails THEN start-up logs it and goes on; GIVEN it works THEN the menu holds the core commands', async () => {
    const h = harness(happyCatalog().all);
    api = await FakeBotApi.start();
    const fake = api;
    fake.failNext('setMyCommands', 1, apiError(400, 'Bad Request: BOT_COMMAND_INVALID'));
    const logger = recordingLogger();
    channel = await startBot(fake, h.conversation, { logger });
    fake.push(textUpdate('/help', ana));
    await fake.waitFor(() => fake.sentTo(ana.id).length === 1);
    expect(logger.entries.some((e) => e.level === 'warn' && /setMyCommands/.test(e.message))).toBe(true);
    await channel.stop();
    channel = await startBot(fake, h.conversation);
    const commands = (fake.callsOf('setMyCommands').at(-1)!.body['commands'] as Array<{ command: string }>).map((c) => c.command);
    expect(commands).toEqual(expect.arrayContaining(['help', 'feel', 'more', 'rate', 'fav', 'favorites', 'forgetme']));
  });

  it('GIVEN stop() right after start-up (the first long poll open) THEN polling ends and never resumes', async () => {
    const h = harness(happyCatalog().all);
    api = await FakeBotApi.start();
    const fake = api;
    const started = await startBot(fake, h.conversation);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'getUpdates'));
    await started.stop();
    const stoppedAt = performance.now();
    await settle(300);
    expect(fake.callsOf('getUpdates').filter((c) => c.at > stoppedAt)).toEqual([]);
    // Nothing was recorded, so there was nothing to confirm: no webhook deleted, no extra poll.
    expect(fake.callsOf('deleteWebhook')).toEqual([]);
    expect(started.status()).toBe('stopped');
  });

  it('GIVEN Telegram reports a webhook THEN polling is refused (the webhook is kept) unless forcePolling is set', async () => {
    const h = harness(happyCatalog().all);
    api = await FakeBotApi.start();
    const fake = api;
    fake.webhookUrl = 'https://feelms.example/telegram';
    await expect(startBot(fake, h.conversation)).rejects.toBeInstanceOf(TelegramWebhookSetError);
    expect(fake.callsOf('deleteWebhook')).toEqual([]);
    expect(fake.callsOf('getUpdates')).toEqual([]);
    channel = await startBot(fake, h.conversation, { forcePolling: true });
    await fake.waitFor((calls) => calls.some((c) => c.method === 'getUpdates'));
    expect(fake.callsOf('deleteWebhook')).toHaveLength(1);
  });

  it.each([
    ['a sticker', () => mediaUpdate('sticker', ana), copy.help()],
    ['a photo with a command caption', () => mediaUpdate('photo', ana), copy.help()],
    ['4,000 characters', () => textUpdate('happy '.repeat(667).slice(0, 4_000), ana), copy.help()],
    ['an unknown command', () => textUpdate('/dance now', ana), copy.unknownCommand('/dance')],
    ['emoji, RTL text and markup', () => textUpdate('<b>שלום</b> & 🎬 <script>', ana), copy.freeText()],
  ])('GIVEN %s THEN the bot answers with help (or the core reply), escaped, and writes nothing', async (_name, update, reply) => {
    const { h, api: fake } = await setUp();
    const before = h.snapshot();
    fake.push(update());
    await fake.waitFor(() => fake.sentTo(ana.id).length === 1);
    const [message] = fake.sentTo(ana.id);
    expect(message!['parse_mode']).toBe('HTML');
    expect(message!['text']).toBe(html(reply));
    expect(h.snapshot()).toEqual(before);
  });
});

describe('Telegram adapter: groups', () => {
  it('GIVEN a group THEN /feel@ThisBot is answered, /feel@OtherBot ignored, and a tap on a card acts for the tapper without editing the shared card', async () => {
    const { h, api: fake, spy } = await setUp();
    const group = aGroup();
    fake.push(textUpdate('/feel@OtherBot happy', ana, group), textUpdate('hello everyone', ana, group), mediaUpdate('sticker', ana, group));
    const cards = await feelHappy(fake, ana, group, '/feel@FeelmsTestBot happy');
    expect(spy.inbound.map((input) => input.kind === 'command' && input.name)).toEqual(['feel']);
    const card = cards[1]!;
    fake.push(tapUpdate(buttonData(card, /★5/), bob, { message_id: card.message_id, chat: group }, fake.queryId()));
    await fake.waitFor((calls) => calls.some((c) => c.method === 'answerCallbackQuery'));
    await settle();
    expect(answers(fake)[0]!.body['text']).toBe(copy.rated(5));
    const userOf = (u: typeof ana) => h.userIdOf({ platform: 'telegram', platformUserId: String(u.id), displayName: u.first_name })!;
    expect((await h.repos.ratings.ratingsOf(userOf(bob))).map((r) => r.stars)).toEqual([5]);
    expect(await h.repos.ratings.ratingsOf(userOf(ana))).toEqual([]);
    expect(fake.callsOf('editMessageReplyMarkup')).toEqual([]);
  });
});

describe('Telegram adapter: the one catch', () => {
  it('GIVEN the core throws THEN the user sees a reference id that is in the log, and the next update is served', async () => {
    let calls = 0;
    const { api: fake, logger } = await setUp((h) => ({
      handle: (input) => (++calls === 1 ? Promise.reject(new Error('boom')) : h.conversation.handle(input)),
    }));
    fake.push(textUpdate('/help', ana));
    await fake.waitFor(() => fake.sentTo(ana.id).length === 1);
    const reference = /ref (\w+)/.exec(texts(fake, ana.id)[0]!)?.[1];
    expect(reference).toBeDefined();
    expect(logger.entries.find((e) => e.level === 'error')?.fields['ref']).toBe(reference);
    fake.push(textUpdate('/help', ana));
    await fake.waitFor(() => fake.sentTo(ana.id).length === 2);
    expect(texts(fake, ana.id)[1]).toBe(html(copy.help()));
  });

  it('GIVEN the core throws on a tap THEN the tap is still answered, with the reference', async () => {
    const { api: fake } = await setUp(() => ({ handle: () => Promise.reject(new Error('boom')) }));
    fake.push(tapUpdate(encodePayload({ action: 'rate', movieId: 1, stars: 3 }), ana, { message_id: 1, chat: privateChat(ana) }, fake.queryId()));
    await fake.waitFor((calls: readonly ApiCall[]) => calls.some((c) => c.method === 'answerCallbackQuery'));
    expect(String(answers(fake)[0]!.body['text'])).toMatch(/ref \w+/);
  });

  it('GIVEN a movie title with HTML THEN the card text is escaped', async () => {
    const h = harness([film('Tom & Jerry <3 "Cats"', 1999, ['Comedy'], { rating: 9.5, votes: 3_000_000 }), ...happyCatalog().all]);
    api = await FakeBotApi.start();
    channel = await startBot(api, h.conversation);
    const messages = await feelHappy(api);
    const card = messages.find((m) => String(m['text']).includes('Tom'));
    expect(card!['text']).toContain('Tom &amp; Jerry &lt;3 "Cats" (1999)');
  });
});
