/**
 * End to end: the real telegraf client, started by startTelegramBot in long-polling mode, talks to
 * the npm package telegram-test-api (a Bot API emulator) on 127.0.0.1, while a test-api client
 * plays the user: /start → tap a mood → tap ★4 → tap ❤ → /favorites. The conversation runs on the
 * real Prisma repositories over a fresh SQLite file and, with TEST_MYSQL_URL, a fresh MariaDB
 * database; the rows are checked there.
 *
 * The emulator has no sendPhoto, setMyCommands or getWebhookInfo: the posters fall back to text,
 * the command menu is skipped and the webhook check is logged, which this test also covers.
 * Pacing is shortened (driver.ts FAST_TUNING) so the flow takes seconds, not the 1 message/s per
 * chat of production; pacer.test.ts holds the production limits.
 */
import { createServer } from 'node:net';
import TelegramTestApi from 'telegram-test-api';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConversation } from '../../../src/app/build-conversation.ts';
import { emotionWeightsForGenres } from '../../../src/catalog/genres.ts';
import type { CatalogMovie } from '../../../src/catalog/catalog-movie.ts';
import { startTelegramBot, type TelegramChannel } from '../../../src/bots/telegram/telegram-bot.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { openBulkConnection } from '../../../src/infra/db/bulk.ts';
import { writeCatalog } from '../../../src/infra/db/catalog-writer.ts';
import { openDatabase, type Database } from '../../../src/infra/db/client.ts';
import { migrateDatabase } from '../../../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../../../src/infra/db/repositories/index.ts';
import { PopularityScorer } from '../../../src/ml/onnx-scorer.ts';
import { recordingLogger } from '../../core/support.ts';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.ts';
import { FAST_TUNING } from './driver.ts';

const TOKEN = '5550001:E2E-test-token-for-the-emulator';

type InlineKeyboardJson = { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> };

interface BotMessage {
  messageId: number;
  message: { text?: string; reply_markup?: InlineKeyboardJson };
}

/** The parts of telegram-test-api this test uses (its bundled typings need the absent `typegram` package). */
interface EmulatorClient {
  makeCommand(text: string): object;
  makeCallbackQuery(data: string, options: { message: { message_id: number } }): object;
  sendCommand(command: object): Promise<unknown>;
  sendCallback(query: object): Promise<unknown>;
  getUpdates(): Promise<{ result: BotMessage[] }>;
}
interface Emulator {
  config: { apiURL: string };
  storage: { botMessages: BotMessage[] };
  start(): Promise<void>;
  stop(): Promise<boolean>;
  getClient(token: string, options: { userId: number; chatId: number; firstName: string; userName: string; timeout: number }): EmulatorClient;
}
const TelegramServer = TelegramTestApi as unknown as new (config: { port: number; host: string; storeTimeout: number }) => Emulator;
const USER_ID = 7001;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Comedies (happy), half of them with a poster the emulator cannot send. */
const CATALOG: CatalogMovie[] = Array.from({ length: 8 }, (_, i) => ({
  source: 'e2e',
  sourceId: String(i + 1),
  title: `Comedy & Co ${i + 1}`,
  year: 1990 + i,
  runtimeMinutes: 90 + i,
  genres: ['Comedy'],
  certificate: 'PG',
  imdbRating: 8 - i * 0.1,
  imdbVotes: 900_000 - i * 50_000,
  criticScore: 70,
  director: 'Jane Doe',
  cast: ['Ana Actor'],
  posterUrl: i % 2 === 0 ? `https://img.example/${i + 1}.jpg` : null,
  overview: 'Funny.',
  imdbId: `tt${1_000_000 + i}`,
  emotions: emotionWeightsForGenres(['Comedy']),
}));

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`Telegram end to end against telegram-test-api, on ${kind}`, () => {
    let db: TestDatabase | undefined;
    let database: Database | undefined;
    let server: Emulator | undefined;
    let channel: TelegramChannel | undefined;

    afterEach(async () => {
      await channel?.stop();
      await server?.stop();
      await database?.close();
      await db?.drop();
      channel = undefined;
      server = undefined;
      database = undefined;
      db = undefined;
    });

    it('GIVEN /start THEN the mood grid; WHEN Happy, ★4 and ❤ are tapped THEN cards, a ✅ keyboard and the rows in the database; /favorites lists the favorite; 🔁 on a card lists movies like it', async () => {
      db = await fresh('telegram_e2e');
      await migrateDatabase(db.config, silentLogger);
      await writeCatalog(db.config, CATALOG);
      database = await openDatabase(db.config);
      const repos = createPrismaRepositories(database);
      const conversation = buildConversation({ blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 50, windowSeconds: 10 } }, repos, new PopularityScorer(), silentLogger);

      const port = await freePort();
      server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
      await server.start();
      const logger = recordingLogger();
      channel = await startTelegramBot({
        conversation,
        config: { token: TOKEN, apiRoot: server.config.apiURL, webhook: null, forcePolling: false },
        logger,
        http: null,
        tuning: FAST_TUNING,
      });
      expect(channel.me.username).toBe('TestNameBot');
      expect(channel.status()).toBe('polling');

      const client = server.getClient(TOKEN, { userId: USER_ID, chatId: USER_ID, firstName: 'Ana', userName: 'ana', timeout: 15_000 });
      const received: BotMessage[] = [];
      const waitForMessages = async (count: number) => {
        while (received.length < count) received.push(...(await client.getUpdates()).result);
        return received.slice(0, count);
      };
      const buttons = (m: BotMessage) => m.message.reply_markup?.inline_keyboard?.flat() ?? [];
      const tap = (m: BotMessage, label: RegExp) => {
        const button = buttons(m).find((b) => label.test(b.text));
        if (!button) throw new Error(`no ${String(label)} on ${JSON.stringify(m.message)}`);
        return client.sendCallback(client.makeCallbackQuery(button.callback_data, { message: { message_id: m.messageId } }));
      };

      await client.sendCommand(client.makeCommand('/start'));
      const [greeting] = await waitForMessages(1);
      expect(greeting!.message.text).toMatch(/^Hi Ana! I'm Feelms/);
      expect(buttons(greeting!).map((b) => b.text)).toContain('😄 Happy');

      await tap(greeting!, /Happy/);
      const page = (await waitForMessages(8)).slice(1);
      const cards = page.filter((m) => /^<a href=.*><b>\d\. /.test(m.message.text ?? ''));
      expect(page[0]!.message.text).toMatch(/Movies for when you feel happy/);
      expect(cards).toHaveLength(5);
      expect(cards[0]!.message.text).toContain('Comedy &amp; Co');
      for (const card of cards) expect(buttons(card).map((b) => b.text)).toEqual(['★1', '★2', '★3', '★4', '★5', '❤ Favorite', '🙈 Not for me', 'ℹ Details', '🔁 Similar']);
      expect(logger.entries.some((e) => /poster could not be sent/.test(e.message))).toBe(true);

      const rated = cards[0]!;
      const ratedMovie = Number(/^f1\|r\|(\d+)\|/.exec(buttons(rated)[0]!.callback_data)![1]);
      await tap(rated, /★4/);
      await expect.poll(() => JSON.stringify(server!.storage.botMessages.find((m) => m.messageId === rated.messageId)?.message.reply_markup), { timeout: 10_000 }).toContain('✅ ★4');

      const favorite = cards[1]!;
      const favoriteMovie = Number(/^f1\|r\|(\d+)\|/.exec(buttons(favorite)[0]!.callback_data)![1]);
      await tap(favorite, /Favorite/);
      await expect.poll(() => JSON.stringify(server!.storage.botMessages.find((m) => m.messageId === favorite.messageId)?.message.reply_markup), { timeout: 10_000 }).toContain('✅ 💔 Unfavorite');

      await client.sendCommand(client.makeCommand('/favorites'));
      const [title, listed] = (await waitForMessages(10)).slice(8);
      expect(title!.message.text).toBe('Your favorites (1):');
      expect(listed!.message.text).toContain(`Comedy &amp; Co`);
      expect(buttons(listed!).map((b) => b.text)).toEqual(['💔 Unfavorite', '🔁 Similar']);

      const bulk = await openBulkConnection(db.config);
      try {
        const rows = (sql: string) => bulk.all(sql);
        const [account] = await rows("SELECT platform, externalId, userId FROM platform_accounts");
        expect(account).toEqual(expect.objectContaining({ platform: 'telegram', externalId: String(USER_ID) }));
        expect(await rows('SELECT movieId, stars FROM ratings')).toEqual([expect.objectContaining({ movieId: ratedMovie, stars: 4 })]);
        expect((await rows('SELECT movieId FROM favorites')).map((r) => Number(r['movieId']))).toEqual([favoriteMovie]);
        expect(Number((await rows("SELECT COUNT(*) AS n FROM interactions WHERE kind = 'shown'"))[0]!['n'])).toBe(5);
        expect(Number((await rows('SELECT COUNT(*) AS n FROM users'))[0]!['n'])).toBe(1);
      } finally {
        await bulk.close();
      }

      // 🔁 on card 3: a list of movies like it (not it, nor what Ana rated or favorited), numbered for /rate.
      const seed = cards[2]!;
      const seedHeading = /<b>3\. (.+?)<\/b>/.exec(seed.message.text ?? '')![1]!;
      await tap(seed, /Similar/);
      const similar = (await waitForMessages(17)).slice(10);
      expect(similar[0]!.message.text).toBe(`🔁 More like ${seedHeading}:`);
      const likeCards = similar.filter((m) => /^<a href=.*><b>\d\. /.test(m.message.text ?? ''));
      expect(likeCards).toHaveLength(5);
      const likeIds = likeCards.map((card) => Number(/^f1\|r\|(\d+)\|/.exec(buttons(card)[0]!.callback_data)![1]));
      expect(likeIds).not.toContain(ratedMovie);
      expect(likeIds).not.toContain(favoriteMovie);
      for (const card of likeCards) expect(buttons(card).map((b) => b.text)).toContain('🔁 Similar');
      expect(buttons(similar[6]!).map((b) => b.text)).toEqual(['➡ More']);
      const after = await openBulkConnection(db.config);
      try {
        expect(Number((await after.all("SELECT COUNT(*) AS n FROM interactions WHERE kind = 'shown'"))[0]!['n'])).toBe(10);
      } finally {
        await after.close();
      }
    }, 60_000);
  });
}
