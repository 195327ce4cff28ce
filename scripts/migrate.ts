/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (SQLite data/feelms.db when unset). */
import { loadConfig } from '../src/config.ts';
import { describeDatabase } from '../src/app/describe-database.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { runCli } from './cli.ts';

runCli(async () => {
  const config = loadConfig();
  const result = await migrateDatabase(config.database, silentLogger);
  const target = describeDatabase(config.database);
  if (result.applied.length === 0) console.log(`${target}: up to date (${result.alreadyApplied} migrations applied earlier).`);
  for (const name of result.applied) console.log(`${target}: applied ${name}`);
}, 'usage: npm run db:migrate   (reads DATABASE_URL)');
