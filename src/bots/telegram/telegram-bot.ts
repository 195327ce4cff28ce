/**
 * The Telegram channel's glue: starts telegraf in long-polling or webhook mode and hands every
 * update to the UpdateHandler. No business logic here (STYLE.md C1); see README.md in this folder
 * for commands, modes and Telegram's quirks.
 *
 * Start-up: getMe (a refused token fails start-up; network errors are retried a few times), the
 * command menu (setMyCommands: a failure is logged and ignored), then
 * - webhook mode (config.webhook set): the route on the HTTP server, then setWebhook with the secret;
 * - polling: refuse when Telegram reports a webhook (polling would delete it) unless forcePolling,
 *   then our own getUpdates loop (poller.ts) in the background, which confirms an update only once
 *   it is in the inbox. A 409 Conflict (another process polls with this token) is logged and
 *   retried with backoff.
 * Every update goes to the UpdateHandler (inbox, fair queues, outbox: src/delivery/README.md), which
 * then also takes over work a crashed or stopped process left.
 * `stop()` stops intake, lets running turns finish for a bounded time, and leaves what is left in
 * the inbox and outbox for the next process, so main.ts can exit within 8 s.
 * @example
 * const channel = await startTelegramBot({ conversation, config: config.telegram, logger, http, metrics });
 * process.once('SIGTERM', () => void channel.stop());
 */
import { setMaxListeners } from 'node:events';
import { Telegram, type Types } from 'telegraf';
import type { UserFromGetMe } from 'telegraf/types';
import type { Config } from '../../config.ts';
import type { Conversation } from '../../core/conversation/turn.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { MemoryDeliveryStore } from '../../delivery/memory-store.ts';
import type { DeliveryStore } from '../../delivery/ports.ts';
import type { OutageSpool } from '../../delivery/spool.ts';
import type { RunningChannel } from '../channel.ts';
import { errorCode, TelegramApi, type Counter } from './api.ts';
import { Pacer, sleep, TELEGRAM_LIMITS, type PacingLimits } from './pacer.ts';
import { commandMenu } from './render.ts';
import { pollUpdates } from './poller.ts';
import { UpdateHandler, type BreakerView } from './update-handler.ts';
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
  /** Turns running at once over all chats, and turns queued per chat and per member of a chat (more are dropped with a notice). */
  turnConcurrency: number;
  maxQueuedPerChat: number;
  maxQueuedPerActor: number;
  /** How often work a crashed process left is looked for; and when a pending update counts as abandoned. */
  sweepIntervalMs: number;
  staleAfterMs: number;
  /** getUpdates' long-poll timeout. */
  pollTimeoutSeconds: number;
}

export const DEFAULT_TUNING: TelegramTuning = {
  ackWaitMs: 300,
  pacing: TELEGRAM_LIMITS,
  retryBackoffMs: 2_000,
  maxRetryBackoffMs: 60_000,
  stopTimeoutMs: 5_000,
  maxWebhookBodyBytes: 256 * 1024,
  maxInFlightUpdates: 64,
  startAttempts: 3,
  turnConcurrency: 8,
  maxQueuedPerChat: 100,
  maxQueuedPerActor: 10,
  sweepIntervalMs: 10_000,
  staleAfterMs: 120_000,
  pollTimeoutSeconds: 50,
};

export interface TelegramBotOptions {
  conversation: Conversation;
  config: TelegramConfig;
  logger: Logger;
  /** The process's HTTP server (listening already); required in webhook mode. */
  http: HttpRoutes | null;
  metrics?: Counter;
  tuning?: Partial<TelegramTuning>;
  /**
   * Where updates and replies are kept (src/infra/db/delivery-store.ts in the bot) and the
   * database breaker. Without it (tests, the benchmark) they are kept in memory only.
   */
  delivery?: { store: DeliveryStore; breaker?: BreakerView; spool?: OutageSpool };
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

  // telegraf's client makes the calls; polling and dispatch are ours (poller.ts, update-handler.ts).
  const telegram = new Telegram(config.token, { webhookReply: false, ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}) });
  const api = new TelegramApi(telegram, { log, token: config.token, ...(metrics ? { metrics } : {}) });
  const pacer = new Pacer(tuning.pacing);

  const me = await getMe(api, tuning.startAttempts, log);
  const handler = new UpdateHandler({
    conversation,
    api,
    pacer,
    bot: { id: me.id, username: me.username },
    log,
    ackWaitMs: tuning.ackWaitMs,
    store: options.delivery?.store ?? new MemoryDeliveryStore(),
    ...(options.delivery?.breaker ? { breaker: options.delivery.breaker } : {}),
    ...(options.delivery?.spool ? { spool: options.delivery.spool } : {}),
    concurrency: tuning.turnConcurrency,
    maxQueuedPerChat: tuning.maxQueuedPerChat,
    maxQueuedPerActor: tuning.maxQueuedPerActor,
    sweepIntervalMs: tuning.sweepIntervalMs,
    staleAfterMs: tuning.staleAfterMs,
    ...(metrics ? { metrics } : {}),
  });

  try {
    await api.call('setMyCommands', { commands: commandMenu() });
  } catch (error) {
    log.warn(api.describe(error), 'could not publish the command menu (setMyCommands); going on without it');
  }

  /** Refuses to poll over a webhook unless told to (then deletes it); an unreadable answer is logged and polling goes on. */
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
    await api.call('deleteWebhook', { drop_pending_updates: false });
  };

  let polling: Promise<unknown> = Promise.resolve();
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
        accept: (update) => handler.accept(update),
        maxInFlight: tuning.maxInFlightUpdates,
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
    // Not awaited: it runs until stop(). Failures are handled inside.
    polling = pollUpdates({
      api,
      accept: (update) => handler.accept(update),
      allowedUpdates: ALLOWED_UPDATES,
      signal: stopping.signal,
      log,
      ...(metrics ? { metrics } : {}),
      onStatus: (next) => (status = next),
      beforeRetry: checkNoWebhook,
      timeoutSeconds: tuning.pollTimeoutSeconds,
      retryBackoffMs: tuning.retryBackoffMs,
      maxRetryBackoffMs: tuning.maxRetryBackoffMs,
    });
    log.info({ bot: me.username, mode: 'polling' }, 'telegram bot started');
  }
  handler.startRecovery();

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const deadline = Date.now() + tuning.stopTimeoutMs;
      status = 'stopping';
      stopping.abort();
      // The long poll is aborted; the loop then confirms what was recorded.
      await Promise.race([polling, sleep(Math.min(1_500, tuning.stopTimeoutMs))]);
      const left = () => Math.max(0, deadline - Date.now());
      const { turnsCut, unsent } = await handler.stop(left() * 0.6, left() * 0.5);
      pacer.close();
      if (turnsCut || unsent > 0) log.warn({ unsentReplies: unsent, turnsCut }, 'stopping with work left: it stays in the inbox and outbox for the next start');
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
