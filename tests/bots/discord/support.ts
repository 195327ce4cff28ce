/**
 * The Discord end-to-end harness: a fresh database (SQLite, or MySQL with TEST_MYSQL_URL) with a
 * small catalog, the real Prisma repositories and conversation, the fake Discord, and the real bot
 * started by startDiscordBot. Also a capturing logger that serialises errors completely (own
 * non-enumerable properties included), so a leaked token cannot hide inside an Error.
 */
import type { Conversation } from '../../../src/core/conversation/turn.ts';
import type { Logger } from '../../../src/core/ports/logger.ts';
import type { MovieScore, ScoreRequest, Scorer } from '../../../src/core/ports/scorer.ts';
import { buildConversation } from '../../../src/app/build-conversation.ts';
import { TrackedConversation } from '../../../src/app/tracked-conversation.ts';
import { startDiscordBot, type DiscordBotOptions, type RunningDiscordBot } from '../../../src/bots/discord/discord-bot.ts';
import type { CatalogMovie } from '../../../src/catalog/catalog-movie.ts';
import { writeCatalog } from '../../../src/infra/db/catalog-writer.ts';
import { openDatabase, type Database } from '../../../src/infra/db/client.ts';
import { migrateDatabase } from '../../../src/infra/db/migrate.ts';
import { createPrismaRepositories, type PrismaRepositories } from '../../../src/infra/db/repositories/index.ts';
import { PopularityScorer } from '../../../src/ml/onnx-scorer.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { FakeDiscord, type FakeDiscordOptions } from '../../fakes/discord/fake-discord.ts';
import type { TestDatabase } from '../../helpers/databases.ts';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: object;
  message: string;
  bindings: Record<string, unknown>;
}

/** Everything, including an Error's non-enumerable message/stack and any own property (url, requestBody). */
function serialise(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => serialise(item, seen));
  const out: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(value)) out[key] = serialise((value as Record<string, unknown>)[key], seen);
  return out;
}

export class CaptureLogger implements Logger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  debug(fields: object, message: string): void {
    this.entries.push({ level: 'debug', fields, message, bindings: this.bindings });
  }
  info(fields: object, message: string): void {
    this.entries.push({ level: 'info', fields, message, bindings: this.bindings });
  }
  warn(fields: object, message: string): void {
    this.entries.push({ level: 'warn', fields, message, bindings: this.bindings });
  }
  error(fields: object, message: string): void {
    this.entries.push({ level: 'error', fields, message, bindings: this.bindings });
  }
  child(bindings: Record<string, unknown>): Logger {
    return new CaptureLogger(this.entries, { ...this.bindings, ...bindings });
  }
  /** Every entry, fully serialised, one JSON line each. */
  text(): string {
    return this.entries.map((entry) => JSON.stringify(serialise(entry))).join('\n');
  }
  find(message: string | RegExp): LogEntry[] {
    return this.entries.filter((entry) => (typeof message === 'string' ? entry.message === message : message.test(entry.message)));
  }
}

let sourceCounter = 0;

/** A catalog row with what a card shows: genres, runtime, poster and IMDb id (override to leave them out). */
export function catalogMovie(title: string, overrides: Partial<CatalogMovie> = {}): CatalogMovie {
  sourceCounter++;
  return {
    source: 'test',
    sourceId: `m${sourceCounter}`,
    title,
    year: 1990 + (sourceCounter % 30),
    runtimeMinutes: 90 + sourceCounter,
    genres: ['Comedy'],
    certificate: 'PG',
    imdbRating: 6 + (sourceCounter % 30) / 10,
    imdbVotes: 10_000 * sourceCounter,
    criticScore: 70,
    director: 'Jane Doe',
    cast: ['Ana Actor'],
    posterUrl: `https://posters.example.com/${sourceCounter}.jpg`,
    overview: `A film about ${title.toLowerCase()}.`,
    imdbId: `tt${String(100_000 + sourceCounter).padStart(7, '0')}`,
    emotions: { happy: 0.9 },
    ...overrides,
  };
}

/** Twelve happy movies over four primary genres (the ranking allows two per genre per page), one without poster or IMDb id. */
export function happyCatalog(): CatalogMovie[] {
  const genres = [['Comedy'], ['Animation', 'Comedy'], ['Family', 'Adventure'], ['Musical', 'Romance']];
  return Array.from({ length: 12 }, (_, i) =>
    catalogMovie(i === 0 ? 'Plain *Markdown* Movie' : `Happy Movie ${i}`, {
      genres: genres[i % genres.length]!,
      ...(i === 0 ? { posterUrl: null, imdbId: null } : {}),
    }),
  );
}

/** PopularityScorer that takes `delayMs` per call: the "slow models" of RELIABILITY.md case 1. */
export class SlowScorer implements Scorer {
  readonly name = 'slow-popularity';
  private readonly inner = new PopularityScorer();
  constructor(public delayMs: number) {}
  async score(request: ScoreRequest): Promise<MovieScore[]> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.inner.score(request);
  }
}

export interface Harness {
  fake: FakeDiscord;
  bot: RunningDiscordBot;
  db: Database;
  repos: PrismaRepositories;
  conversation: Conversation;
  scorer: SlowScorer;
  log: CaptureLogger;
  close(): Promise<void>;
}

export interface HarnessOptions {
  fake?: FakeDiscordOptions;
  /** Wraps the conversation the bot gets (to inject failures). */
  wrap?: (conversation: Conversation) => Conversation;
  bot?: Partial<DiscordBotOptions>;
  /** Where the bot logs, instead of the harness's CaptureLogger (which still gets the core's logs). */
  botLogger?: Logger;
}

export async function startHarness(testDb: TestDatabase, options: HarnessOptions = {}): Promise<Harness> {
  await migrateDatabase(testDb.config, silentLogger);
  await writeCatalog(testDb.config, [...happyCatalog(), catalogMovie('Calm Movie', { genres: ['Drama'], emotions: { relaxed: 0.9 } })]);
  const db = await openDatabase(testDb.config, { poolSize: 5 });
  const repos = createPrismaRepositories(db);
  const scorer = new SlowScorer(0);
  const log = new CaptureLogger();
  const core = new TrackedConversation(buildConversation({ blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 1000, windowSeconds: 10 } }, repos, scorer, log));
  const conversation = options.wrap ? options.wrap(core) : core;
  const fake = await FakeDiscord.start(options.fake);
  let bot: RunningDiscordBot;
  try {
    bot = await startDiscordBot({
      conversation,
      config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot },
      logger: options.botLogger ?? log.child({ module: 'discord' }),
      rest: { retries: 0, timeout: 5_000 },
      ...options.bot,
    });
  } catch (error) {
    await fake.close();
    await db.close();
    throw error;
  }
  return {
    fake,
    bot,
    db,
    repos,
    conversation,
    scorer,
    log,
    close: async () => {
      await bot.stop();
      await fake.close();
      await db.close();
    },
  };
}

/** Waits until the bot has received every interaction the fake delivered, and answered them all. */
export async function settle(h: Pick<Harness, 'fake' | 'bot'>): Promise<void> {
  const delivered = [...h.fake.interactions.values()].reduce((n, record) => n + record.deliveries, 0);
  await h.fake.waitFor(() => h.bot.received >= delivered, 10_000, `${delivered} interactions received`);
  await h.bot.idle();
}
