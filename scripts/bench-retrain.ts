/**
 * `retrain.*`: retraining while serving (RELIABILITY.md case 11). The retrain job runs (training in
 * a worker thread) while this process keeps scoring; the event-loop delay p99 is recorded, then the
 * model is hot-swapped repeatedly and resident memory compared before and after.
 */
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { defaultTrainingData } from '../src/app/training-sources.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { openDatabase } from '../src/infra/db/client.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { ModelArtifactStore } from '../src/infra/db/model-artifacts.ts';
import { retrain } from '../src/jobs/retrain.ts';
import { trainInWorker } from '../src/jobs/train-in-worker.ts';
import { OnnxScorer, PopularityScorer } from '../src/ml/onnx-scorer.ts';
import { SwappableScorer } from '../src/ml/swappable-scorer.ts';
import { round, scratchSqlite, type BenchSection } from './bench-lib.ts';

export const retrainBenchmarks: BenchSection = async ({ quick, log }) => {
  const scratch = scratchSqlite('retrain');
  const database = scratch.config;
  await migrateDatabase(database, silentLogger);
  const db = await openDatabase(database);
  const bundled = defaultTrainingData();
  const scorer = new SwappableScorer(new PopularityScorer());
  const modelsDir = join(dirname(database.file), 'models');
  const movies = bundled.movies.slice(0, 2000);
  const user = { userId: 1, ratings: bundled.movies.slice(0, 10).map((movie, i) => ({ movie, stars: 1 + (i % 5) })), favorites: [], viewCount: 5, shownCount: 20 };

  // Serve continuously while the job runs, as the bot would.
  let serving = true;
  let served = 0;
  const serve = (async () => {
    while (serving) {
      await scorer.score({ mood: 'happy', user, candidates: movies });
      served++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const outcome = await retrain({
    database,
    modelsDir,
    scorer,
    store: new ModelArtifactStore(db.prisma),
    logger: silentLogger,
    exportData: () => Promise.resolve({ movies: [], ratings: [], interactions: [], favorites: [] }),
    bundledData: () => bundled,
    train: (data) => trainInWorker(data, { folds: 0 }),
  });
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  serving = false;
  await serve;
  const p99Ms = delay.percentile(99) / 1e6;
  log(`retrain: ${outcome.status} in ${seconds.toFixed(1)} s; ${served} scoring requests served meanwhile; event-loop delay p99 ${p99Ms.toFixed(1)} ms (target < 100)`);

  // Hot swaps: load the same model again and again; memory must stay flat. The first few dozen
  // swaps grow the native allocator's arenas once (measured: +50 MB, then flat for 200 swaps), so
  // growth is measured after a warm-up.
  const swap = async () => {
    await scorer.swap(await OnnxScorer.load(modelsDir));
    await scorer.score({ mood: 'happy', user, candidates: movies });
  };
  for (let i = 0; i < 50; i++) await swap();
  const swaps = quick ? 25 : 100;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < swaps; i++) await swap();
  global.gc?.();
  const rssAfter = process.memoryUsage().rss;
  log(`retrain: ${swaps} hot swaps after 50 warm-up swaps, RSS ${(rssBefore / 1048576).toFixed(0)} → ${(rssAfter / 1048576).toFixed(0)} MB`);
  await scorer.close();
  await db.close();
  await scratch.drop();
  return {
    retrain: {
      status: outcome.status,
      seconds: round(seconds, 2),
      eventLoopDelayP99Ms: round(p99Ms, 1),
      swaps,
      rssGrowthMbOverSwaps: round((rssAfter - rssBefore) / 1048576, 1),
    },
  };
};
