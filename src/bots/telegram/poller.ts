/**
 * Long polling (getUpdates) that confirms an update to Telegram only once it is recorded. Telegram
 * forgets an update when a later getUpdates asks for an offset past it, so the offset moves past an
 * update only after `accept` resolved for it (it is in the inbox). telegraf's own polling moves the
 * offset as soon as a batch arrives and confirms it at stop even when handling failed, which loses
 * updates in a crash or an outage; that is why this loop exists (telegraf's client still makes the calls).
 *
 * While the database is down, `accept` rejects: the offset stays, the same updates come back on the
 * next poll (every `outagePollMs`, so new ones are still answered "temporarily unavailable" within
 * a second), and they are recorded once it is back. At stop, the last recorded offset is confirmed
 * with a short getUpdates, as telegraf does.
 * @example
 * const outcome = await pollUpdates({ api, accept: (u) => handler.accept(u), signal, allowedUpdates, log, onStatus });
 */
import type { Update } from 'telegraf/types';
import type { Logger } from '../../core/ports/logger.ts';
import { StorageUnavailableError } from '../../core/ports/repositories.ts';
import { errorCode, type Counter, type TelegramApi } from './api.ts';
import { sleep } from './pacer.ts';

export interface PollerOptions {
  api: TelegramApi;
  accept(update: Update): Promise<void>;
  allowedUpdates: readonly string[];
  signal: AbortSignal;
  log: Logger;
  metrics?: Counter;
  onStatus(status: string): void;
  /** Called before polling again after a 409 Conflict; throws to stop polling (a webhook was set). */
  beforeRetry(): Promise<void>;
  /** getUpdates' long-poll timeout. */
  timeoutSeconds?: number;
  /** First wait after a failure; doubles up to maxRetryBackoffMs. */
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** Between polls while updates cannot be recorded. */
  outagePollMs?: number;
}

export type PollOutcome = 'stopped' | 'unauthorized' | 'refused';

export async function pollUpdates(options: PollerOptions): Promise<PollOutcome> {
  const { api, signal, log } = options;
  /** The next update_id to ask for: everything below it is recorded. */
  let offset: number | undefined;
  /** What the last getUpdates confirmed to Telegram. */
  let confirmed: number | undefined;
  let backoff = options.retryBackoffMs;
  let failed = false;
  while (!signal.aborted) {
    let updates: Update[];
    try {
      if (failed) await options.beforeRetry();
    } catch (error) {
      options.onStatus('refused');
      log.error({ error: (error as Error).message }, 'polling stopped: a webhook was set meanwhile');
      return 'refused';
    }
    if (!failed) options.onStatus('polling');
    try {
      updates = await api.call(
        'getUpdates',
        { timeout: options.timeoutSeconds ?? 50, allowed_updates: options.allowedUpdates as never, ...(offset !== undefined ? { offset } : {}) },
        undefined,
        signal,
      );
      confirmed = offset;
      failed = false;
      backoff = options.retryBackoffMs;
    } catch (error) {
      if (signal.aborted) break;
      const code = errorCode(error);
      if (code === 401) {
        options.onStatus('unauthorized');
        log.error(api.describe(error), 'Telegram refused the bot token (401); polling stopped');
        return 'unauthorized';
      }
      if (code === 409) {
        options.onStatus('conflict');
        log.error(
          { ...api.describe(error), retryInMs: backoff },
          'Telegram reports a conflict (409): another process is polling with this bot token, or a webhook is set. Only one instance may poll; retrying',
        );
      } else {
        options.onStatus('reconnecting');
        log.error({ ...api.describe(error), retryInMs: backoff }, 'polling failed; retrying');
      }
      options.metrics?.increment('telegram_polling_restarts_total', { code: String(code ?? 'network') });
      failed = true;
      await sleep(backoff, signal).catch(() => undefined);
      backoff = Math.min(backoff * 2, options.maxRetryBackoffMs);
      continue;
    }

    // All at once: the inbox records them in one insert (and a chat's updates keep their order).
    const outcomes = await Promise.allSettled(updates.map((update) => options.accept(update)));
    let blocked = false;
    outcomes.forEach((outcome, i) => {
      const update = updates[i]!;
      if (outcome.status === 'rejected') {
        const reason: unknown = outcome.reason;
        // Not recorded: neither it nor anything after it is confirmed.
        if (reason instanceof StorageUnavailableError) blocked = true;
        // Not a storage problem: recording will not get better by asking again. Skip it.
        else log.error({ err: reason, updateId: update.update_id }, 'update could not be taken; skipped');
      }
      if (!blocked) offset = update.update_id + 1;
    });
    if (blocked) await sleep(options.outagePollMs ?? 200, signal).catch(() => undefined);
  }
  if (offset !== undefined && offset !== confirmed) {
    // Confirm what was recorded since the last poll, so the next process does not get it again.
    await api.call('getUpdates', { offset, limit: 1, timeout: 0 }).catch((error: unknown) => log.debug(api.describe(error), 'could not confirm the last updates'));
  }
  return 'stopped';
}
