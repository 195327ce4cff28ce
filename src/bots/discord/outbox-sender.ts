/**
 * Sends Discord answers from the outbox (src/delivery): each interaction's webhook calls in order
 * (edit the deferred original, delete it, follow-ups), interactions independently of each other
 * (each token is its own rate-limit bucket), and each call removed from the outbox once Discord has
 * it, in batches.
 *
 * - Expired (the token's 15 minutes are nearly up): dropped, never sent.
 * - 5xx, 429 or a network failure: tried again after a pause (1 s, doubling, at most 30 s), holding
 *   only that interaction, until it expires or `maxAttempts` is reached.
 * - The token no longer works (401, 10015 Unknown Webhook, 50027 Invalid Webhook Token): the rest
 *   of that interaction's calls are dropped. 10008 Unknown Message (the original is gone): that call
 *   is skipped and the rest go on.
 * - Any other 4xx (a body Discord refuses: a bug): logged with a reference id, the rest of the
 *   interaction's calls dropped, and the user told with that reference, as the adapter's one catch
 *   would (STYLE.md C7).
 *
 * `close()` stops sending: what is left stays in the outbox for the next process. Tokens never
 * reach a log (safe-error.ts).
 * @example
 * const sender = new DiscordSender({ rest: client.rest, store, log });
 * sender.enqueue(applied.outbox);
 */
import { randomBytes } from 'node:crypto';
import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from 'discord.js';
import { copy } from '../../core/copy.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { DeliveryStore, OutboxMessage } from '../../delivery/ports.ts';
import { SentReplies } from '../../delivery/sent-replies.ts';
import { IdleSignal } from '../../shared/idle-signal.ts';
import { planNotice, readOperation, type DiscordOperation } from './reply-plan.ts';
import { discordCode, safeError } from './safe-error.ts';

/** The REST calls the sender makes (discord.js `client.rest`). */
export type WebhookRest = Pick<REST, 'patch' | 'delete' | 'post'>;

export interface Counter {
  increment(name: string, labels?: Record<string, string>, by?: number): void;
}

export interface DiscordSenderOptions {
  rest: WebhookRest;
  store: DeliveryStore;
  log: Logger;
  metrics?: Counter;
  /** First pause before retrying a call that failed for a passing reason; doubles, at most 30 s. */
  retryDelayMs?: number;
  /** Tries per call before it is given up (if it has not expired before). */
  maxAttempts?: number;
  /** Sent calls are removed from the outbox in batches, at most this long after sending. */
  flushDelayMs?: number;
  now?: () => number;
}

/** Discord error codes meaning the interaction's token no longer works. */
const DEAD_TOKEN_CODES = new Set<number | string>([10015, 50027]);
const UNKNOWN_MESSAGE = 10008;
const MAX_RETRY_DELAY_MS = 30_000;
/** How long close() lets calls already on the wire finish, so they are not sent twice. */
const CLOSE_GRACE_MS = 1_000;

type Outcome = 'sent' | 'skipped' | 'expired' | 'dead' | 'refused' | 'retry' | 'unreadable';

const reference = () => randomBytes(4).toString('hex');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** How a failed call is treated. */
function classify(error: unknown): 'retry' | 'dead' | 'skip' | 'refused' {
  if (error instanceof RateLimitError) return 'retry';
  if (error instanceof DiscordAPIError || error instanceof HTTPError) {
    if (error.status === 429 || error.status >= 500) return 'retry';
    if (error.status === 401 || DEAD_TOKEN_CODES.has(discordCode(error) ?? '')) return 'dead';
    if (discordCode(error) === UNKNOWN_MESSAGE) return 'skip';
    return 'refused';
  }
  // Network failures, timeouts.
  return 'retry';
}

export class DiscordSender {
  /** Each interaction's unsent calls, by turn key ("discord:<interaction id>"), in order. */
  private readonly lanes = new Map<string, OutboxMessage[]>();
  private readonly stopping = new AbortController();
  private readonly calls = new Set<Promise<unknown>>();
  private readonly sent: SentReplies;
  private readonly drained = new IdleSignal(() => this.lanes.size === 0);
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;

  constructor(private readonly options: DiscordSenderOptions) {
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.sent = new SentReplies(options.store, options.log, { describe: safeError, ...(options.flushDelayMs === undefined ? {} : { flushDelayMs: options.flushDelayMs }) });
    this.now = options.now ?? Date.now;
  }

  /** Calls waiting or being sent. */
  get pending(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.length;
    return total;
  }

  /** Queues outbox rows; each interaction's rows are sent in `seq` order. */
  enqueue(messages: readonly OutboxMessage[]): void {
    if (this.stopping.signal.aborted) return;
    const started = new Set<string>();
    for (const message of messages) {
      let lane = this.lanes.get(message.turnKey);
      if (!lane) {
        lane = [];
        this.lanes.set(message.turnKey, lane);
        started.add(message.turnKey);
      }
      lane.push(message);
    }
    for (const turnKey of started) {
      const lane = this.lanes.get(turnKey)!;
      lane.sort((a, b) => a.seq - b.seq);
      void this.drain(turnKey, lane);
    }
  }

  /**
   * Sends a notice for an interaction now, outside the outbox (best effort, one try each): for
   * "temporarily unavailable" and failures, which are worth nothing later.
   */
  async notify(target: Pick<DiscordOperation, 'applicationId' | 'token' | 'deferral'>, text: string, originalSettled: boolean): Promise<boolean> {
    for (const operation of planNotice(target, text, originalSettled)) {
      try {
        await this.call(operation);
      } catch (error) {
        this.options.log.warn({ err: safeError(error), discordCode: discordCode(error) }, 'could not tell the user');
        return false;
      }
    }
    return true;
  }

  /** Resolves true once every queued call is sent (or given up), or false after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<boolean> {
    return this.drained.wait(timeoutMs);
  }

  /** Stops sending (unsent calls stay in the outbox), lets calls on the wire finish briefly, and records what was sent. */
  async close(): Promise<void> {
    this.stopping.abort();
    if (this.calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.calls]), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
      // Let the lanes record what just went out.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.sent.close();
  }

  private async drain(turnKey: string, lane: OutboxMessage[]): Promise<void> {
    let attempts = 0;
    try {
      while (lane.length > 0 && !this.stopping.signal.aborted) {
        const message = lane[0]!;
        const outcome = await this.sendOne(message, attempts + 1);
        if (outcome === 'retry') {
          attempts++;
          if (this.stopping.signal.aborted) return;
          if (attempts < this.maxAttempts) {
            await sleep(Math.min(this.retryDelayMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS), this.stopping.signal);
            continue;
          }
          this.options.log.warn({ turn: turnKey, attempts }, 'discord reply not sent after retries; the rest of its answer is dropped');
          this.options.metrics?.increment('discord_replies_dropped_total', { reason: 'retries' });
          this.dropLane(lane);
          return;
        }
        attempts = 0;
        lane.shift();
        this.sent.mark(message);
        if (outcome === 'dead' || outcome === 'refused') {
          this.dropLane(lane);
          return;
        }
      }
    } finally {
      if (this.lanes.get(turnKey) === lane && (lane.length === 0 || this.stopping.signal.aborted)) this.lanes.delete(turnKey);
      this.drained.check();
    }
  }

  /** The rest of an interaction's answer is not worth sending: removed from the outbox. */
  private dropLane(lane: OutboxMessage[]): void {
    for (const message of lane.splice(0)) this.sent.mark(message);
  }

  private async sendOne(message: OutboxMessage, attempt: number): Promise<Outcome> {
    const { log, metrics } = this.options;
    if (message.expiresAt.getTime() <= this.now()) {
      log.info({ turn: message.turnKey, seq: message.seq }, 'discord reply expired before it could be sent; dropped');
      metrics?.increment('discord_replies_dropped_total', { reason: 'expired' });
      return 'expired';
    }
    const operation = readOperation(message.payload);
    if (!operation) {
      log.error({ turn: message.turnKey, seq: message.seq }, 'unreadable discord outbox row; dropped');
      return 'unreadable';
    }
    try {
      await this.call(operation);
      metrics?.increment('discord_replies_sent_total', { op: operation.op });
      return 'sent';
    } catch (error) {
      const kind = classify(error);
      const fields = { turn: message.turnKey, seq: message.seq, op: operation.op, err: safeError(error), discordCode: discordCode(error) };
      if (kind === 'retry') {
        log.warn({ ...fields, attempt }, 'discord reply not sent; retrying');
        return 'retry';
      }
      if (kind === 'skip') {
        log.debug(fields, 'discord message to edit or delete is gone; skipped');
        return 'skipped';
      }
      if (kind === 'dead') {
        log.info(fields, 'discord interaction token no longer works; the rest of its answer is dropped');
        metrics?.increment('discord_replies_dropped_total', { reason: 'token' });
        return 'dead';
      }
      const ref = reference();
      metrics?.increment('discord_interaction_failures_total', { kind: 'reply' });
      log.error({ ...fields, reference: ref, interactionId: message.turnKey.replace(/^discord:/, '') }, 'discord interaction failed');
      // Before this call, the original was replaced (or deleted) unless this was the first call.
      await this.notify(operation, copy.failed(ref), message.seq > 0);
      return 'refused';
    }
  }

  private call(operation: DiscordOperation): Promise<unknown> {
    const { rest } = this.options;
    const { applicationId, token } = operation;
    let request: Promise<unknown>;
    if (operation.op === 'editOriginal') {
      request = rest.patch(Routes.webhookMessage(applicationId, token, '@original'), { body: operation.body ?? {}, auth: false });
    } else if (operation.op === 'deleteOriginal') {
      request = rest.delete(Routes.webhookMessage(applicationId, token, '@original'), { auth: false });
    } else {
      request = rest.post(Routes.webhook(applicationId, token), { body: operation.body ?? {}, query: new URLSearchParams({ wait: 'true' }), auth: false });
    }
    this.calls.add(request);
    void request.catch(() => undefined).finally(() => this.calls.delete(request));
    return request;
  }
}
