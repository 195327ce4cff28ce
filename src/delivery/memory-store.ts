/**
 * A DeliveryStore in memory, for tests and tools that run a channel without a database (the
 * Telegram benchmark, adapter tests). It keeps the contract's bookkeeping (one apply per update,
 * drops, sent replies) but has no transaction: a turn that throws is not rolled back, and nothing
 * survives the process. The bot itself always runs on src/infra/db/delivery-store.ts.
 * @example
 * const store = new MemoryDeliveryStore();
 * await store.record({ platform: 'telegram', updateKey: '1', chatKey: '42', payload: '{}' }); // true
 */
import type { Platform } from '../core/conversation/turn.ts';
import type { AppliedWork, DeliveryStore, InboxEntry, OutboxMessage, UpdateKey } from './ports.ts';

const keyOf = (key: UpdateKey) => `${key.platform}:${key.updateKey}`;
/** Updates remembered, for recognising redeliveries. */
const MAX_UPDATES = 10_000;

export class MemoryDeliveryStore implements DeliveryStore {
  readonly updates = new Map<string, InboxEntry & { status: 'pending' | 'done' | 'dropped' }>();
  readonly outbox = new Map<string, OutboxMessage>();

  record(entry: InboxEntry): Promise<boolean> {
    const key = keyOf(entry);
    if (this.updates.has(key)) return Promise.resolve(false);
    this.updates.set(key, { ...entry, status: 'pending' });
    // Bounded like the table's daily prune: the oldest finished updates are forgotten.
    if (this.updates.size > MAX_UPDATES) {
      for (const [old, row] of this.updates) {
        if (this.updates.size <= MAX_UPDATES) break;
        if (row.status !== 'pending') this.updates.delete(old);
      }
    }
    return Promise.resolve(true);
  }

  async apply<T>(key: UpdateKey, work: () => Promise<AppliedWork<T>>): Promise<{ value: T; outbox: OutboxMessage[] } | null> {
    const row = this.updates.get(keyOf(key));
    if (!row || row.status !== 'pending') return null;
    // Claimed before the work runs, as the row lock does: a second apply meanwhile finds it done.
    row.status = 'done';
    let applied: AppliedWork<T>;
    try {
      applied = await work();
    } catch (error) {
      row.status = 'pending';
      throw error;
    }
    const { value, outbox } = applied;
    const turnKey = keyOf(key);
    const messages = outbox.map((entry, seq) => ({ ...entry, platform: key.platform, turnKey, seq }));
    for (const message of messages) this.outbox.set(`${turnKey}#${message.seq}`, message);
    return { value, outbox: messages };
  }

  drop(keys: readonly UpdateKey[]): Promise<void> {
    for (const key of keys) {
      const row = this.updates.get(keyOf(key));
      if (row?.status === 'pending') row.status = 'dropped';
    }
    return Promise.resolve();
  }

  sent(messages: ReadonlyArray<Pick<OutboxMessage, 'turnKey' | 'seq'>>): Promise<void> {
    for (const { turnKey, seq } of messages) this.outbox.delete(`${turnKey}#${seq}`);
    return Promise.resolve();
  }

  /** Nothing outlives the process here, so nothing is ever orphaned. */
  orphans(_platform: Platform): Promise<{ updates: InboxEntry[]; messages: OutboxMessage[] }> {
    return Promise.resolve({ updates: [], messages: [] });
  }

  renewLeases(_platform: Platform): Promise<void> {
    return Promise.resolve();
  }

  release(_platform: Platform): Promise<void> {
    return Promise.resolve();
  }

  prune(): Promise<number> {
    return Promise.resolve(0);
  }
}
