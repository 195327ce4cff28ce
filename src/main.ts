/**
 * The composition root (STYLE.md C6): config → logger → database → models → core → channels →
 * shutdown. Configuration and the database are checked before any chat platform is contacted, so
 * a crash loop never burns Discord IDENTIFYs or Telegram polls (RELIABILITY.md case 14).
 */
import { ConfigError, loadConfig, secretValues, type Config } from './config.ts';
import { buildConversation } from './app/build-conversation.ts';
import { prepareDatabase } from './app/prepare-database.ts';
import { TrackedConversation } from './app/tracked-conversation.ts';
import type { RunningChannel } from './bots/channel.ts';
import { consoleRateLimitExempt, runConsole } from './bots/console/console-adapter.ts';
import { HttpServer, healthHandler, Metrics } from './infra/http/http-server.ts';
import { createPrismaRepositories } from './infra/db/repositories/index.ts';
import { createLoggerFromConfig } from './infra/logger.ts';
import { StorageBreaker } from './delivery/breaker.ts';
import { OutageSpool } from './delivery/spool.ts';
import { PrismaDeliveryStore } from './infra/db/delivery-store.ts';
import { TransactionScope } from './infra/db/transaction-scope.ts';
import { loadScorer } from './ml/onnx-scorer.ts';
import { SwappableScorer } from './ml/swappable-scorer.ts';
import { defaultTrainingData } from './app/training-sources.ts';
import { ModelArtifactStore } from './infra/db/model-artifacts.ts';
import { exportTrainingData } from './infra/db/training-export.ts';
import { startJobs } from './jobs/jobs.ts';
import { syncModel } from './jobs/model-sync.ts';
import { retrain } from './jobs/retrain.ts';
import { trainInWorker } from './jobs/train-in-worker.ts';

/** A clean exit after SIGINT/SIGTERM must happen within 8 s (RELIABILITY.md case 13). */
const SHUTDOWN_DEADLINE_MS = 7_500;
/** How long in-flight turns may finish once intake has stopped. */
const DRAIN_MS = 4_000;

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
  process.on('uncaughtException', (error) => logger.fatal({ err: error }, 'uncaught exception'));
  const print = (line: string) => process.stderr.write(`${line}\n`);

  const database = await prepareDatabase(config, logger.child({ module: 'db' }), print);
  // One transaction per turn; while the database is down, turns are answered at once (src/delivery/README.md).
  const transactions = new TransactionScope(database.prisma, database.kind);
  const metrics = new Metrics();
  const breaker = new StorageBreaker(() => database.ping(), {
    log: logger.child({ module: 'db' }),
    reachable: () => database.reachable(),
    onChange: (open) => metrics.increment('database_breaker_changes_total', { state: open ? 'open' : 'closed' }),
  });
  const deliveryStore = new PrismaDeliveryStore(transactions, breaker);
  const repos = createPrismaRepositories(database, { catalogMaxAgeMs: 10 * 60_000, transactions });
  await repos.catalog.refresh();
  const modelLogger = logger.child({ module: 'models' });
  const scorer = new SwappableScorer(await loadScorer(config.modelsDir, modelLogger, { intraOpNumThreads: config.onnxThreads }));
  const artifacts = new ModelArtifactStore(database.prisma);
  const modelSync = { modelsDir: config.modelsDir, scorer, store: artifacts, logger: modelLogger, onnxThreads: config.onnxThreads };
  // Another replica may have published a newer model than the one on this disk.
  await syncModel(modelSync).catch((err: unknown) => modelLogger.warn({ err }, 'could not check for a published model'));
  const conversation = new TrackedConversation(
    buildConversation(config, repos, scorer, logger, undefined, consoleRateLimitExempt),
    metrics,
    transactions,
    breaker,
  );

  const channels: RunningChannel[] = [];
  let jobs: { stop(): Promise<void> } | null = null;
  let http: HttpServer | null = null;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let closing = false;
  const shutdown = async (reason: string, code = 0) => {
    if (closing) return;
    closing = true;
    logger.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.warn({ reason, inFlight: conversation.pending }, 'shutdown took too long; exiting');
      process.exit(code);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    resolveStopped();
    // Stop intake first, let in-flight turns finish, then close the listener and the database.
    await jobs?.stop();
    await Promise.all(channels.map((channel) => channel.stop().catch((err: unknown) => logger.warn({ err, channel: channel.name }, 'channel stop failed'))));
    if (!(await conversation.drain(DRAIN_MS))) logger.warn({ inFlight: conversation.pending }, 'in-flight turns cut at shutdown');
    await http?.close();
    breaker.stop();
    await scorer.close().catch(() => undefined);
    await database.close().catch((err: unknown) => logger.warn({ err }, 'closing the database failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  if (config.httpPort !== null) {
    http = new HttpServer(logger.child({ module: 'http' }));
    http.route('GET', '/healthz', healthHandler({ pingDatabase: () => database.ping(), scorerName: () => scorer.name, channels: () => Object.fromEntries(channels.map((c) => [c.name, c.status()])) }));
    http.route('GET', '/metrics', metrics.handler());
    const port = await http.listen(config.httpPort, config.httpHost);
    logger.info({ host: config.httpHost, port }, 'http listening');
  }

  if (config.telegram) {
    const { startTelegramBot } = await import('./bots/telegram/telegram-bot.ts');
    channels.push(
      await startTelegramBot({
        conversation,
        config: config.telegram,
        logger: logger.child({ module: 'telegram' }),
        http,
        metrics,
        delivery: { store: deliveryStore, breaker, spool: new OutageSpool(config.spoolDir, 'telegram', logger.child({ module: 'spool' })) },
      }),
    );
  }
  if (config.discord) {
    const { startDiscordBot } = await import('./bots/discord/discord-bot.ts');
    channels.push(await startDiscordBot({ conversation, config: config.discord, logger: logger.child({ module: 'discord' }), metrics, delivery: { store: deliveryStore, breaker } }));
  }
  if (channels.length > 0) {
    // Long-running bots retrain and follow published models; a console session does neither.
    jobs = startJobs(
      [
        {
          name: 'retrain',
          schedule: config.retrainCron,
          run: () =>
            retrain({
              ...modelSync,
              database: config.database,
              exportData: async () => exportTrainingData(database.prisma, await repos.catalog.allMovies()),
              bundledData: () => defaultTrainingData(),
              train: (data) => trainInWorker(data),
            }),
        },
        { name: 'model-sync', schedule: '*/5 * * * *', run: () => syncModel(modelSync) },
      ],
      logger.child({ module: 'jobs' }),
    );
  }
  logger.info({ scorer: scorer.name, database: config.database.kind, channels: channels.map((c) => c.name), console: config.console }, 'ready');

  if (config.console) {
    await runConsole(conversation, { input: process.stdin, output: process.stdout, interactive: process.stdin.isTTY === true, stopped });
    // With a bot running too, the console closing (end of input) does not stop the bot.
    if (channels.length === 0) await shutdown('end of input');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Feelms could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
