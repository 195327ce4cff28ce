/**
 * `npm run data:generate -- --users 1000 --seed 42 --out DIR [--as-of YYYY-MM-DD] [--load] [--json]`
 * Simulates the prototype's community over the default catalog (vega-datasets) and writes users.csv,
 * interactions.csv, favorites.csv and ratings.csv. `--load` also loads it into DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { parseCatalog } from '../src/catalog/parse-catalog.ts';
import { toSimulationMovies } from '../src/community/catalog-for-simulation.ts';
import { writeCommunityFiles } from '../src/community/community-files.ts';
import { generateCommunity, startOfUtcDay } from '../src/community/generate-community.ts';
import { describeDatabase } from '../src/app/describe-database.ts';
import { importCatalog } from '../src/app/import-catalog.ts';
import { loadCommunity } from '../src/infra/db/community-writer.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { runCli, UsageError } from './cli.ts';

const USAGE = 'usage: npm run data:generate -- --users 1000 --seed 42 --out DIR [--as-of YYYY-MM-DD] [--load] [--json]';

runCli(async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        users: { type: 'string', default: '1000' },
        seed: { type: 'string', default: '42' },
        out: { type: 'string', default: 'data/generated' },
        'as-of': { type: 'string' },
        load: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const users = Number(values.users);
  const seed = Number(values.seed);
  if (!Number.isInteger(users) || users < 1 || users > 1_000_000) throw new UsageError('--users must be a whole number from 1 to 1000000');
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  const asOf = values['as-of'] ? new Date(`${values['as-of']}T00:00:00Z`) : startOfUtcDay();
  if (Number.isNaN(asOf.getTime())) throw new UsageError('--as-of must be a date such as 2026-11-24');

  const started = performance.now();
  const { movies } = parseCatalog('vega');
  const community = generateCommunity(toSimulationMovies(movies), { users, seed, asOf });
  const paths = writeCommunityFiles(values.out, community);
  const seconds = (performance.now() - started) / 1000;
  const views = community.interactions.filter((i) => i.kind === 'view').length;
  const summary = {
    users: community.users.length,
    activeUsers: community.users.filter((u) => u.segment === 'active').length,
    interactions: community.interactions.length,
    views,
    favorites: community.favorites.length,
    ratings: community.ratings.length,
    seconds,
    out: values.out,
    loaded: null as null | Awaited<ReturnType<typeof loadCommunity>>,
  };
  if (!values.json) {
    console.log(`Simulated ${summary.users} users (${summary.activeUsers} active) over the year to ${asOf.toISOString().slice(0, 10)} in ${seconds.toFixed(2)} s:`);
    console.log(`  ${summary.interactions} interactions (${views} views), ${summary.favorites} favorites, ${summary.ratings} ratings`);
    for (const path of Object.values(paths)) console.log(`  wrote ${path}`);
  }
  if (values.load) {
    const config = loadConfig();
    await migrateDatabase(config.database, silentLogger);
    await importCatalog(config.database, 'vega', undefined, values.json ? () => undefined : (line) => console.log(line));
    summary.loaded = await loadCommunity(config.database, community);
    if (!values.json) console.log(`Loaded into ${describeDatabase(config.database)}: ${JSON.stringify(summary.loaded)}`);
  }
  if (values.json) console.log(JSON.stringify(summary));
}, USAGE);
