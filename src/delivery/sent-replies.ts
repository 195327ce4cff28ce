/**
 * Sent replies are cleared from the outbox in batches: a sender marks each as sent, and at most
 * `flushDelayMs` later one DELETE removes all marked so far. A failed delete keeps them for the
 * next try (a second later); after `close()` they are cleared once more and never retried (the
 * next process would only send them again). Both platforms' senders and the turn benchmark use it.
 * @example
 * const sent = new SentReplies(store, log);
 * sent.mark(message);
 * await sent.close();
 */
import type { Logger } from '../core/ports/logger.ts';
import type { DeliveryStore, OutboxMessage } from './ports.ts';

export interface SentRepliesOptions {
  flushDelayMs?: number;
  /** Error to log fields (Discord scrubs interaction tokens out of them). */
  describe?: (error: unknown) => unknown;
}

export class SentReplies {
  private readonly buffer: Array<Pick<OutboxMessage, 'turnKey' | 'seq'>> = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Pick<DeliveryStore, 'sent'>,
    private readonly log: Logger,
    private readonly options: SentRepliesOptions = {},
  ) {}

  mark(message: Pick<OutboxMessage, 'turnKey' | 'seq'>): void {
    this.buffer.push({ turnKey: message.turnKey, seq: message.seq });
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushDelayMs ?? 50);
  }

  /** Clears what was marked once more, and stops retrying. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  /** Removes the marked replies from the outbox; on failure they are kept for the next flush. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = this.flushing.then(async () => {
      const batch = this.buffer.splice(0);
      if (batch.length === 0) return;
      try {
        await this.store.sent(batch);
      } catch (error) {
        this.buffer.unshift(...batch);
        const err = this.options.describe ? this.options.describe(error) : error;
        this.log.warn({ err, count: batch.length }, 'could not clear sent replies from the outbox; will retry');
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), 1_000);
      }
    });
    return this.flushing;
  }
}
