/**
 * The database breaker (RELIABILITY.md, outages): once a query fails because the database cannot
 * be reached, every turn is answered "temporarily unavailable" at once, instead of each waiting out
 * the pool's acquire timeout, while one probe a second checks in the background. The first probe
 * that answers closes it, and work held back for it (`whenClosed`) goes on within a second.
 * @example
 * const breaker = new StorageBreaker(() => database.ping(), { log });
 * if (breaker.isOpen) return unavailableTurn(input);
 * try { … } catch (error) { if (isStorageUnavailable(error)) breaker.trip(error); }
 */
import { StorageUnavailableError } from '../core/ports/repositories.ts';
import type { Logger } from '../core/ports/logger.ts';

export interface BreakerOptions {
  log: Logger;
  /**
   * A check that does not wait on the connection pool (a TCP connect): `watch` runs it when a call
   * is slow, so the first calls of an outage fail within a second instead of after the pool's
   * acquire timeout. Without it, `watch` only waits.
   */
  reachable?: () => Promise<boolean>;
  /** A call slower than this gets the reachability check. */
  suspectAfterMs?: number;
  /** Between probes while open. */
  probeIntervalMs?: number;
  /** A probe slower than this counts as failed. */
  probeTimeoutMs?: number;
  /** Told when it opens and closes (for /metrics). */
  onChange?: (open: boolean) => void;
}

export class StorageBreaker {
  private open = false;
  private openedAt = 0;
  private waiters: Array<() => void> = [];
  private probing: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly options: BreakerOptions,
  ) {
    this.probeIntervalMs = options.probeIntervalMs ?? 1_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Throws StorageUnavailableError while open: the fast answer. */
  check(): void {
    if (this.open) throw new StorageUnavailableError('storage unavailable: the database is down (breaker open)');
  }

  /**
   * Runs a database call; when it is still pending after `suspectAfterMs` and the server is not
   * reachable, opens the breaker and fails the call at once with StorageUnavailableError (the call
   * itself goes on and fails later, unobserved).
   */
  async watch<T>(work: Promise<T>): Promise<T> {
    const reachable = this.options.reachable;
    if (!reachable) return work;
    let timer: NodeJS.Timeout | undefined;
    const suspicion = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void reachable().then((up) => {
          if (up) return;
          const error = new StorageUnavailableError('storage unavailable: the database server does not accept connections');
          this.trip(error);
          reject(error);
        });
      }, this.options.suspectAfterMs ?? 750);
    });
    work.catch(() => undefined);
    try {
      return await Promise.race([work, suspicion]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Opens it (the database just failed) and starts probing; no-op when already open. */
  trip(cause?: unknown): void {
    if (this.open || this.stopped) return;
    this.open = true;
    this.openedAt = Date.now();
    this.options.log.warn({ err: cause }, 'database unreachable: answering "temporarily unavailable" until it is back');
    this.options.onChange?.(true);
    this.schedule();
  }

  /** Resolves once closed (at once when it is). Stays pending while open, until `stop()`. */
  whenClosed(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops probing (shutdown); waiters are released so nothing hangs on it. */
  stop(): void {
    this.stopped = true;
    if (this.probing) clearTimeout(this.probing);
    this.probing = null;
    for (const wake of this.waiters.splice(0)) wake();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.probing = setTimeout(() => void this.probeOnce(), this.probeIntervalMs);
    this.probing.unref();
  }

  private async probeOnce(): Promise<void> {
    this.probing = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('probe timed out')), this.probeTimeoutMs);
        }),
      ]);
    } catch {
      this.schedule();
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    this.open = false;
    this.options.log.info({ downForMs: Date.now() - this.openedAt }, 'database answering again');
    this.options.onChange?.(false);
    for (const wake of this.waiters.splice(0)) wake();
  }
}
