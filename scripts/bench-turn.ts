/**
 * `turn.*` and `process.rssMb`: /feel turns through the real core, on MariaDB with the 9,742-movie
 * ml-latest-small catalog loaded and ONNX models (trained on ml-latest-small's ratings, so every
 * candidate is known to the SVD) serving.
 *
 * - turn.feel.p50Ms / p99Ms: one user at a time, after a warm-up.
 * - turn.feel.throughputPerSecond: 32 users sending /feel back to back for a few seconds.
 * - process.rssMb: resident memory of this process with the models loaded, after the runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConversation } from '../src/app/build-conversation.ts';
import type { ChannelUser } from '../src/core/conversation/turn.ts';
import { EMOTIONS } from '../src/core/domain/emotions.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { openDatabase } from '../src/infra/db/client.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../src/infra/db/repositories/index.ts';
import { OnnxScorer } from '../src/ml/onnx-scorer.ts';
import { projectRoot } from '../src/shared/project-root.ts';
import { median, percentile, round, scratchMysql, SHARED_DATA, type BenchSection } from './bench-lib.ts';

const SEQUENTIAL_TURNS = 300;
const CONCURRENT_USERS = 32;
const THROUGHPUT_SECONDS = 5;

export const turnBenchmarks: BenchSection = async ({ mysqlUrl, quick, log }) => {
  const moviesFile = join(SHARED_DATA, 'ml-latest-small', 'movies.csv');
  const ratingsFile = join(SHARED_DATA, 'ml-latest-small', 'ratings.csv');
  if (!existsSync(moviesFile) || !existsSync(ratingsFile)) {
    log(`turn skipped: ${moviesFile} or ratings.csv not found`);
    return {};
  }
  const db = await scratchMysql(mysqlUrl, 'turn');
  try {
    await migrateDatabase(db.config, silentLogger);
    // Imported by the CLI in a child process, like an operator would: this process then holds only what
    // a serving bot holds (the cached catalog and the loaded models), which is what process.rssMb measures.
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', '--source', 'movielens', '--file', moviesFile, '--json'], {
      cwd: projectRoot(),
      // eslint-disable-next-line no-restricted-properties -- the child needs PATH; its database is set explicitly
      env: { ...process.env, DATABASE_URL: db.config.url },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Trained in a child process, so this process holds what a serving bot holds: loaded models only.
    log('turn: training models on ml-latest-small ratings (npm run train)…');
    const modelsDir = mkdtempSync(join(tmpdir(), 'feelms-bench-models-'));
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/train.ts', '--ratings', ratingsFile, '--format', 'mlcsv', '--out', modelsDir, '--json'], {
      cwd: projectRoot(),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const scorer = await OnnxScorer.load(modelsDir);

    const database = await openDatabase(db.config, { poolSize: 10 });
    const repos = createPrismaRepositories(database);
    await repos.catalog.refresh();
    const conversation = buildConversation(
      { blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: 1_000_000, windowSeconds: 1 } },
      repos,
      scorer,
      silentLogger,
    );
    const user = (n: number): ChannelUser => ({ platform: 'console', platformUserId: `bench-${n}`, displayName: `Bench ${n}` });
    // Give every user a taste: 20 ratings each, so fold-in and the forest's user features do real work.
    const someMovies = (await repos.catalog.moviesForMood('happy', 0.5)).slice(0, 400);
    for (let n = 0; n < CONCURRENT_USERS; n++) {
      const { userId } = await repos.users.findOrCreate(user(n));
      for (let i = 0; i < 20; i++) await repos.ratings.rate(userId, someMovies[(n * 13 + i * 7) % someMovies.length]!.id, 1 + ((n + i) % 5));
    }
    const feel = (n: number, i: number) => conversation.handle({ kind: 'command', name: 'feel', args: EMOTIONS[i % EMOTIONS.length]!, user: user(n) });

    for (let i = 0; i < 30; i++) await feel(0, i);
    const latencies: number[] = [];
    const turns = quick ? 100 : SEQUENTIAL_TURNS;
    for (let i = 0; i < turns; i++) {
      const started = performance.now();
      await feel(i % CONCURRENT_USERS, i);
      latencies.push(performance.now() - started);
    }
    log(`turn.feel: p50 ${median(latencies).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms over ${turns} sequential turns (targets ≤ 15 / ≤ 60 ms)`);

    let completed = 0;
    const seconds = quick ? 2 : THROUGHPUT_SECONDS;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENT_USERS }, async (_, n) => {
        for (let i = 0; performance.now() < deadline; i++) {
          await feel(n, i);
          completed++;
        }
      }),
    );
    const throughput = completed / ((performance.now() - started) / 1000);
    global.gc?.();
    const memory = process.memoryUsage();
    const rssMb = memory.rss / 1024 / 1024;
    log(`turn: memory rss ${(memory.rss / 1048576).toFixed(0)} MB, V8 heap ${(memory.heapUsed / 1048576).toFixed(0)}/${(memory.heapTotal / 1048576).toFixed(0)} MB, external ${(memory.external / 1048576).toFixed(0)} MB`);
    log(`turn.feel: ${throughput.toFixed(0)} turns/s with ${CONCURRENT_USERS} concurrent users (target ≥ 200); RSS ${rssMb.toFixed(0)} MB with models loaded (target ≤ 300)`);
    await scorer.close();
    await database.close();
    return {
      turn: { feel: { p50Ms: round(median(latencies), 2), p99Ms: round(percentile(latencies, 99), 2), throughputPerSecond: round(throughput, 1) } },
      process: { rssMb: round(rssMb, 1) },
    };
  } finally {
    await db.drop();
  }
};
