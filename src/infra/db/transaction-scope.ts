/**
 * One transaction per turn, without threading a transaction client through every repository: the
 * repositories are built over `scope.client`, which runs on the transaction the current async
 * context opened with `scope.run` (node:async_hooks' AsyncLocalStorage), and on the plain client
 * outside one. So a rating, its `view` row, the update's completion and the replies commit
 * together or not at all (RELIABILITY.md, delivery).
 *
 * Inside a transaction, a repository's own `$transaction([...])` runs its statements in order on
 * the surrounding one (Prisma's transaction client has no `$transaction`).
 *
 * SQLite: the driver adapter serialises transactions behind one mutex, so turns commit one at a
 * time (better-sqlite3 is synchronous anyway). MySQL: READ COMMITTED (set for each pooled
 * connection in client.ts), so a retried insert sees the row a concurrent turn just committed
 * (REPEATABLE READ's snapshot would hide it).
 * @example
 * const scope = new TransactionScope(db.prisma, 'mysql');
 * const repos = createPrismaRepositories({ prisma: scope.client });
 * await scope.run(async () => { await repos.ratings.rate(u, m, 5); await repos.interactions.recordView(…); });
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PrismaDb } from './client.ts';

type Client = Record<string | symbol, unknown>;

/** Prisma's transaction client lacks these: inside a transaction they run on it directly. */
function joinedTransaction(tx: PrismaDb) {
  return async (work: unknown) => {
    if (typeof work === 'function') return (work as (client: PrismaDb) => Promise<unknown>)(tx);
    const results: unknown[] = [];
    for (const statement of work as Array<Promise<unknown>>) results.push(await statement);
    return results;
  };
}

export interface TransactionOptions {
  /** Longest wait for a connection (MySQL) or the write lock (SQLite). */
  maxWaitMs?: number;
  /** A transaction open longer than this is rolled back. */
  timeoutMs?: number;
}

export class TransactionScope {
  private readonly current = new AsyncLocalStorage<PrismaDb>();
  /** The client repositories use: the open transaction's, or the root client outside one. */
  readonly client: PrismaDb;

  constructor(
    private readonly root: PrismaDb,
    readonly kind: 'sqlite' | 'mysql',
    private readonly options: TransactionOptions = {},
  ) {
    const current = this.current;
    this.client = new Proxy(root as unknown as Client, {
      get(target, property) {
        const tx = current.getStore() as unknown as Client | undefined;
        if (tx === undefined) {
          const value = target[property];
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        if (property === '$transaction') return joinedTransaction(tx as unknown as PrismaDb);
        const value = tx[property];
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(tx) : value;
      },
    }) as unknown as PrismaDb;
  }

  /** True inside `run`. */
  get active(): boolean {
    return this.current.getStore() !== undefined;
  }

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws. Inside
   * another `run`, it joins that one.
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active) return work();
    return this.root.$transaction((tx) => this.current.run(tx as unknown as PrismaDb, work), {
      maxWait: this.options.maxWaitMs ?? 10_000,
      timeout: this.options.timeoutMs ?? 30_000,
      // MySQL: READ COMMITTED is the session's level (client.ts sets it per connection).
    });
  }
}
