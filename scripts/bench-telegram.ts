/**
 * `telegram.callbackAckP99Ms` for `npm run bench`: how fast a button tap is answered
 * (answerCallbackQuery) while the core is slow. Scoring is slowed to 2 s (a PopularityScorer behind a
 * 2 s delay), so every mood tap's turn takes over 2 s; the adapter must still answer each tap within
 * 1 s (target p99 ≤ 1,000 ms): ack first, then work.
 *
 * Set-up: the real adapter (startTelegramBot, production tuning, long polling) against the fake Bot
 * API of tests/bots/telegram, on a scratch SQLite database with the default catalog. 50 users each
 * tap a mood button, 25 taps a second; 3 such runs (1 with --quick), back to back, so each run's
 * taps meet the previous run's replies going out. Latency = from the fake API handing the update
 * to the bot (the getUpdates response) to the fake API receiving answerCallbackQuery for it.
 * Figures are medians over runs of each run's p99 and p50 (the machines are shared and noisy).
 *
 * Exported as a section for scripts/bench.ts (which runs on import, so it is not imported here);
 * `npx tsx scripts/bench-telegram.ts` runs it alone and prints the JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConversation } from '../src/app/build-conversation.ts';
import { importCatalog } from '../src/app/import-catalog.ts';
import { startTelegramBot } from '../src/bots/telegram/telegram-bot.ts';
import type { DatabaseConfig } from '../src/config.ts';
import { encodePayload } from '../src/core/conversation/payload.ts';
import { EMOTIONS } from '../src/core/domain/emotions.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import type { MovieScore, Scorer, ScoreRequest } from '../src/core/ports/scorer.ts';
import { openDatabase } from '../src/infra/db/client.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../src/infra/db/repositories/index.ts';
import { PopularityScorer } from '../src/ml/onnx-scorer.ts';
import { FakeBotApi } from '../tests/bots/telegram/fake-bot-api.ts';
import { aTelegramUser, privateChat, tapUpdate } from '../tests/bots/telegram/updates.ts';
import { median, percentile, round, type BenchSection } from './bench-lib.ts';

const SCORING_DELAY_MS = 2_000;
const TAPS = 50;
const TAPS_PER_SECOND = 25;
const TOKEN = '100200300:bench-telegram-token';

/** A scorer that takes `delayMs` longer than the one it wraps: a slow model or an overloaded host. */
export class SlowScorer implements Scorer {
  readonly name: string;

  constructor(
    private readonly inner: Scorer,
    private readonly delayMs: number,
  ) {
    this.name = `slow(${inner.name})`;
  }

  async score(request: ScoreRequest): Promise<MovieScore[]> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.inner.score(request);
  }
}

export const telegramBenchmarks: BenchSection = async ({ quick, log }) => {
  const runs = quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'feelms-bench-telegram-'));
  const file = join(dir, 'feelms.db');
  const config: DatabaseConfig = { kind: 'sqlite', url: `file:${file}`, file };
  await migrateDatabase(config, silentLogger);
  await importCatalog(config, 'vega', undefined, () => undefined);
  const database = await openDatabase(config);
  const api = await FakeBotApi.start();
  try {
    const repos = createPrismaRepositories(database);
    await repos.catalog.refresh(); // as main.ts does before serving
    const conversation = buildConversation(
      { blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 10, windowSeconds: 10 } },
      repos,
      new SlowScorer(new PopularityScorer(), SCORING_DELAY_MS),
      silentLogger,
    );
    const channel = await startTelegramBot({ conversation, config: { token: TOKEN, apiRoot: api.url, webhook: null, forcePolling: false }, logger: silentLogger, http: null });
    try {
      await api.waitFor((calls) => calls.some((call) => call.method === 'getUpdates' && call.body['timeout']), 10_000, 'polling');
      const updateOf = new Map<string, number>();
      const rounds: Array<{ p50: number; p99: number }> = [];
      const all: number[] = [];
      for (let round = 0; round < runs; round++) {
        const answeredBefore = api.callsOf('answerCallbackQuery').length;
        for (let i = 0; i < TAPS; i++) {
          const user = aTelegramUser(`Bench${round}x${i}`, 900_000 + round * 1_000 + i);
          const queryId = api.queryId();
          const mood = EMOTIONS[i % EMOTIONS.length]!;
          const [updateId] = api.push(tapUpdate(encodePayload({ action: 'mood', mood }), user, { message_id: 1, chat: privateChat(user) }, queryId));
          updateOf.set(queryId, updateId!);
          await new Promise((resolve) => setTimeout(resolve, 1_000 / TAPS_PER_SECOND));
        }
        await api.waitFor((calls) => calls.filter((call) => call.method === 'answerCallbackQuery').length >= answeredBefore + TAPS, 30_000, 'every tap answered');
        const latencies = api.callsOf('answerCallbackQuery').slice(answeredBefore).map((call) => {
          const updateId = updateOf.get(String(call.body['callback_query_id']));
          const delivered = updateId === undefined ? undefined : api.delivered.get(updateId);
          if (delivered === undefined) throw new Error(`answer for an unknown query ${String(call.body['callback_query_id'])}`);
          return call.at - delivered;
        });
        rounds.push({ p50: percentile(latencies, 50), p99: percentile(latencies, 99) });
        all.push(...latencies);
        // Let this round's turns finish (their replies keep going out during the next round).
        await new Promise((resolve) => setTimeout(resolve, SCORING_DELAY_MS + 500));
      }
      const p50 = median(rounds.map((r) => r.p50));
      const p99 = median(rounds.map((r) => r.p99));
      log(
        `telegram.callbackAck: ${runs} × ${TAPS} mood taps with scoring slowed to ${SCORING_DELAY_MS / 1000} s: p99 ${p99.toFixed(0)} ms, p50 ${p50.toFixed(0)} ms (medians over runs; ` +
          `per run p99 ${rounds.map((r) => r.p99.toFixed(0)).join(', ')} ms; all ${all.length} taps: p99 ${percentile(all, 99).toFixed(0)}, max ${Math.max(...all).toFixed(0)} ms) (target p99 ≤ 1,000 ms)`,
      );
      return { telegram: { callbackAckP99Ms: round(p99, 1), callbackAckP50Ms: round(p50, 1) } };
    } finally {
      await channel.stop();
    }
  } finally {
    await api.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await telegramBenchmarks({ mysqlUrl: '', quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
