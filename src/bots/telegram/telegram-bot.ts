/**
 * The Telegram channel's glue: starts telegraf in long-polling or webhook mode and hands every
 * update to the UpdateHandler. No business logic here (STYLE.md C1); see README.md in this folder
 * for commands, modes and Telegram's quirks.
 *
 * Start-up: getMe (a refused token fails start-up; network errors are retried a few times), the
 * command menu (setMyCommands: a failure is logged and ignored), then
 * - webhook mode (config.webhook set): the route on the HTTP server, then setWebhook with the secret;
 * - polling: refuse when Telegram reports a webhook (polling would delete it) unless forcePolling,
 *   then `bot.launch()` in the background: it does not return while polling, so it is never awaited
 *   here. A 409 Conflict (another process polls with this token) is logged and retried with backoff.
 * `stop()` stops intake, lets in-flight updates finish for a bounded time, then drops what is
 * still queued, so main.ts can exit within 8 s.
 * @example
 * const channel = await startTelegramBot({ conversation, config: config.telegram, logger, http, metrics });
 * process.once('SIGTERM', () => void channel.stop());
 */
import { setMaxListeners } from 'node:events';
import { Telegraf, type Types } from 'telegraf';
import type { Update, UserFromGetMe } from 'telegraf/types';
import type { Config } from '../../config.ts';
import type { Conversation } from '../../core/conversation/turn.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { RunningChannel } from '../channel.ts';
import { errorCode, TelegramApi, type Counter } from './api.ts';
import { Pacer, sleep, TELEGRAM_LIMITS, type PacingLimits } from './pacer.ts';
import { commandMenu } from './render.ts';
import { UpdateHandler } from './update-handler.ts';
import { webhookHandler, type HttpRoutes } from './webhook.ts';

export type TelegramConfig = NonNullable<Config['telegram']>;

/** Timings and limits; production uses the defaults, tests shorten some. */
export interface TelegramTuning {
  /** A tap's answer waits this long for the core's toast, then answers without it. */
  ackWaitMs: number;
  pacing: PacingLimits;
  /** First wait after a 409 Conflict or a polling failure; doubles up to maxRetryBackoffMs. */
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** stop() returns within about this long. */
  stopTimeoutMs: number;
  maxWebhookBodyBytes: number;
  maxInFlightUpdates: number;
  /** getMe attempts at start-up (network errors only). */
  startAttempts: number;
}

export const DEFAULT_TUNING: TelegramTuning = {
  ackWaitMs: 300,
  pacing: TELEGRAM_LIMITS,
  retryBackoffMs: 2_000,
  maxRetryBackoffMs: 60_000,
  stopTimeoutMs: 5_000,
  maxWebhookBodyBytes: 256 * 1024,
  maxInFlightUpdates: 200,
  startAttempts: 3,
};

export interface TelegramBotOptions {
  conversation: Conversation;
  config: TelegramConfig;
  logger: Logger;
  /** The process's HTTP server (listening already); required in webhook mode. */
  http: HttpRoutes | null;
  metrics?: Counter;
  tuning?: Partial<TelegramTuning>;
}

export interface TelegramChannel extends RunningChannel {
  /** The bot's own account, from getMe. */
  readonly me: UserFromGetMe;
}

/** Only what the bot handles: Telegram then does not send the rest at all. */
const ALLOWED_UPDATES: Types.UpdateType[] = ['message', 'callback_query'];

/** Start-up refused: Telegram has a webhook set, and polling would delete it. */
export class TelegramWebhookSetError extends Error {
  readonly code = 'TELEGRAM_WEBHOOK_SET';
  constructor(host: string) {
    super(
      `Telegram has a webhook set (to ${host}); polling would delete it. Set TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET to run in webhook mode, or TELEGRAM_FORCE_POLLING=1 to poll anyway.`,
    );
    this.name = 'TelegramWebhookSetError';
  }
}

/** Start-up failed: the token was refused, or Telegram could not be reached. */
export class TelegramStartError extends Error {
  readonly code = 'TELEGRAM_START';
  constructor(message: string) {
    super(message);
    this.name = 'TelegramStartError';
  }
}

const webhookHost = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return 'an unreadable URL';
  }
};

/** The local route for the public webhook URL: its path (a reverse proxy must keep it). */
export function webhookPath(url: string): string {
  const path = new URL(url).pathname;
  return path === '' ? '/' : path;
}

export async function startTelegramBot(options: TelegramBotOptions): Promise<TelegramChannel> {
  const { config, conversation, logger: log, metrics } = options;
  const tuning: TelegramTuning = { ...DEFAULT_TUNING, ...options.tuning };
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal); // every 429 wait listens for it
  let status = 'starting';

  const bot = new Telegraf(config.token, { telegram: { webhookReply: false, ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}) } });
  const api = new TelegramApi(bot.telegram, { log, token: config.token, signal: stopping.signal, ...(metrics ? { metrics } : {}) });
  const pacer = new Pacer(tuning.pacing);

  const me = await getMe(api, tuning.startAttempts, log);
  bot.botInfo = me;
  const handler = new UpdateHandler({
    conversation,
    api,
    pacer,
    bot: { id: me.id, username: me.username },
    log,
    ackWaitMs: tuning.ackWaitMs,
    maxInFlight: tuning.maxInFlightUpdates,
    ...(metrics ? { metrics } : {}),
  });
  // telegraf's default handler rethrows, which stops polling: errors go to the adapter's one catch.
  bot.catch((error, ctx) => handler.fail(error, { update: ctx.update, answered: false }));
  bot.use((ctx) => handler.accept(ctx.update));

  try {
    await api.call('setMyCommands', { commands: commandMenu() });
  } catch (error) {
    log.warn(api.describe(error), 'could not publish the command menu (setMyCommands); going on without it');
  }

  /** Refuses to poll over a webhook unless told to; an unreadable answer is logged and polling goes on. */
  const checkNoWebhook = async (): Promise<void> => {
    let url: string;
    try {
      url = (await api.call('getWebhookInfo', {})).url ?? '';
    } catch (error) {
      log.warn(api.describe(error), 'could not check for a webhook (getWebhookInfo); polling anyway');
      return;
    }
    if (!url) return;
    if (!config.forcePolling) throw new TelegramWebhookSetError(webhookHost(url));
    log.warn({ webhookHost: webhookHost(url) }, 'a webhook is set; TELEGRAM_FORCE_POLLING is on, so polling deletes it');
  };

  let polling: Promise<void> = Promise.resolve();
  const runPolling = async (): Promise<void> => {
    let backoff = tuning.retryBackoffMs;
    for (let round = 0; !stopping.signal.aborted; round++) {
      if (round > 0) {
        try {
          await checkNoWebhook();
        } catch (error) {
          status = 'refused';
          log.error({ error: (error as Error).message }, 'polling stopped: a webhook was set meanwhile');
          return;
        }
      }
      status = 'polling';
      const started = Date.now();
      try {
        await bot.launch({ allowedUpdates: ALLOWED_UPDATES, dropPendingUpdates: false });
        return; // launch() resolves only once bot.stop() has ended polling
      } catch (error) {
        if (stopping.signal.aborted) return;
        if (Date.now() - started > tuning.maxRetryBackoffMs) backoff = tuning.retryBackoffMs; // it had been working
        const code = errorCode(error);
        if (code === 401) {
          status = 'unauthorized';
          log.error(api.describe(error), 'Telegram refused the bot token (401); polling stopped');
          return;
        }
        if (code === 409) {
          status = 'conflict';
          log.error(
            { ...api.describe(error), retryInMs: backoff },
            'Telegram reports a conflict (409): another process is polling with this bot token, or a webhook is set. Only one instance may poll; retrying',
          );
        } else {
          status = 'reconnecting';
          log.error({ ...api.describe(error), retryInMs: backoff }, 'polling failed; retrying');
        }
        metrics?.increment('telegram_polling_restarts_total', { code: String(code ?? 'network') });
        await sleep(backoff, stopping.signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, tuning.maxRetryBackoffMs);
      }
    }
  };

  if (config.webhook) {
    const { url, secret } = config.webhook;
    if (!options.http) throw new TelegramStartError('Telegram webhook mode needs the HTTP server: set HTTP_PORT.');
    const path = webhookPath(url);
    options.http.route(
      'POST',
      path,
      webhookHandler({
        secret,
        maxBodyBytes: tuning.maxWebhookBodyBytes,
        accept: (update) => bot.handleUpdate(update as unknown as Update),
        isOpen: () => !stopping.signal.aborted,
        log,
        ...(metrics ? { metrics } : {}),
      }),
    );
    await api.call('setWebhook', { url, secret_token: secret, allowed_updates: ALLOWED_UPDATES, drop_pending_updates: false });
    status = 'webhook';
    log.info({ bot: me.username, mode: 'webhook', path }, 'telegram bot started');
  } else {
    await checkNoWebhook();
    // Not awaited: launch() does not return while polling. Failures are handled inside.
    polling = runPolling();
    log.info({ bot: me.username, mode: 'polling' }, 'telegram bot started');
  }

  /**
   * bot.stop() aborts the pending getUpdates; telegraf then confirms the last batch (offset) and
   * launch() resolves. It throws while launch() has not started polling yet (getMe/deleteWebhook
   * in flight), so it is repeated until the polling loop has ended, or the time is up.
   */
  const stopPolling = async (until: number): Promise<void> => {
    let ended = false;
    void polling.then(() => (ended = true));
    while (!ended && Date.now() < until) {
      try {
        bot.stop('shutdown');
      } catch {
        // "Bot is not running!": launch() is still starting.
      }
      await Promise.race([polling, sleep(25)]);
    }
  };

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const deadline = Date.now() + tuning.stopTimeoutMs;
      status = 'stopping';
      stopping.abort();
      if (!config.webhook) await stopPolling(Date.now() + Math.min(1_500, tuning.stopTimeoutMs));
      const drained = await handler.idle(Math.max(0, deadline - Date.now()));
      if (!drained) log.warn({ pending: handler.pending, queuedMessages: pacer.pending }, 'stopping with updates still in progress; their remaining replies are dropped');
      pacer.close();
      status = 'stopped';
      log.info({}, 'telegram bot stopped');
    })();
    return stopped;
  };

  return { name: 'telegram', me, status: () => status, stop };
}

async function getMe(api: TelegramApi, attempts: number, log: Logger): Promise<UserFromGetMe> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.call('getMe', {});
    } catch (error) {
      const code = errorCode(error);
      if (code === 401 || code === 404) throw new TelegramStartError(`Telegram refused TELEGRAM_BOT_TOKEN (${code}): check the token from @BotFather.`);
      if (attempt >= attempts) {
        const reason = api.describe(error);
        throw new TelegramStartError(`Telegram could not be reached (getMe failed ${attempts} times): ${String(reason['description'] ?? reason['message'] ?? reason['error'])}`);
      }
      log.warn({ attempt, ...api.describe(error) }, 'getMe failed; retrying');
      await sleep(1_000 * attempt);
    }
  }
}
