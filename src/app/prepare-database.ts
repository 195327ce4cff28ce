/**
 * Startup's database step: migrate, connect, and on an empty catalog import the default one
 * (vega-datasets), printing progress. Safe for two processes starting together: migrations take a
 * lock, and the import is an idempotent upsert.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../core/ports/logger.ts';
import { openDatabase, type Database } from '../infra/db/client.ts';
import { migrateDatabase } from '../infra/db/migrate.ts';
import { describeDatabase } from './describe-database.ts';
import { importCatalog } from './import-catalog.ts';

export async function prepareDatabase(config: Config, logger: Logger, print: (line: string) => void): Promise<Database> {
  const target = describeDatabase(config.database);
  const migrated = await migrateDatabase(config.database, logger);
  if (migrated.applied.length > 0) print(`${target}: applied ${migrated.applied.length} migration(s).`);
  const database = await openDatabase(config.database, { poolSize: config.databasePoolSize });
  try {
    const movies = await database.prisma.movie.count();
    if (movies === 0) {
      print(`${target}: no movies yet; importing the default catalog (vega-datasets)…`);
      await importCatalog(config.database, 'vega', undefined, print);
    }
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
