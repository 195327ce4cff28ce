/**
 * The inbox and outbox on Prisma (SQLite and MySQL): see src/delivery/ports.ts for the contract and
 * src/delivery/README.md for the flow. Every call passes the breaker first, so while the database
 * is known to be down they fail at once with StorageUnavailableError, and a call that finds it down
 * opens the breaker.
 * @example
 * const store = new PrismaDeliveryStore(scope, breaker);
 * await store.record({ platform: 'telegram', updateKey: '901', chatKey: '42', payload });
 */
import type { Platform } from '../../core/conversation/turn.ts';
import { StorageUnavailableError } from '../../core/ports/repositories.ts';
import type { StorageBreaker } from '../../delivery/breaker.ts';
import { ownerIsGone, processOwner, RELEASED_OWNER } from '../../delivery/owner.ts';
import { Batcher } from '../../delivery/batcher.ts';
import type { AppliedWork, DeliveryStore, InboxEntry, OutboxMessage, UpdateKey } from '../../delivery/ports.ts';
import { isStorageUnavailable } from './repositories/storage-errors.ts';
import type { TransactionScope } from './transaction-scope.ts';

/** How long a claim on unsent replies holds without renewal. */
export const OUTBOX_LEASE_MS = 60_000;
/** Rows looked at per orphan sweep. */
const SWEEP_LIMIT = 1_000;
/** Updates per INSERT. */
const RECORD_BATCH = 100;
/** Keys per DELETE … WHERE (a OR b OR …). */
const DELETE_CHUNK = 200;

/** Prisma's P2034: a write conflict or deadlock; the transaction may simply be run again. */
const isRetryableConflict = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { code?: unknown }).code === 'P2034' || /deadlock/i.test(String((error as { message?: unknown }).message)));

export interface DeliveryStoreOptions {
  /** Who this process is ("host:pid"); tests give two stores different ones. */
  owner?: string;
  now?: () => number;
}

export class PrismaDeliveryStore implements DeliveryStore {
  private readonly owner: string;
  private readonly now: () => number;
  private readonly dialect: 'sqlite' | 'mysql';
  private readonly inserts = new Batcher<InboxEntry, boolean>((entries) => this.guarded(() => this.insertIgnoringDuplicates(entries)), RECORD_BATCH);
  private lastBatchAt = 0;

  constructor(
    private readonly scope: TransactionScope,
    private readonly breaker: Pick<StorageBreaker, 'check' | 'trip'> & Partial<Pick<StorageBreaker, 'watch'>>,
    options: DeliveryStoreOptions = {},
  ) {
    this.owner = options.owner ?? processOwner();
    this.now = options.now ?? Date.now;
    this.dialect = scope.kind;
  }

  private get prisma() {
    return this.scope.client;
  }

  /** Fails fast while the breaker is open; a connection-level failure opens it. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    this.breaker.check();
    try {
      const running = work();
      return await (this.breaker.watch ? this.breaker.watch(running) : running);
    } catch (error) {
      if (error instanceof StorageUnavailableError || isStorageUnavailable(error)) {
        this.breaker.trip(error);
        if (error instanceof StorageUnavailableError) throw error;
        throw new StorageUnavailableError('storage unavailable: the database cannot be reached', { cause: error });
      }
      throw error;
    }
  }

  /**
   * Updates arriving while an insert is in flight wait for it and then go in together: one commit
   * per batch instead of per update (a commit is an fsync on MySQL), whether they come from a
   * getUpdates batch or from concurrent webhook calls.
   */
  record(entry: InboxEntry): Promise<boolean> {
    return this.inserts.push(entry);
  }

  /** One INSERT for the batch; says, per entry, whether it was new (not recorded before, by anyone). */
  private async insertIgnoringDuplicates(entries: readonly InboxEntry[]): Promise<boolean[]> {
    // Each batch gets its own receivedAt (strictly increasing in this process), so the rows this
    // statement inserted can be told from rows that were there already, even our own.
    const batchAt = new Date(Math.max(this.now(), this.lastBatchAt + 1));
    this.lastBatchAt = batchAt.getTime();
    const ignore = this.dialect === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
    const rows = entries.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    const values = entries.flatMap((entry) => [entry.platform, entry.updateKey, entry.chatKey, entry.payload, 'pending', this.owner, batchAt]);
    const inserted = await this.prisma.$executeRawUnsafe(
      `${ignore} INTO \`inbox_updates\` (\`platform\`, \`updateKey\`, \`chatKey\`, \`payload\`, \`status\`, \`owner\`, \`receivedAt\`) VALUES ${rows}`,
      ...values,
    );
    if (inserted === entries.length) return entries.map(() => true);
    const found = await this.prisma.inboxUpdate.findMany({
      where: { OR: entries.map((entry) => ({ platform: entry.platform, updateKey: entry.updateKey })) },
      select: { platform: true, updateKey: true, owner: true, receivedAt: true },
    });
    const ours = new Set(found.filter((row) => row.owner === this.owner && row.receivedAt.getTime() === batchAt.getTime()).map((row) => `${row.platform}:${row.updateKey}`));
    // A key twice in one batch counts once.
    return entries.map((entry) => ours.delete(`${entry.platform}:${entry.updateKey}`));
  }

  apply<T>(key: UpdateKey, work: () => Promise<AppliedWork<T>>): Promise<{ value: T; outbox: OutboxMessage[] } | null> {
    return this.guarded(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.scope.run(async () => {
            // Raw SQL on this hot path: Prisma's createMany cost ~3 ms of CPU per turn, the raw INSERT a fraction.
            const claimed = await this.prisma.$executeRawUnsafe(
              'UPDATE `inbox_updates` SET `status` = ?, `doneAt` = ? WHERE `platform` = ? AND `updateKey` = ? AND `status` = ?',
              'done',
              new Date(this.now()),
              key.platform,
              key.updateKey,
              'pending',
            );
            if (claimed === 0) return null;
            const { value, outbox } = await work();
            const turnKey = `${key.platform}:${key.updateKey}`;
            const leaseUntil = new Date(this.now() + OUTBOX_LEASE_MS);
            const messages: OutboxMessage[] = outbox.map((entry, seq) => ({ ...entry, platform: key.platform, turnKey, seq }));
            if (messages.length > 0) {
              await this.prisma.$executeRawUnsafe(
                `INSERT INTO \`outbox_messages\` (\`turnKey\`, \`seq\`, \`platform\`, \`chatKey\`, \`payload\`, \`owner\`, \`leaseUntil\`, \`expiresAt\`, \`createdAt\`) VALUES ${messages.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
                ...messages.flatMap((message) => [message.turnKey, message.seq, message.platform, message.chatKey, message.payload, this.owner, leaseUntil, message.expiresAt, new Date(this.now())]),
              );
            }
            return { value, outbox: messages };
          });
        } catch (error) {
          if (attempt >= 3 || !isRetryableConflict(error)) throw error;
        }
      }
    });
  }

  drop(keys: readonly UpdateKey[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.guarded(async () => {
      await this.prisma.inboxUpdate.updateMany({
        where: { status: 'pending', OR: keys.map((key) => ({ platform: key.platform, updateKey: key.updateKey })) },
        data: { status: 'dropped', doneAt: new Date(this.now()) },
      });
    });
  }

  sent(messages: ReadonlyArray<Pick<OutboxMessage, 'turnKey' | 'seq'>>): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.guarded(async () => {
      for (let start = 0; start < messages.length; start += DELETE_CHUNK) {
        const chunk = messages.slice(start, start + DELETE_CHUNK);
        await this.prisma.$executeRawUnsafe(
          `DELETE FROM \`outbox_messages\` WHERE ${chunk.map(() => '(`turnKey` = ? AND `seq` = ?)').join(' OR ')}`,
          ...chunk.flatMap(({ turnKey, seq }) => [turnKey, seq]),
        );
      }
    });
  }

  orphans(platform: Platform, staleAfterMs: number): Promise<{ updates: InboxEntry[]; messages: OutboxMessage[] }> {
    return this.guarded(async () => {
      const staleBefore = this.now() - staleAfterMs;
      const gone = new Map<string, boolean>();
      const isGone = (owner: string) => {
        let known = gone.get(owner);
        if (known === undefined) gone.set(owner, (known = ownerIsGone(owner, this.owner)));
        return known;
      };

      const pending = await this.prisma.inboxUpdate.findMany({
        where: { platform, status: 'pending' },
        select: { updateKey: true, owner: true, receivedAt: true },
        orderBy: { receivedAt: 'asc' },
        take: SWEEP_LIMIT,
      });
      const orphanKeys = pending.filter((row) => row.owner !== this.owner && (isGone(row.owner) || row.receivedAt.getTime() < staleBefore)).map((row) => row.updateKey);
      const updates: InboxEntry[] = [];
      if (orphanKeys.length > 0) {
        // Taken over, so other replicas' sweeps leave them alone; apply() still runs each once.
        await this.prisma.inboxUpdate.updateMany({ where: { platform, status: 'pending', updateKey: { in: orphanKeys } }, data: { owner: this.owner } });
        const rows = await this.prisma.inboxUpdate.findMany({
          where: { platform, status: 'pending', updateKey: { in: orphanKeys } },
          select: { platform: true, updateKey: true, chatKey: true, payload: true },
          orderBy: { receivedAt: 'asc' },
        });
        updates.push(...rows.map((row) => ({ ...row, platform: row.platform as Platform })));
      }

      const now = new Date(this.now());
      await this.prisma.outboxMessage.deleteMany({ where: { platform, expiresAt: { lt: now } } });
      const unsent = await this.prisma.outboxMessage.findMany({
        where: { platform, owner: { not: this.owner } },
        select: { turnKey: true, seq: true, owner: true, leaseUntil: true },
        orderBy: [{ createdAt: 'asc' }, { seq: 'asc' }],
        take: SWEEP_LIMIT,
      });
      const claimable = unsent.filter((row) => isGone(row.owner) || row.leaseUntil.getTime() < now.getTime());
      const messages: OutboxMessage[] = [];
      if (claimable.length > 0) {
        const leaseUntil = new Date(this.now() + OUTBOX_LEASE_MS);
        // Only rows whose claim is unchanged since we read it: two sweeps never both win one.
        for (let start = 0; start < claimable.length; start += DELETE_CHUNK) {
          const chunk = claimable.slice(start, start + DELETE_CHUNK);
          await this.prisma.outboxMessage.updateMany({
            where: { OR: chunk.map((row) => ({ turnKey: row.turnKey, seq: row.seq, owner: row.owner, leaseUntil: row.leaseUntil })) },
            data: { owner: this.owner, leaseUntil },
          });
        }
        const rows = await this.prisma.outboxMessage.findMany({
          where: { platform, owner: this.owner, OR: claimable.map((row) => ({ turnKey: row.turnKey, seq: row.seq })) },
          select: { turnKey: true, seq: true, platform: true, chatKey: true, payload: true, expiresAt: true },
          orderBy: [{ createdAt: 'asc' }, { seq: 'asc' }],
        });
        messages.push(...rows.map((row) => ({ ...row, platform: row.platform as Platform })));
      }
      return { updates, messages };
    });
  }

  renewLeases(platform: Platform): Promise<void> {
    return this.guarded(async () => {
      await this.prisma.outboxMessage.updateMany({ where: { platform, owner: this.owner }, data: { leaseUntil: new Date(this.now() + OUTBOX_LEASE_MS) } });
    });
  }

  release(platform: Platform): Promise<void> {
    return this.guarded(async () => {
      await this.prisma.outboxMessage.updateMany({ where: { platform, owner: this.owner }, data: { owner: RELEASED_OWNER, leaseUntil: new Date(0) } });
      await this.prisma.inboxUpdate.updateMany({ where: { platform, owner: this.owner, status: 'pending' }, data: { owner: RELEASED_OWNER } });
    });
  }

  prune(olderThanMs: number): Promise<number> {
    return this.guarded(async () => {
      const cutoff = new Date(this.now() - olderThanMs);
      // Pending that long: nobody will apply it now (a Discord interaction's token is long dead).
      const { count } = await this.prisma.inboxUpdate.deleteMany({ where: { OR: [{ status: { not: 'pending' }, doneAt: { lt: cutoff } }, { receivedAt: { lt: cutoff } }] } });
      return count;
    });
  }
}
