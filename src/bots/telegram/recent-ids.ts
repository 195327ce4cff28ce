/**
 * Remembers the update_ids already taken, so an update Telegram delivers twice (a webhook retried
 * after a timeout, a batch re-sent after a restart, the same id twice in one batch) has one
 * effect. Bounded: the oldest ids are forgotten first (a Set keeps insertion order).
 * @example
 * const seen = new RecentIds();
 * seen.add(7) // true: new
 * seen.add(7) // false: a duplicate
 */
export class RecentIds {
  private readonly ids = new Set<number>();

  constructor(private readonly capacity = 10_000) {}

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Records `id`; false when it was already there. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
