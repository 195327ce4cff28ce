/**
 * Every Bot API call the adapter makes goes through `TelegramApi.call`, which adds what telegraf
 * 4.16 lacks: a 429 waits `retry_after` and retries, a bounded number of times (no retry storm),
 * and each failure is counted. `describeError` turns any error into log fields without the token
 * or the request payload (telegraf's TelegramError carries the payload: user text, chat ids).
 * @example
 * const api = new TelegramApi(bot.telegram, { log, token });
 * await api.call('answerCallbackQuery', { callback_query_id: id, text: 'Rated ★4' });
 */
import { TelegramError, type Telegram } from 'telegraf';
import type { Opts, Telegram as Methods } from 'telegraf/types';
import type { Logger } from '../../core/ports/logger.ts';
import { PacerClosedError, sleep } from './pacer.ts';

/** telegraf's per-call options (its AbortSignal type is the abort-controller package's). */
type CallOptions = Parameters<Telegram['callApi']>[2];

/** What the adapter needs from telegraf's `Telegram` client. */
export interface ApiClient {
  callApi<M extends keyof Methods>(method: M, payload: Opts<M>, options?: CallOptions): Promise<ReturnType<Methods[M]>>;
}

/** Counters for /metrics (src/infra/http's Metrics satisfies it). */
export interface Counter {
  increment(name: string, labels?: Record<string, string>, by?: number): void;
}

export interface ApiOptions {
  log: Logger;
  /** Scrubbed from every error text we log, whatever its shape. */
  token: string;
  metrics?: Counter;
  /** Attempts per call when Telegram answers 429 (1 = no retry). */
  maxAttempts?: number;
  /** A longer retry_after is not waited for: the call fails instead. */
  maxRetryAfterMs?: number;
  /** Aborts retry waits at shutdown. */
  signal?: AbortSignal;
}

export const isTelegramError = (error: unknown): error is TelegramError => error instanceof TelegramError;

/** The error's Bot API code (400, 403, 409, 429…), or null for network and other errors. */
export const errorCode = (error: unknown): number | null => (isTelegramError(error) ? error.code : null);

/** retry_after in ms for a 429, else null. */
export function retryAfterMs(error: unknown): number | null {
  if (!isTelegramError(error) || error.code !== 429) return null;
  const seconds = error.parameters?.retry_after;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
}

/** Bot tokens as they appear in Bot API URLs (`/bot123:ABC/…`) and alone. */
const TOKEN_PATTERN = /\b\d{3,}:[A-Za-z0-9_-]{20,}\b|(\/bot)\d+:[^/\s"']+/g;

export function scrubber(token: string): (text: string) => string {
  return (text) => {
    const withoutToken = token ? text.split(token).join('[REDACTED]') : text;
    return withoutToken.replace(TOKEN_PATTERN, (_match, bot: string | undefined) => (bot ? `${bot}[REDACTED]` : '[REDACTED]'));
  };
}

/**
 * Log fields for an error: its kind, code and description, never the request payload or the token.
 * Stacks are kept for unexpected errors (bugs), scrubbed like the message.
 */
export function describeError(error: unknown, token: string): Record<string, unknown> {
  const scrub = scrubber(token);
  if (isTelegramError(error)) {
    const method = (error.on as { method?: unknown }).method;
    return {
      error: 'TelegramError',
      code: error.code,
      description: scrub(error.description ?? ''),
      ...(typeof method === 'string' ? { method } : {}),
      ...(error.parameters?.retry_after !== undefined ? { retryAfter: error.parameters.retry_after } : {}),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      error: error.name,
      message: scrub(error.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      ...(error.stack ? { stack: scrub(error.stack) } : {}),
    };
  }
  return { error: typeof error };
}

export class TelegramApi {
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;

  constructor(
    private readonly client: ApiClient,
    private readonly options: ApiOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  }

  describe(error: unknown): Record<string, unknown> {
    return describeError(error, this.options.token);
  }

  /**
   * Calls `method`. On a 429 it waits retry_after through `wait` (the pacer passes one that also
   * holds the chat's lane) and tries again, at most `maxAttempts` times in all.
   */
  async call<M extends keyof Methods>(
    method: M,
    payload: Opts<M>,
    wait: (delayMs: number) => Promise<void> = (delayMs) => sleep(delayMs, this.options.signal),
    /** Aborts the request itself (a long poll at shutdown). */
    signal?: AbortSignal,
  ): Promise<ReturnType<Methods[M]>> {
    for (let attempt = 1; ; attempt++) {
      if (this.options.signal?.aborted && !signal) throw new PacerClosedError();
      try {
        return await this.client.callApi(method, payload, signal ? ({ signal } as unknown as CallOptions) : undefined);
      } catch (error) {
        this.options.metrics?.increment('telegram_api_errors_total', { method, code: String(errorCode(error) ?? 'network') });
        const delayMs = retryAfterMs(error);
        if (delayMs === null || attempt >= this.maxAttempts || delayMs > this.maxRetryAfterMs) throw error;
        this.options.log.warn({ method, attempt, retryAfterMs: delayMs }, 'telegram flood limit (429): waiting retry_after before retrying');
        await wait(delayMs);
      }
    }
  }
}
