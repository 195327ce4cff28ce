/**
 * `turn.*` and `process.*`: /feel turns through the real core, on MariaDB with the 9,742-movie
 * ml-latest-small catalog loaded and ONNX models (trained on ml-latest-small's ratings, so every
 * candidate is known to the SVD) serving.
 *
 * This process prepares (scratch database, catalog import and training in child processes, 32 users
 * with 20 ratings each), builds the project (`npm run build`), and then starts the serving process,
 * scripts/bench-turn-serve.ts, compiled and with the production flags (scripts/serving-runtime.ts).
 * The figures are that process's, so its memory is a serving bot's, not the benchmark's or another
 * section's (the ml section alone leaves a few hundred MB of heap behind).
 *
 * - turn.feel.p50Ms / p99Ms: one user at a time, after a warm-up.
 * - turn.feel.throughputPerSecond: 32 users sending /feel back to back for a few seconds.
 * - process.rssMb: resident memory after the concurrent run and a full GC, models loaded.
 * - process.peakRssMb: the serving process's high-water mark over loading and both runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/ports/logger.ts';
import { openDatabase } from '../src/infra/db/client.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { createPrismaRepositories } from '../src/infra/db/repositories/index.ts';
import { projectRoot } from '../src/shared/project-root.ts';
import { round, scratchMysql, SHARED_DATA, type BenchSection } from './bench-lib.ts';
import type { ServeFigures } from './bench-turn-serve.ts';
import { benchUser } from './bench-turn-users.ts';
import { SERVING_ENV, SERVING_NODE_FLAGS } from './serving-runtime.ts';

const SEQUENTIAL_TURNS = 300;
const CONCURRENT_USERS = 32;
const THROUGHPUT_SECONDS = 5;

/** Children get PATH and the like; their database and models are passed explicitly. */
// eslint-disable-next-line no-restricted-properties -- the benchmark's children inherit the environment
const inheritedEnv = () => ({ ...process.env });

export const turnBenchmarks: BenchSection = async ({ mysqlUrl, quick, log }) => {
  const moviesFile = join(SHARED_DATA, 'ml-latest-small', 'movies.csv');
  const ratingsFile = join(SHARED_DATA, 'ml-latest-small', 'ratings.csv');
  if (!existsSync(moviesFile) || !existsSync(ratingsFile)) {
    log(`turn skipped: ${moviesFile} or ratings.csv not found`);
    return {};
  }
  const root = projectRoot();
  const db = await scratchMysql(mysqlUrl, 'turn');
  const modelsDir = mkdtempSync(join(tmpdir(), 'feelms-bench-models-'));
  try {
    await migrateDatabase(db.config, silentLogger);
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', '--source', 'movielens', '--file', moviesFile, '--json'], {
      cwd: root,
      env: { ...inheritedEnv(), DATABASE_URL: db.config.url },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    log('turn: training models on ml-latest-small ratings (npm run train)…');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/train.ts', '--ratings', ratingsFile, '--format', 'mlcsv', '--out', modelsDir, '--json'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });

    // Give every user a taste: 20 ratings each, so fold-in and the forest's user features do real work.
    const database = await openDatabase(db.config, { poolSize: 2 });
    try {
      const repos = createPrismaRepositories(database);
      const someMovies = (await repos.catalog.moviesForMood('happy', 0.5)).slice(0, 400);
      for (let n = 0; n < CONCURRENT_USERS; n++) {
        const { userId } = await repos.users.findOrCreate(benchUser(n));
        for (let i = 0; i < 20; i++) await repos.ratings.rate(userId, someMovies[(n * 13 + i * 7) % someMovies.length]!.id, 1 + ((n + i) % 5));
      }
    } finally {
      await database.close();
    }

    log('turn: building (npm run build) and starting the serving process…');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    const turns = quick ? 100 : SEQUENTIAL_TURNS;
    const seconds = quick ? 2 : THROUGHPUT_SECONDS;
    const output = execFileSync(
      process.execPath,
      [
        ...SERVING_NODE_FLAGS,
        '--expose-gc',
        join('dist', 'scripts', 'bench-turn-serve.js'),
        '--database-url', db.config.url,
        '--models', modelsDir,
        '--users', String(CONCURRENT_USERS),
        '--turns', String(turns),
        '--seconds', String(seconds),
      ],
      { cwd: root, env: { ...inheritedEnv(), ...SERVING_ENV, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    );
    const figures = JSON.parse(output.trim().split('\n').at(-1)!) as ServeFigures;
    const mb = (value: number) => value.toFixed(0);
    log(`turn.feel: p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms over ${turns} sequential turns (targets ≤ 15 / ≤ 60 ms)`);
    log(`turn.feel: ${figures.throughputPerSecond.toFixed(0)} turns/s with ${CONCURRENT_USERS} concurrent users for ${seconds} s (target ≥ 200)`);
    log(`like: p50 ${figures.like.p50Ms.toFixed(1)} ms, p99 ${figures.like.p99Ms.toFixed(1)} ms per /like <title> turn (target p50 ≤ 20 ms)`);
    log(
      `process: RSS ${mb(figures.rssMb.concurrent)} MB after the concurrent run with models loaded (target ≤ 300); ` +
        `${mb(figures.rssMb.loaded)} MB once loaded, ${mb(figures.rssMb.sequential)} MB after the sequential turns, ` +
        `peak ${figures.peakRssMb === null ? 'n/a' : mb(figures.peakRssMb)} MB; V8 heap ${mb(figures.heapUsedMb)}/${mb(figures.heapTotalMb)} MB`,
    );
    return {
      turn: { feel: { p50Ms: round(figures.p50Ms, 2), p99Ms: round(figures.p99Ms, 2), throughputPerSecond: round(figures.throughputPerSecond, 1) } },
      like: { p50Ms: round(figures.like.p50Ms, 2), p99Ms: round(figures.like.p99Ms, 2) },
      process: {
        rssMb: round(figures.rssMb.concurrent, 1),
        loadedRssMb: round(figures.rssMb.loaded, 1),
        ...(figures.peakRssMb === null ? {} : { peakRssMb: round(figures.peakRssMb, 1) }),
      },
    };
  } finally {
    rmSync(modelsDir, { recursive: true, force: true });
    await db.drop();
  }
};
