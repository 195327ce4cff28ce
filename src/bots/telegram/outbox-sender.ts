/**
 * Sends Telegram replies from the outbox (src/delivery): each chat's replies in order, through the
 * pacer's lanes, and each one removed from the outbox once Telegram has it. A reply Telegram refuses
 * for good (400, 403: blocked, 404) is logged and removed; a network failure or a 5xx is retried
 * after a pause, holding only that chat's lane, until the reply expires. `close()` stops sending:
 * what is left stays in the outbox for the next process (main.ts releases it at shutdown).
 * @example
 * const sender = new TelegramSender({ api, pacer, store, log });
 * sender.enqueue(applied.outbox);
 */
import type { Logger } from '../../core/ports/logger.ts';
import type { DeliveryStore, OutboxMessage } from '../../delivery/ports.ts';
import { SentReplies } from '../../delivery/sent-replies.ts';
import { IdleSignal } from '../../shared/idle-signal.ts';
import { errorCode, type Counter, type TelegramApi } from './api.ts';
import { PacerClosedError, sleep, type Pacer, type PacedChat } from './pacer.ts';
import type { InlineKeyboard, OutgoingCall } from './render.ts';

/** How long a Telegram reply stays worth sending. */
export const TELEGRAM_REPLY_TTL_MS = 60 * 60_000;

/** One outbox row's payload: where it goes and the call to make. */
export interface TelegramOutgoing {
  chat: PacedChat;
  call: OutgoingCall | { method: 'editMessageReplyMarkup'; payload: { chat_id: number; message_id: number; reply_markup: InlineKeyboard } };
}

export interface SenderOptions {
  api: TelegramApi;
  pacer: Pacer;
  store: DeliveryStore;
  log: Logger;
  metrics?: Counter;
  /** Pause before retrying a reply that failed for a passing reason. */
  retryDelayMs?: number;
  /** Sent replies are removed from the outbox in batches, at most this long after sending. */
  flushDelayMs?: number;
}

/** Codes that will not change by trying again: the reply is given up. */
const PERMANENT_CODES = new Set([400, 401, 403, 404]);

export class TelegramSender {
  private readonly queues = new Map<number, OutboxMessage[]>();
  private readonly stopping = new AbortController();
  private readonly sent: SentReplies;
  private readonly drained = new IdleSignal(() => this.queues.size === 0);
  private readonly retryDelayMs: number;

  constructor(private readonly options: SenderOptions) {
    this.retryDelayMs = options.retryDelayMs ?? 5_000;
    this.sent = new SentReplies(options.store, options.log, options.flushDelayMs === undefined ? {} : { flushDelayMs: options.flushDelayMs });
  }

  /** Replies waiting or being sent. */
  get pending(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  enqueue(messages: readonly OutboxMessage[]): void {
    if (this.stopping.signal.aborted) return;
    for (const message of messages) {
      const chatId = Number(message.chatKey);
      let queue = this.queues.get(chatId);
      if (!queue) {
        queue = [];
        this.queues.set(chatId, queue);
        queue.push(message);
        void this.drain(chatId, queue);
      } else {
        queue.push(message);
      }
    }
  }

  /** Resolves true once every queued reply is sent, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    return this.drained.wait(timeoutMs);
  }

  /** Stops sending (unsent replies stay in the outbox) and records what was sent. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.sent.close();
  }

  private async drain(chatId: number, queue: OutboxMessage[]): Promise<void> {
    try {
      while (queue.length > 0 && !this.stopping.signal.aborted) {
        const message = queue[0]!;
        const outcome = await this.sendOne(message);
        if (outcome === 'stopped') return;
        if (outcome === 'retry') {
          await sleep(this.retryDelayMs, this.stopping.signal).catch(() => undefined);
          continue;
        }
        queue.shift();
        this.sent.mark(message);
      }
    } finally {
      if (this.queues.get(chatId) === queue && (queue.length === 0 || this.stopping.signal.aborted)) this.queues.delete(chatId);
      this.drained.check();
    }
  }

  private async sendOne(message: OutboxMessage): Promise<'sent' | 'dropped' | 'retry' | 'stopped'> {
    const { api, log, metrics } = this.options;
    if (message.expiresAt.getTime() < Date.now()) {
      log.info({ turn: message.turnKey }, 'reply expired before it could be sent; dropped');
      return 'dropped';
    }
    let outgoing: TelegramOutgoing;
    try {
      outgoing = JSON.parse(message.payload) as TelegramOutgoing;
    } catch {
      log.error({ turn: message.turnKey, seq: message.seq }, 'unreadable outbox row; dropped');
      return 'dropped';
    }
    try {
      await this.options.pacer.run(outgoing.chat, (again) => this.call(outgoing, again));
      metrics?.increment('telegram_replies_sent_total');
      return 'sent';
    } catch (error) {
      if (error instanceof PacerClosedError || this.stopping.signal.aborted) return 'stopped';
      const code = errorCode(error);
      if (code !== null && PERMANENT_CODES.has(code)) {
        // "message is not modified" and "message to edit not found" are harmless for keyboard edits.
        const harmless = outgoing.call.method === 'editMessageReplyMarkup' && code === 400;
        if (harmless) log.debug(api.describe(error), 'keyboard edit skipped');
        else log.warn({ turn: message.turnKey, ...api.describe(error) }, 'telegram refused a reply; dropped');
        metrics?.increment('telegram_replies_dropped_total', { code: String(code) });
        return 'dropped';
      }
      log.warn({ turn: message.turnKey, retryInMs: this.retryDelayMs, ...api.describe(error) }, 'reply not sent; retrying');
      return 'retry';
    }
  }

  private async call(outgoing: TelegramOutgoing, again: (delayMs: number) => Promise<void>): Promise<void> {
    const { api, log, metrics } = this.options;
    const { call } = outgoing;
    if (call.method === 'sendMessage') {
      await api.call('sendMessage', call.payload, again);
      return;
    }
    if (call.method === 'editMessageReplyMarkup') {
      await api.call('editMessageReplyMarkup', call.payload, again);
      return;
    }
    try {
      await api.call('sendPhoto', call.payload, again);
    } catch (error) {
      // Blocked by the user (403) or still flooded (429): text would fail the same way.
      const code = errorCode(error);
      if (error instanceof PacerClosedError || code === 403 || code === 429) throw error;
      log.info(api.describe(error), 'poster could not be sent; sending the card as text');
      metrics?.increment('telegram_poster_fallbacks_total');
      await api.call('sendMessage', call.fallback.payload, again);
    }
  }
}
