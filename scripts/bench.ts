/**
 * `npm run bench -- [--json] [--only data,ml,turn,retrain,telegram,discord,webhook,delivery] [--quick] [--mysql URL]`
 *
 * Speed and memory figures named in the issues, as medians over repeated runs (the machines are
 * shared and noisy). With --json the last line of stdout is one JSON object whose nested keys are
 * the dotted names of the issues (`{"data":{"import":{"mlLatestSmallMoviesSeconds":…}}}`).
 * MySQL figures use --mysql (default: the local MariaDB, mysql://root@127.0.0.1:3306/test); each
 * run creates and drops its own database.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCatalog } from '../src/catalog/parse-catalog.ts';
import { toSimulationMovies } from '../src/community/catalog-for-simulation.ts';
import { generateCommunity } from '../src/community/generate-community.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { writeCatalog } from '../src/infra/db/catalog-writer.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { median, round, scratchMysql, SHARED_DATA, type BenchSection } from './bench-lib.ts';
import { runCli, UsageError } from './cli.ts';

async function dataBenchmarks(mysqlUrl: string, runs: number, log: (line: string) => void) {
  const moviesFile = join(SHARED_DATA, 'ml-latest-small', 'movies.csv');
  const importSeconds: number[] = [];
  if (existsSync(moviesFile)) {
    for (let run = 0; run < runs; run++) {
      const db = await scratchMysql(mysqlUrl, 'import');
      try {
        await migrateDatabase(db.config, silentLogger);
        const started = performance.now();
        const { movies } = parseCatalog('movielens', moviesFile);
        await writeCatalog(db.config, movies);
        importSeconds.push((performance.now() - started) / 1000);
      } finally {
        await db.drop();
      }
    }
    log(`data.import: ml-latest-small movies.csv (9,742 movies) into MariaDB: median ${median(importSeconds).toFixed(2)} s over ${runs} runs (target ≤ 5 s)`);
  } else {
    log(`data.import skipped: ${moviesFile} not found`);
  }

  const { movies } = parseCatalog('vega');
  const simulation = toSimulationMovies(movies);
  const generateSeconds: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    generateCommunity(simulation, { users: 1000, seed: 42, asOf: new Date('2026-11-24T00:00:00Z') });
    generateSeconds.push((performance.now() - started) / 1000);
  }
  log(`data.generate: 1,000 users: median ${median(generateSeconds).toFixed(3)} s over ${runs} runs (target ≤ 3 s)`);
  return {
    import: importSeconds.length > 0 ? { mlLatestSmallMoviesSeconds: round(median(importSeconds)) } : {},
    generate: { users1000Seconds: round(median(generateSeconds)) },
  };
}

// Sections load lazily, so `--only data` does not load onnxruntime or the chat libraries.
const SECTIONS: Record<string, () => Promise<BenchSection>> = {
  data: () => Promise.resolve(({ mysqlUrl, quick, log }) => dataBenchmarks(mysqlUrl, quick ? 1 : 3, log).then((data) => ({ data }))),
  ml: async () => {
    const { runMlBenchmarks } = await import('../src/ml/bench.ts');
    return async ({ quick, log }) => {
      const figures = (await runMlBenchmarks({ quick, onProgress: log })) as Record<string, unknown>;
      return figures;
    };
  },
  turn: async () => (await import('./bench-turn.ts')).turnBenchmarks,
  retrain: async () => (await import('./bench-retrain.ts')).retrainBenchmarks,
  telegram: async () => (await import('./bench-telegram.ts')).telegramBenchmarks,
  discord: async () => (await import('./bench-discord.ts')).discordBenchmarks,
  webhook: async () => (await import('./bench-webhook.ts')).webhookBenchmarks,
  delivery: async () => (await import('./bench-delivery.ts')).deliveryBenchmarks,
};

runCli(async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        mysql: { type: 'string', default: 'mysql://root@127.0.0.1:3306/test' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const wanted = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SECTIONS);
  const unknown = wanted.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) throw new UsageError(`unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const log = values.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
  const figures: Record<string, unknown> = {};
  for (const name of wanted) {
    const section = await SECTIONS[name]!();
    Object.assign(figures, await section({ mysqlUrl: values.mysql, quick: values.quick, log }));
  }
  if (values.json) console.log(JSON.stringify(figures));
}, 'usage: npm run bench -- [--json] [--only data,ml,turn,retrain,telegram,discord,webhook,delivery] [--quick] [--mysql URL]');
