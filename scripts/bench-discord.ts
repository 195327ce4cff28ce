/**
 * `discord.*` figures for `npm run bench`: how fast the bot acknowledges interactions when the
 * turn itself is slow (RELIABILITY.md case 1, the 3-second rule).
 *
 * 50 concurrent `/feel` interactions from 50 users go through the fake Discord
 * (tests/fakes/discord) to the real bot (startDiscordBot), the real conversation and the real
 * Prisma repositories on a scratch MySQL database (SQLite when MySQL cannot be reached), with the
 * vega catalog. Scoring is slowed to 2 s per call (PopularityScorer behind a delay), so a bot that
 * waited for the core before answering would miss Discord's 3 s window.
 *
 * - `discord.ackP50Ms` / `discord.ackP99Ms`: dispatch on the gateway → first acknowledgement
 *   accepted by the fake (target: p99 ≤ 1,000 ms);
 * - `discord.completeP50Ms` / `discord.completeP99Ms`: dispatch → last message of the answer;
 * - `discord.discordErrors`: 10062/40060/other Discord errors the fake returned (target: 0).
 *
 * The lead wires it into scripts/bench.ts:
 *   discord: async () => (await import('./bench-discord.ts')).discordBenchmarks,
 */
import { buildConversation } from '../src/app/build-conversation.ts';
import { TrackedConversation } from '../src/app/tracked-conversation.ts';
import { startDiscordBot } from '../src/bots/discord/discord-bot.ts';
import { parseCatalog } from '../src/catalog/parse-catalog.ts';
import type { DatabaseConfig } from '../src/config.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import type { MovieScore, ScoreRequest, Scorer } from '../src/core/ports/scorer.ts';
import { writeCatalog } from '../src/infra/db/catalog-writer.ts';
import { openDatabase } from '../src/infra/db/client.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../src/infra/db/repositories/index.ts';
import { PopularityScorer } from '../src/ml/onnx-scorer.ts';
import { FakeDiscordThread } from '../tests/fakes/discord/fake-discord-worker.ts';
import { percentile, round, scratchMysql, scratchSqlite, type BenchSection } from './bench-lib.ts';

const CONCURRENT = 50;
const SCORING_DELAY_MS = 2000;

/** PopularityScorer that takes `delayMs` per call: models as slow as they may get. */
class DelayedScorer implements Scorer {
  readonly name = 'popularity+delay';
  private readonly inner = new PopularityScorer();
  constructor(private readonly delayMs: number) {}
  async score(request: ScoreRequest): Promise<MovieScore[]> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.inner.score(request);
  }
}

async function scratchDatabase(mysqlUrl: string, log: (line: string) => void): Promise<{ config: DatabaseConfig; drop: () => Promise<void> }> {
  try {
    return await scratchMysql(mysqlUrl, 'discord');
  } catch (error) {
    log(`discord: MySQL unavailable (${(error as Error).message}); using a scratch SQLite file`);
    return scratchSqlite('discord');
  }
}

export const discordBenchmarks: BenchSection = async ({ mysqlUrl, quick, log }) => {
  const rounds = quick ? 1 : 3;
  const db = await scratchDatabase(mysqlUrl, log);
  const fake = await FakeDiscordThread.start();
  try {
    await migrateDatabase(db.config, silentLogger);
    await writeCatalog(db.config, parseCatalog('vega').movies);
    const database = await openDatabase(db.config, { poolSize: 10 });
    const repos = createPrismaRepositories(database);
    await repos.catalog.refresh();
    const conversation = new TrackedConversation(
      buildConversation({ blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 1000, windowSeconds: 10 } }, repos, new DelayedScorer(SCORING_DELAY_MS), silentLogger),
    );
    const bot = await startDiscordBot({ conversation, config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot }, logger: silentLogger });
    const ack: number[] = [];
    const firstBurstAck: number[] = [];
    const complete: number[] = [];
    const errors: number[] = [];
    try {
      // No warm-up: the first burst hits a freshly started bot, as after a deploy.
      for (let round = 0; round < rounds; round++) {
        const burst = await fake.feelBurst(CONCURRENT, `round${round}`);
        await bot.idle();
        ack.push(...burst.ackMs);
        if (round === 0) firstBurstAck.push(...burst.ackMs);
        complete.push(...burst.completeMs);
        errors.push(...burst.errors);
      }
    } finally {
      await bot.stop();
      await database.close();
    }
    const answered = ack.filter((ms) => ms >= 0);
    const unanswered = ack.length - answered.length;
    // An interaction never acknowledged counts as the worst case in the percentiles.
    const ackForPercentiles = ack.map((ms) => (ms >= 0 ? ms : Number.POSITIVE_INFINITY));
    const figures = {
      ackP50Ms: round(percentile(ackForPercentiles, 50), 1),
      ackP99Ms: round(percentile(ackForPercentiles, 99), 1),
      firstBurstAckP99Ms: round(percentile(firstBurstAck.map((ms) => (ms >= 0 ? ms : Number.POSITIVE_INFINITY)), 99), 1),
      completeP50Ms: round(percentile(complete, 50), 1),
      completeP99Ms: round(percentile(complete, 99), 1),
      interactions: ack.length,
      unanswered,
      discordErrors: errors.length,
      concurrent: CONCURRENT,
      scoringDelayMs: SCORING_DELAY_MS,
      database: db.config.kind,
    };
    log(
      `discord: ${CONCURRENT} concurrent /feel × ${rounds} round(s), scoring slowed to ${SCORING_DELAY_MS} ms: first acknowledgement p50 ${figures.ackP50Ms} ms, p99 ${figures.ackP99Ms} ms (target ≤ 1,000 ms; first burst after start p99 ${figures.firstBurstAckP99Ms} ms); ` +
        `full answer p50 ${figures.completeP50Ms} ms, p99 ${figures.completeP99Ms} ms; Discord errors ${errors.length}${errors.length > 0 ? ` (${[...new Set(errors)].join(', ')})` : ''}, unanswered ${unanswered}`,
    );
    return { discord: figures };
  } finally {
    await fake.close();
    await db.drop();
  }
};
