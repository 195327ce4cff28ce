/** `npm run data:import -- --source vega|imdb|movielens [--file PATH] [--json]` */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { CATALOG_SOURCES, type CatalogSource } from '../src/catalog/parse-catalog.ts';
import { describeDatabase } from '../src/app/describe-database.ts';
import { importCatalog } from '../src/app/import-catalog.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { runCli, UsageError } from './cli.ts';

const USAGE = `usage: npm run data:import -- --source vega|imdb|movielens [--file PATH] [--json]
  vega       vega-datasets movies.json (default file: the installed package)
  imdb       Kaggle "IMDB top 1000" CSV (--file required)
  movielens  ml-latest movies.csv or ml-100k u.item (--file required)`;

runCli(async () => {
  let values;
  try {
    ({ values } = parseArgs({ options: { source: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const source = values.source ?? 'vega';
  if (!(CATALOG_SOURCES as readonly string[]).includes(source)) throw new UsageError(`unknown --source "${source}"`);
  const config = loadConfig();
  await migrateDatabase(config.database, silentLogger);
  const print = values.json ? () => undefined : (line: string) => console.log(line);
  print(`Importing ${source} into ${describeDatabase(config.database)}…`);
  const outcome = await importCatalog(config.database, source as CatalogSource, values.file, print);
  print(`Done in ${outcome.seconds.toFixed(2)} s.`);
  if (values.json) {
    console.log(JSON.stringify({ source, file: outcome.report.file, rowsRead: outcome.report.rowsRead, ...outcome.written, fixed: outcome.report.fixed, dropped: outcome.report.dropped, flagged: outcome.report.flagged, badRows: outcome.report.problemCount, unmappedGenres: outcome.report.unmappedGenres, seconds: outcome.seconds }));
  }
}, USAGE);
