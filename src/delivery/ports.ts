/**
 * What delivery needs from storage (STYLE.md C4): an inbox of received updates and an outbox of
 * replies, in the same database as everything else so a turn's writes, its update's completion and
 * its replies commit together. Implementation: src/infra/db/delivery-store.ts (SQLite and MySQL);
 * an in-memory fake in tests/fakes.
 *
 * @example
 * if (await store.record({ platform: 'telegram', updateKey: '901', chatKey: '42', payload })) schedule(…);
 * const applied = await store.apply({ platform: 'telegram', updateKey: '901' }, async () => ({ value: turn, outbox }));
 */
import type { Platform, Turn } from '../core/conversation/turn.ts';

/** One update as received, before anything is done with it. */
export interface InboxEntry {
  platform: Platform;
  /** Telegram's update_id, Discord's interaction id: unique per platform. */
  updateKey: string;
  /** The chat it belongs to; its work runs in that chat's queue. */
  chatKey: string;
  /** The update as the platform sent it (JSON), so it can be applied after a restart. */
  payload: string;
}

export interface UpdateKey {
  platform: Platform;
  updateKey: string;
}

/** A reply to send: one platform call, in order within its turn. */
export interface OutboxEntry {
  chatKey: string;
  /** The platform call (JSON). */
  payload: string;
  /** Not worth sending after this (a Discord interaction token lives 15 minutes). */
  expiresAt: Date;
}

/** An outbox row: its entry, and where it is in its turn. */
export interface OutboxMessage extends OutboxEntry {
  platform: Platform;
  /** "telegram:901": the update that produced it. */
  turnKey: string;
  seq: number;
}

/** What a turn's work gives back inside its transaction: a value for the caller, and the replies to store. */
export interface AppliedWork<T> {
  value: T;
  outbox: OutboxEntry[];
}

export interface DeliveryStore {
  /**
   * Records an update as pending, owned by this process. False when it was already recorded (a
   * redelivery, or another replica got it): then there is nothing to do.
   */
  record(entry: InboxEntry): Promise<boolean>;
  /**
   * In one transaction: marks the update done, runs `work` (the turn: its writes join the same
   * transaction), and stores the replies it returns, owned by this process. Null when the update
   * was not pending (done elsewhere, or dropped). When `work` throws, nothing of it is kept and
   * the update stays pending.
   */
  apply<T>(key: UpdateKey, work: () => Promise<AppliedWork<T>>): Promise<{ value: T; outbox: OutboxMessage[] } | null>;
  /** Marks pending updates dropped (a flood's excess): they are never applied. */
  drop(keys: readonly UpdateKey[]): Promise<void>;
  /** Replies sent (or not worth sending any more): removed. */
  sent(messages: ReadonlyArray<Pick<OutboxMessage, 'turnKey' | 'seq'>>): Promise<void>;
  /**
   * Work another process left: pending updates and unsent replies whose owner is gone (a process
   * on this host that no longer runs) or that waited longer than `staleAfterMs`. Replies are
   * claimed for this process; updates are safe to try anywhere (apply runs each once).
   */
  orphans(platform: Platform, staleAfterMs: number): Promise<{ updates: Array<InboxEntry>; messages: OutboxMessage[] }>;
  /** Keeps this process's claim on its unsent replies of `platform`. */
  renewLeases(platform: Platform): Promise<void>;
  /**
   * Gives up this process's claim on its unsent replies and pending updates of `platform` (at
   * shutdown, once that channel has stopped), so the next process takes them at once.
   */
  release(platform: Platform): Promise<void>;
  /** Forgets updates older than `olderThanMs`, done or abandoned (Telegram redelivers within a day). */
  prune(olderThanMs: number): Promise<number>;
}

/**
 * Thrown out of a turn's transaction when the turn failed or the database gave out half-way: its
 * writes are rolled back, and the caller still has the turn (the apology the user sees).
 */
export class TurnUndone extends Error {
  constructor(readonly turn: Turn) {
    super(`turn undone: ${turn.outcome ?? 'failed'}`);
    this.name = 'TurnUndone';
  }
}
