/**
 * Per-user sliding-window rate limit, applied by the core to every channel.
 * @example
 * const limiter = new RateLimiter({ turns: 10, windowMs: 10_000 }, clock);
 * limiter.allow('telegram:42') // true until the 11th turn within 10 s
 */
import type { Clock } from '../ports/repositories.ts';

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  /** When each key was last told to slow down. */
  private readonly refusedAt = new Map<string, number>();

  constructor(
    private readonly limit: { turns: number; windowMs: number },
    private readonly clock: Clock,
  ) {}

  /** Records a turn and says whether it may proceed. Refused turns are not counted. */
  allow(key: string): boolean {
    const now = this.clock.now().getTime();
    const recent = (this.hits.get(key) ?? []).filter((at) => now - at < this.limit.windowMs);
    if (recent.length >= this.limit.turns) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000) this.sweep(now);
    return true;
  }

  /**
   * True for the first refusal of a run (none told within the window), so a flood is answered with
   * one "slow down", not one per message.
   */
  firstRefusal(key: string): boolean {
    const now = this.clock.now().getTime();
    const last = this.refusedAt.get(key);
    if (last !== undefined && now - last < this.limit.windowMs) return false;
    this.refusedAt.set(key, now);
    return true;
  }

  /** Seconds until the oldest counted turn leaves the window. */
  retryAfterSeconds(key: string): number {
    const now = this.clock.now().getTime();
    const oldest = (this.hits.get(key) ?? [])[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((this.limit.windowMs - (now - oldest)) / 1000));
  }

  /** Keeps memory bounded on busy servers: forget users with no turn in the window. */
  private sweep(now: number): void {
    for (const [key, hits] of this.hits) if (hits.every((at) => now - at >= this.limit.windowMs)) this.hits.delete(key);
    for (const [key, at] of this.refusedAt) if (now - at >= this.limit.windowMs) this.refusedAt.delete(key);
  }
}
