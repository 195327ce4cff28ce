/**
 * The composition root: config → logger → database → chat → shutdown (STYLE.md C6).
 */
import { ConfigError, loadConfig, secretValues, type Config } from './config.ts';
import { createLoggerFromConfig } from './infra/logger.ts';
import { prepareDatabase } from './app/prepare-database.ts';
import { runConsole } from './bots/console/console-adapter.ts';
import { createMinimalChat } from './app/minimal-chat.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLoggerFromConfig(config, secretValues(config));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  const print = (line: string) => process.stderr.write(`${line}\n`);
  const database = await prepareDatabase(config, logger.child({ module: 'db' }), print);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await runConsole(createMinimalChat(database), process.stdin, process.stdout, process.stdin.isTTY === true);
  await shutdown('end of input');
}

main().catch((error: unknown) => {
  process.stderr.write(`Feelms could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
