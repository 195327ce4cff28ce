/**
 * Outgoing message pacing under Telegram's flood limits (RELIABILITY.md): at most 1 message per
 * second in a chat, 20 per minute in a group, 30 per second overall. Telegram answers bursts over
 * these with 429s that can pause a chat for a long time, so we never send faster than they allow.
 *
 * Each chat has a FIFO lane, so a turn's messages arrive in order; lanes of different chats run
 * side by side under the global limit. A task may call `again(ms)` (after a 429's retry_after) to
 * hold its lane for that long and then wait for a fresh slot. `close()` fails tasks that have not
 * started yet, and wakes sleeping ones, so shutdown is never held by a queue.
 * Guarded by tests/bots/telegram/pacer.test.ts (fake timers, the production limits).
 * @example
 * const pacer = new Pacer();
 * await pacer.run({ id: chatId, group: false }, () => api.call('sendMessage', payload));
 */
import { setMaxListeners } from 'node:events';

export interface PacingLimits {
  /** Minimum gap between two messages in one chat. */
  perChatIntervalMs: number;
  /** Messages per window in a group or supergroup. */
  groupMessages: number;
  groupWindowMs: number;
  /** Messages per window across all chats. */
  globalMessages: number;
  globalWindowMs: number;
}

/** Telegram's documented limits (Bot FAQ: "My bot is hitting limits, how do I avoid this?"). */
export const TELEGRAM_LIMITS: PacingLimits = {
  perChatIntervalMs: 1_000,
  groupMessages: 20,
  groupWindowMs: 60_000,
  globalMessages: 30,
  globalWindowMs: 1_000,
};

export interface PacedChat {
  id: number;
  /** Groups, supergroups and channels also get the per-minute limit. */
  group: boolean;
}

export class PacerClosedError extends Error {
  readonly code = 'PACER_CLOSED';
  constructor() {
    super('outgoing queue closed (shutting down)');
    this.name = 'PacerClosedError';
  }
}

interface Lane {
  tail: Promise<void>;
  /** When the last message left; -Infinity before the first. */
  lastAt: number;
  /** Send times within the group window (groups only), oldest first. */
  hits: number[];
  /** Nothing leaves before this (a 429's retry_after). */
  pausedUntil: number;
  pending: number;
}

/** Sleeps on the global setTimeout (so fake timers drive it in tests); rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new PacerClosedError());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PacerClosedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How long until one more event fits in a sliding window holding `hits` (pruned in place). */
function windowWait(hits: number[], max: number, windowMs: number, now: number): number {
  while (hits.length > 0 && hits[0]! <= now - windowMs) hits.shift();
  return hits.length < max ? 0 : hits[hits.length - max]! + windowMs - now;
}

export class Pacer {
  private readonly lanes = new Map<number, Lane>();
  private readonly globalHits: number[] = [];
  private readonly closing = new AbortController();

  constructor(
    private readonly limits: PacingLimits = TELEGRAM_LIMITS,
    private readonly now: () => number = () => Date.now(),
  ) {
    // Every chat waiting for a slot listens for close(): many at once is normal, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  /** Tasks queued or running, over all chats. */
  get pending(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.pending;
    return total;
  }

  /**
   * Runs `task` in the chat's lane once the limits allow one more message. `again(ms)` holds the
   * lane for `ms`, then waits for a new slot (for a retry after a 429).
   */
  run<T>(chat: PacedChat, task: (again: (delayMs: number) => Promise<void>) => Promise<T>): Promise<T> {
    if (this.closing.signal.aborted) return Promise.reject(new PacerClosedError());
    const lane = this.lane(chat.id);
    lane.pending++;
    const result = lane.tail.then(async () => {
      await this.slot(chat, lane);
      return task(async (delayMs) => {
        lane.pausedUntil = Math.max(lane.pausedUntil, this.now() + delayMs);
        await this.slot(chat, lane);
      });
    });
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    lane.tail = settled;
    void settled.then(() => {
      lane.pending--;
      if (lane.pending === 0) this.forgetIdle();
    });
    return result;
  }

  /** Fails every task that has not started, and wakes those waiting for a slot. */
  close(): void {
    this.closing.abort();
  }

  private lane(chatId: number): Lane {
    let lane = this.lanes.get(chatId);
    if (!lane) {
      lane = { tail: Promise.resolve(), lastAt: -Infinity, hits: [], pausedUntil: -Infinity, pending: 0 };
      this.lanes.set(chatId, lane);
    }
    return lane;
  }

  /** Waits until this chat, its group limit and the global limit all allow a message, then books it. */
  private async slot(chat: PacedChat, lane: Lane): Promise<void> {
    const { perChatIntervalMs, groupMessages, groupWindowMs, globalMessages, globalWindowMs } = this.limits;
    for (;;) {
      if (this.closing.signal.aborted) throw new PacerClosedError();
      const now = this.now();
      const wait = Math.max(
        lane.lastAt + perChatIntervalMs - now,
        lane.pausedUntil - now,
        chat.group ? windowWait(lane.hits, groupMessages, groupWindowMs, now) : 0,
        windowWait(this.globalHits, globalMessages, globalWindowMs, now),
      );
      if (wait <= 0) {
        lane.lastAt = now;
        if (chat.group) lane.hits.push(now);
        this.globalHits.push(now);
        return;
      }
      await sleep(wait, this.closing.signal);
    }
  }

  /** Drops idle lanes whose limits no longer matter, so the map does not grow with every chat ever seen. */
  private forgetIdle(): void {
    if (this.lanes.size < 1_000) return;
    const now = this.now();
    for (const [id, lane] of this.lanes) {
      const quietFor = now - Math.max(lane.lastAt, lane.pausedUntil);
      if (lane.pending === 0 && quietFor > Math.max(this.limits.perChatIntervalMs, this.limits.groupWindowMs)) this.lanes.delete(id);
    }
  }
}
