/**
 * Runs tasks one at a time per key, in arrival order; different keys run side by side. The glue
 * keys turns by the acting user, so a double tap or a fast "/feel, /more" is handled in order
 * (last write wins) while other users are not held up.
 * @example
 * const queue = new KeyedQueue();
 * await queue.run('42', () => conversation.handle(inbound));
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
