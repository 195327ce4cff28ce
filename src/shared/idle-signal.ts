/**
 * "Wait until idle, at most this long", for anything that counts work in flight (turns, queued
 * jobs, unsent replies). The owner says what idle means and calls `check()` whenever work ends.
 * @example
 * const idle = new IdleSignal(() => this.running === 0);
 * // when a job ends: this.running--; idle.check();
 * await idle.wait(3_000); // true once idle, false after 3 s
 */
export class IdleSignal {
  private waiters: Array<() => void> = [];

  constructor(private readonly isIdle: () => boolean) {}

  /** Resolves true once idle (at once when it is), or false after `timeoutMs` (never, without one). */
  wait(timeoutMs?: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? null : setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        if (timer) clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Wakes the waiters if idle now. */
  check(): void {
    if (this.isIdle()) for (const wake of this.waiters.splice(0)) wake();
  }
}
