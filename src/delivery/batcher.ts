/**
 * Group commit: items pushed while a write is in flight wait for it and then go in one write
 * together, so a burst costs one round trip (and one fsync) per batch, not per item. Used for the
 * inbox's INSERT and the outage spool's append.
 * @example
 * const inserts = new Batcher((entries) => insertAll(entries), 100); // resolves one result per entry
 * const fresh = await inserts.push(entry);
 */
export class Batcher<T, R> {
  private readonly queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private writing = false;

  /** `write` gets up to `maxBatch` items and resolves with one result per item, in order. */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {}

  push(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.write(batch.map((entry) => entry.item));
          batch.forEach((entry, i) => entry.resolve(results[i]!));
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
