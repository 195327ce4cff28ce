/**
 * The serving half of the turn benchmark, started by scripts/bench-turn.ts: a process that holds what a
 * serving bot holds (Prisma on MariaDB, the cached catalog, the ONNX models, the core, the delivery
 * inbox and outbox: every turn is recorded, applied in a transaction with its replies, and its
 * replies cleared, as the adapters do) and nothing of
 * the benchmark's setup, run compiled with the production flags (scripts/serving-runtime.ts), so its
 * resident memory is what `docker stats` would show. Prints one JSON line of figures on stdout.
 *
 * `node --expose-gc dist/scripts/bench-turn-serve.js --database-url URL --models DIR --users 32 --turns 300 --seconds 5`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildConversation } from '../src/app/build-conversation.ts';
import { TrackedConversation } from '../src/app/tracked-conversation.ts';
import type { Inbound } from '../src/core/conversation/turn.ts';
import { StorageBreaker } from '../src/delivery/breaker.ts';
import { DEFAULT_TUNING } from '../src/bots/telegram/telegram-bot.ts';
import { ChatScheduler } from '../src/delivery/chat-scheduler.ts';
import { SentReplies } from '../src/delivery/sent-replies.ts';
import { PrismaDeliveryStore } from '../src/infra/db/delivery-store.ts';
import { TransactionScope } from '../src/infra/db/transaction-scope.ts';
import { EMOTIONS } from '../src/core/domain/emotions.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { openDatabase } from '../src/infra/db/client.ts';
import { createPrismaRepositories } from '../src/infra/db/repositories/index.ts';
import { OnnxScorer } from '../src/ml/onnx-scorer.ts';
import { median, percentile } from './bench-stats.ts';
import { benchUser } from './bench-turn-users.ts';

export interface ServeFigures {
  p50Ms: number;
  p99Ms: number;
  throughputPerSecond: number;
  /** Resident memory after a full GC: once loaded, after the sequential turns, after the concurrent run. */
  rssMb: { loaded: number; sequential: number; concurrent: number };
  /** The process's high-water mark (Linux VmHWM), null where /proc is missing. */
  peakRssMb: number | null;
  heapUsedMb: number;
  heapTotalMb: number;
  /** `/like <title>` turns (title search, the item model, the page's scores), after a warm-up that builds the title index. */
  like: { p50Ms: number; p99Ms: number };
}

function settledRssMb(): number {
  global.gc?.();
  return process.memoryUsage().rss / 1048576;
}

function peakRssMb(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function serve(): Promise<ServeFigures> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      models: { type: 'string' },
      users: { type: 'string', default: '32' },
      turns: { type: 'string', default: '300' },
      seconds: { type: 'string', default: '5' },
    },
  });
  if (!values['database-url'] || !values.models) throw new Error('--database-url and --models are required');
  const users = Number(values.users);
  const turns = Number(values.turns);
  const seconds = Number(values.seconds);

  const database = await openDatabase({ kind: 'mysql', url: values['database-url'] }, { poolSize: 10 });
  const scorer = await OnnxScorer.load(values.models);
  const breaker = new StorageBreaker(() => database.ping(), { log: silentLogger });
  try {
    // As the bot runs it: turns in transactions, through the inbox and the outbox (src/delivery).
    const transactions = new TransactionScope(database.prisma, database.kind);
    const repos = createPrismaRepositories(database, { transactions });
    await repos.catalog.refresh();
    const store = new PrismaDeliveryStore(transactions, breaker);
    const conversation = new TrackedConversation(
      buildConversation(
        { blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 1_000_000, windowSeconds: 1 } },
        repos,
        scorer,
        silentLogger,
      ),
      undefined,
      transactions,
      breaker,
    );
    let updateId = 0;
    // Sent replies are cleared in batches every 50 ms, as the adapters' senders do.
    const sent = new SentReplies(store, silentLogger);
    /** What an adapter does with one update: record it, apply it with its replies, then clear the sent replies. */
    const apply = async (inbound: Inbound): Promise<void> => {
      const key = { platform: 'telegram' as const, updateKey: String(++updateId) };
      await store.record({ ...key, chatKey: inbound.user.platformUserId, payload: JSON.stringify(inbound) });
      const applied = await store.apply(key, async () => {
        const turn = await conversation.handle(inbound);
        const expiresAt = new Date(Date.now() + 60_000);
        return { value: turn, outbox: turn.messages.map((message) => ({ chatKey: inbound.user.platformUserId, payload: JSON.stringify(message), expiresAt })) };
      });
      for (const message of applied?.outbox ?? []) sent.mark(message);
    };
    // Turns run through the bot's fair queues, with its concurrency (src/bots/telegram/telegram-bot.ts).
    const scheduler = new ChatScheduler(
      { concurrency: DEFAULT_TUNING.turnConcurrency, maxQueuedPerChat: DEFAULT_TUNING.maxQueuedPerChat, maxQueuedPerActor: DEFAULT_TUNING.maxQueuedPerActor },
      silentLogger,
    );
    const delivered = (inbound: Inbound): Promise<void> =>
      new Promise((resolve, reject) => {
        if (!scheduler.enqueue(inbound.user.platformUserId, () => apply(inbound).then(resolve, reject), inbound.user.platformUserId)) reject(new Error('queue full'));
      });
    const feel = (n: number, i: number) => delivered({ kind: 'command', name: 'feel', args: EMOTIONS[i % EMOTIONS.length]!, user: benchUser(n) });
    const loaded = settledRssMb();

    for (let i = 0; i < 30; i++) await feel(0, i);
    const latencies: number[] = [];
    for (let i = 0; i < turns; i++) {
      const started = performance.now();
      await feel(i % users, i);
      latencies.push(performance.now() - started);
    }
    const sequential = settledRssMb();

    let completed = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: users }, async (_, n) => {
        for (let i = 0; performance.now() < deadline; i++) {
          await feel(n, i);
          completed++;
        }
      }),
    );
    const throughputPerSecond = completed / ((performance.now() - started) / 1000);
    const concurrent = settledRssMb();

    // /like: titles as people type them: every 97th movie of the catalog, lower case, some with a typo
    // (two letters swapped) and some with the year.
    const catalog = await repos.catalog.allMovies();
    const queries = catalog
      .filter((_, i) => i % 97 === 0)
      .map((movie, i) => {
        const title = movie.title.toLowerCase();
        const typo = i % 3 === 1 && title.length > 6 ? `${title.slice(0, 3)}${title[4]}${title[3]}${title.slice(5)}` : title;
        return i % 3 === 2 && movie.year !== null ? `${typo} ${movie.year}` : typo;
      });
    const like = (n: number, i: number) => delivered({ kind: 'command', name: 'like', args: queries[i % queries.length]!, user: benchUser(n) });
    for (let i = 0; i < 10; i++) await like(0, i);
    const likeLatencies: number[] = [];
    for (let i = 0; i < Math.min(turns, 200); i++) {
      const likeStarted = performance.now();
      await like(i % users, i);
      likeLatencies.push(performance.now() - likeStarted);
    }
    await sent.close();
    const memory = process.memoryUsage();
    return {
      p50Ms: median(latencies),
      p99Ms: percentile(latencies, 99),
      throughputPerSecond,
      rssMb: { loaded, sequential, concurrent },
      peakRssMb: peakRssMb(),
      heapUsedMb: memory.heapUsed / 1048576,
      heapTotalMb: memory.heapTotal / 1048576,
      like: { p50Ms: median(likeLatencies), p99Ms: percentile(likeLatencies, 99) },
    };
  } finally {
    await scorer.close();
    breaker.stop();
    await database.close();
  }
}

serve().then(
  (figures) => {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench-turn-serve: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
