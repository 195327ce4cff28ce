/**
 * What happens to an acknowledged Discord interaction, durably (README.md, Delivery; the shared
 * flow is in src/delivery):
 * 1. `handle` records it in the inbox (its id is the key, so a redelivery, even to another
 *    process, is recognised and has no effect). When it cannot be recorded (the database is down)
 *    the user is told "temporarily unavailable" at once: Discord never delivers it again.
 * 2. Its turn runs in one transaction with the interaction's completion and its answer's webhook
 *    calls (DeliveryStore.apply): a crash before the commit leaves it pending, after it leaves the
 *    calls in the outbox. A turn that failed is rolled back and completed with its apology instead.
 * 3. DiscordSender sends the calls and removes each from the outbox.
 * 4. Recovery (at start, then every 10 s): interactions another process left pending are applied
 *    and answered while their token has time left, else dropped; its unsent calls are sent (the
 *    expired ones are deleted by the store).
 * @example
 * const delivery = new InteractionDelivery({ conversation, store, sender, log });
 * await delivery.handle(pending, channelId, (text) => responder.failure(text));
 */
import { randomBytes } from 'node:crypto';
import type { Conversation, Turn } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { IdleSignal } from '../../shared/idle-signal.ts';
import { StorageUnavailableError } from '../../core/ports/repositories.ts';
import { TurnUndone, type DeliveryStore, type UpdateKey } from '../../delivery/ports.ts';
import type { Counter, DiscordSender } from './outbox-sender.ts';
import { deferralOf, planReplies, readPendingInteraction, replyDeadline, toOutboxEntries, type PendingInteraction } from './reply-plan.ts';
import { safeError } from './safe-error.ts';

export interface DeliveryOptions {
  conversation: Conversation;
  store: DeliveryStore;
  /** Open while the database is known to be down (src/delivery/breaker.ts). */
  breaker?: { readonly isOpen: boolean };
  sender: DiscordSender;
  log: Logger;
  metrics?: Counter;
  /** How often work left by another process is looked for, and reply claims renewed. */
  sweepIntervalMs?: number;
  /** Pending interactions older than this are taken over from any process (it may have died). */
  staleAfterMs?: number;
  now?: () => number;
}

/** Tells the user something about a live interaction (through its Responder). */
export type Notify = (text: string) => Promise<unknown>;

const PLATFORM = 'discord';
/** A recovered interaction is applied only if its answer then still has this long to go out. */
const RECOVERY_MIN_REMAINING_MS = 30_000;
/** Recovered interactions applied at once. */
const RECOVERY_CONCURRENCY = 4;
/** Done interactions are kept this long (the same retention as Telegram's updates: prune is shared). */
const INBOX_RETENTION_MS = 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

const keyOf = (pending: Pick<PendingInteraction, 'interactionId'>): UpdateKey => ({ platform: PLATFORM, updateKey: pending.interactionId });
const isUnavailable = (error: unknown) => error instanceof StorageUnavailableError || (error instanceof TurnUndone && error.turn.outcome === 'unavailable');

export class InteractionDelivery {
  private inFlight = 0;
  private readonly drained = new IdleSignal(() => this.inFlight === 0);
  /** Interactions whose user was told "try again": dropped once the database answers, never applied later. */
  private readonly toDrop = new Set<string>();
  /** Recovered interactions that met an outage: tried again at the next sweep while their token lives. */
  private readonly toRetry = new Map<string, { pending: PendingInteraction; chatKey: string }>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: DeliveryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True while the database is known to be down: answer "temporarily unavailable" without deferring. */
  get unavailable(): boolean {
    return this.options.breaker?.isOpen === true;
  }

  /** Interactions being recorded, applied or recovered. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * A live, acknowledged interaction: recorded, applied, its answer queued for sending. Expected
   * outcomes are handled here (duplicate, outage, a failed turn); anything else is thrown for the
   * adapter's one catch, after the interaction was dropped so it is never applied later.
   */
  handle(pending: PendingInteraction, chatKey: string, notify: Notify): Promise<void> {
    return this.track(async () => {
      let fresh: boolean;
      try {
        if (this.unavailable) throw new StorageUnavailableError('storage unavailable: breaker open');
        fresh = await this.options.store.record({ platform: PLATFORM, updateKey: pending.interactionId, chatKey, payload: JSON.stringify(pending) });
      } catch (error) {
        if (!(error instanceof StorageUnavailableError)) throw error;
        await this.tellUnavailable(notify);
        return;
      }
      if (!fresh) {
        this.options.metrics?.increment('discord_duplicate_interactions_total');
        this.options.log.info({ interactionId: pending.interactionId }, 'duplicate interaction ignored (already recorded)');
        return;
      }
      const outcome = await this.apply(pending, chatKey).catch(async (error: unknown) => {
        await this.options.store.drop([keyOf(pending)]).catch(() => this.toDrop.add(pending.interactionId));
        throw error;
      });
      if (outcome === 'unavailable') {
        // Discord cannot redeliver it, so the user is asked to try again and it is never applied later.
        this.toDrop.add(pending.interactionId);
        await this.tellUnavailable(notify);
      }
    });
  }

  /** Starts looking for work another process left (now, then every `sweepIntervalMs`). */
  startRecovery(): void {
    const interval = this.options.sweepIntervalMs ?? 10_000;
    const sweep = async () => {
      this.sweepTimer = null;
      await this.recover().catch((error: unknown) => this.options.log.warn({ err: safeError(error) }, 'could not look for unfinished discord deliveries'));
      if (!this.closed) {
        this.sweepTimer = setTimeout(() => void sweep(), interval);
        this.sweepTimer.unref();
      }
    };
    void sweep();
  }

  /** Applies interactions and sends answers that no running process is looking after. */
  async recover(): Promise<void> {
    const { store, log, metrics } = this.options;
    if (this.unavailable || this.closed) return;
    await this.dropTold();
    await store.renewLeases('discord');
    const { updates, messages } = await store.orphans(PLATFORM, this.options.staleAfterMs ?? 120_000);
    if (updates.length > 0 || messages.length > 0) log.info({ interactions: updates.length, replies: messages.length }, 'taking over unfinished discord deliveries');
    const candidates: Array<{ updateKey: string; pending: PendingInteraction | null; chatKey: string }> = [...this.toRetry.entries()].map(([updateKey, retry]) => ({ updateKey, ...retry }));
    this.toRetry.clear();
    candidates.push(...updates.map((row) => ({ updateKey: row.updateKey, pending: readPendingInteraction(row.payload), chatKey: row.chatKey })));
    const work: Array<{ pending: PendingInteraction; chatKey: string }> = [];
    const expired: UpdateKey[] = [];
    for (const { updateKey, pending, chatKey } of candidates) {
      if (pending && replyDeadline(pending) - this.now() > RECOVERY_MIN_REMAINING_MS) work.push({ pending, chatKey });
      else expired.push({ platform: PLATFORM, updateKey });
    }
    if (expired.length > 0) {
      // Its token has (nearly) run out: applying it now would be an effect its user never sees answered.
      await store.drop(expired);
      metrics?.increment('discord_interactions_expired_total', {}, expired.length);
      log.info({ count: expired.length }, 'pending discord interactions expired; dropped');
    }
    this.options.sender.enqueue(messages);
    if (work.length > 0) {
      await this.track(async () => {
        for (let start = 0; start < work.length && !this.closed; start += RECOVERY_CONCURRENCY) {
          await Promise.all(work.slice(start, start + RECOVERY_CONCURRENCY).map(({ pending, chatKey }) => this.applyRecovered(pending, chatKey)));
        }
      });
    }
    if (this.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = this.now();
      const pruned = await store.prune(INBOX_RETENTION_MS);
      if (pruned > 0) log.debug({ pruned }, 'old inbox rows removed');
    }
  }

  /** Resolves true once nothing is being recorded, applied or recovered, or false after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<boolean> {
    return this.drained.wait(timeoutMs);
  }

  /**
   * Stops: no more sweeps, waits up to `timeoutMs` for work in progress and the answers being sent,
   * then stops sending (unsent calls stay in the outbox) and gives its claims up to the next process.
   */
  async stop(timeoutMs: number): Promise<{ cut: boolean; unsent: number }> {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    const deadline = this.now() + timeoutMs;
    const done = await this.idle(timeoutMs);
    await this.options.sender.idle(Math.max(0, deadline - this.now()));
    const unsent = this.options.sender.pending;
    await this.options.sender.close();
    await this.options.store.release('discord').catch((error: unknown) => this.options.log.warn({ err: safeError(error) }, 'could not release unfinished discord deliveries; another process takes them over when they are stale'));
    return { cut: !done, unsent };
  }

  /**
   * Applies one recorded interaction: 'done' (answer queued, or nothing to do), or 'unavailable'
   * (the database gave out: nothing of it was kept and it is still pending). Throws for anything
   * unexpected.
   */
  private async apply(pending: PendingInteraction, chatKey: string): Promise<'done' | 'unavailable'> {
    const { store, sender } = this.options;
    const key = keyOf(pending);
    const answer = (turn: Turn) => toOutboxEntries(pending, chatKey, planReplies(pending, turn));
    try {
      const applied = await store.apply(key, async () => {
        const turn = await this.options.conversation.handle(pending.inbound);
        if (turn.outcome) throw new TurnUndone(turn);
        return { value: turn, outbox: answer(turn) };
      });
      if (applied) sender.enqueue(applied.outbox);
      return 'done';
    } catch (error) {
      if (isUnavailable(error)) return 'unavailable';
      if (!(error instanceof TurnUndone)) throw error;
      // The turn failed: its writes are undone, and the interaction completes with the apology.
      const apology = await store.apply(key, () => Promise.resolve({ value: error.turn, outbox: answer(error.turn) })).catch((failure: unknown) => {
        if (isUnavailable(failure)) return 'unavailable' as const;
        throw failure;
      });
      if (apology === 'unavailable') return 'unavailable';
      if (apology) sender.enqueue(apology.outbox);
      return 'done';
    }
  }

  /** A recovered interaction: nobody waits on a Responder, so failures are told over its webhook. */
  private async applyRecovered(pending: PendingInteraction, chatKey: string): Promise<void> {
    const { log, metrics, sender } = this.options;
    metrics?.increment('discord_interactions_recovered_total');
    try {
      const outcome = await this.apply(pending, chatKey);
      if (outcome === 'unavailable') this.toRetry.set(pending.interactionId, { pending, chatKey });
    } catch (error) {
      const ref = randomBytes(4).toString('hex');
      metrics?.increment('discord_interaction_failures_total', { kind: 'recovered' });
      log.error({ err: safeError(error), reference: ref, interactionId: pending.interactionId }, 'discord interaction failed');
      await this.options.store.drop([keyOf(pending)]).catch(() => this.toDrop.add(pending.interactionId));
      // Its original still says "thinking…" (the process that deferred it answered nothing).
      await sender.notify({ applicationId: pending.applicationId, token: pending.token, deferral: deferralOf(pending) }, copy.failed(ref), false);
    }
  }

  /** Drops the interactions whose users were told "temporarily unavailable", now that the database may answer. */
  private async dropTold(): Promise<void> {
    if (this.toDrop.size === 0) return;
    const keys = [...this.toDrop.keys()];
    await this.options.store.drop(keys.map((updateKey) => ({ platform: PLATFORM, updateKey })));
    for (const key of keys) this.toDrop.delete(key);
  }

  private async tellUnavailable(notify: Notify): Promise<void> {
    this.options.metrics?.increment('discord_unavailable_replies_total');
    await notify(copy.unavailable());
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.drained.check();
    }
  }
}
