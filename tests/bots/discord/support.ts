/**
 * The Discord end-to-end harness: a fresh database (SQLite, or MySQL with TEST_MYSQL_URL) with a
 * small catalog, the real Prisma repositories and conversation, the fake Discord, and the real bot
 * started by startDiscordBot. Also a capturing logger that serialises errors completely (own
 * non-enumerable properties included), so a leaked token cannot hide inside an Error.
 *
 * `durable: {}` wires delivery as main.ts does: turns in one transaction (TransactionScope), the
 * inbox and outbox on the same database (PrismaDeliveryStore), the breaker; `startReplica` starts
 * a second bot process's worth (its own store owner and conversation) over the same database.
 */
import type { Conversation } from '../../../src/core/conversation/turn.ts';
import type { Logger } from '../../../src/core/ports/logger.ts';
import type { Repositories } from '../../../src/core/ports/repositories.ts';
import { StorageBreaker } from '../../../src/delivery/breaker.ts';
import { PrismaDeliveryStore } from '../../../src/infra/db/delivery-store.ts';
import { TransactionScope } from '../../../src/infra/db/transaction-scope.ts';
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

/** Delivery as main.ts wires it (with `durable`). */
export interface DurableDelivery {
  scope: TransactionScope;
  store: PrismaDeliveryStore;
  breaker: StorageBreaker;
  /** An outage as the breaker sees it: true opens it and fails its probes; false lets the next probe close it. */
  outage(down: boolean): void;
}

export interface Harness {
  fake: FakeDiscord;
  bot: RunningDiscordBot;
  db: Database;
  repos: PrismaRepositories;
  conversation: Conversation;
  scorer: SlowScorer;
  log: CaptureLogger;
  /** Set with `durable`. */
  durable: DurableDelivery | null;
  close(): Promise<void>;
}

export interface HarnessOptions {
  fake?: FakeDiscordOptions;
  /** Wraps the conversation the bot gets (to inject failures). */
  wrap?: (conversation: Conversation) => Conversation;
  bot?: Partial<DiscordBotOptions>;
  /** Where the bot logs, instead of the harness's CaptureLogger (which still gets the core's logs). */
  botLogger?: Logger;
  /** Wraps the repositories the conversation gets (to make one fail half-way through a turn). */
  repos?: (repos: PrismaRepositories) => Repositories;
  /**
   * Durable delivery on the test database, as in production; `owner` names this "process" in the
   * store; `sweepIntervalMs` how often the bot looks for work other processes left (default 10 s).
   */
  durable?: { owner?: string; sweepIntervalMs?: number };
}

/** A transaction scope, breaker, store and conversation over `db`, as main.ts builds them. */
function durableDelivery(db: Database, owner: string | undefined): DurableDelivery {
  const scope = new TransactionScope(db.prisma, db.kind);
  let down = false;
  const probe = () => (down ? Promise.reject(new Error('simulated outage')) : db.ping());
  const breaker = new StorageBreaker(probe, { log: silentLogger, probeIntervalMs: 100 });
  const store = new PrismaDeliveryStore(scope, breaker, owner === undefined ? {} : { owner });
  return {
    scope,
    store,
    breaker,
    outage: (value) => {
      down = value;
      if (value) breaker.trip(new Error('simulated outage'));
    },
  };
}

function conversationOver(repos: Repositories, scorer: Scorer, log: Logger, durable: DurableDelivery | null): TrackedConversation {
  return new TrackedConversation(
    buildConversation({ blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 1000, windowSeconds: 10 } }, repos, scorer, log),
    undefined,
    durable?.scope,
    durable?.breaker,
  );
}

export async function startHarness(testDb: TestDatabase, options: HarnessOptions = {}): Promise<Harness> {
  await migrateDatabase(testDb.config, silentLogger);
  await writeCatalog(testDb.config, [...happyCatalog(), catalogMovie('Calm Movie', { genres: ['Drama'], emotions: { relaxed: 0.9 } })]);
  const db = await openDatabase(testDb.config, { poolSize: 5 });
  const durable = options.durable ? durableDelivery(db, options.durable.owner) : null;
  const repos = createPrismaRepositories(db, durable ? { transactions: durable.scope } : {});
  // As main.ts does: loaded before any turn (on SQLite a load inside a turn's transaction would wait for it).
  await repos.catalog.refresh();
  const scorer = new SlowScorer(0);
  const log = new CaptureLogger();
  const core = conversationOver(options.repos ? options.repos(repos) : repos, scorer, log, durable);
  const conversation = options.wrap ? options.wrap(core) : core;
  const fake = await FakeDiscord.start(options.fake);
  let bot: RunningDiscordBot;
  try {
    bot = await startDiscordBot({
      conversation,
      config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot },
      logger: options.botLogger ?? log.child({ module: 'discord' }),
      rest: { retries: 0, timeout: 5_000 },
      ...(durable
        ? {
            delivery: {
              store: durable.store,
              breaker: durable.breaker,
              retryDelayMs: 50,
              ...(options.durable?.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.durable.sweepIntervalMs } : {}),
            },
          }
        : {}),
      ...options.bot,
    });
  } catch (error) {
    durable?.breaker.stop();
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
    durable,
    close: async () => {
      await bot.stop();
      durable?.breaker.stop();
      await fake.close();
      await db.close();
    },
  };
}

export interface Replica {
  fake: FakeDiscord;
  bot: RunningDiscordBot;
  durable: DurableDelivery;
  log: CaptureLogger;
  /** Stops this bot (and its fake, when it has its own). */
  close(): Promise<void>;
}

/**
 * Another bot process over the harness's database: its own store owner, conversation and logger,
 * connected to the harness's fake Discord (both get every interaction, as two sessions would) or to
 * a fake of its own.
 */
export async function startReplica(h: Harness, options: { owner: string; ownFake?: boolean }): Promise<Replica> {
  const durable = durableDelivery(h.db, options.owner);
  const repos = createPrismaRepositories(h.db, { transactions: durable.scope });
  await repos.catalog.refresh();
  const log = new CaptureLogger();
  const conversation = conversationOver(repos, h.scorer, log, durable);
  const fake = options.ownFake ? await FakeDiscord.start() : h.fake;
  const bot = await startDiscordBot({
    conversation,
    config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot },
    logger: log.child({ module: 'discord' }),
    rest: { retries: 0, timeout: 5_000 },
    delivery: { store: durable.store, breaker: durable.breaker, retryDelayMs: 50 },
  });
  return {
    fake,
    bot,
    durable,
    log,
    close: async () => {
      await bot.stop();
      durable.breaker.stop();
      if (options.ownFake) await fake.close();
    },
  };
}

/** Waits until the bot has received every interaction the fake delivered, and answered them all. */
export async function settle(h: Pick<Harness, 'fake' | 'bot'>): Promise<void> {
  const delivered = [...h.fake.interactions.values()].reduce((n, record) => n + record.deliveries, 0);
  await h.fake.waitFor(() => h.bot.received >= delivered, 10_000, `${delivered} interactions received`);
  await h.bot.idle();
}
