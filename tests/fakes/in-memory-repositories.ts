/**
 * In-memory fakes of every storage port (STYLE.md C4, C10), held to the same contract as the Prisma
 * repositories (tests/contracts/repositories.contract.ts). They behave like the database where the
 * core can tell: one row per (user, movie), unknown users and movies are rejected like foreign keys,
 * display names are cut to 191 characters, the catalog is frozen and ordered the same way.
 *
 * Helpers for tests read like the question being asked: `rowsFor(userId)`, `displayNameOf(accountId)`,
 * `goOffline()` (every call then throws StorageUnavailableError, as when MySQL is down).
 *
 * `latencyMs` adds a random, seeded delay before and after every operation, so that callers'
 * read-then-write races show up in tests, as telegraf's AsyncStore test helper does. Each operation
 * itself stays atomic, like one SQL statement under a unique key.
 * @example
 * const repos = createInMemoryRepositories([aMovie({ emotions: { happy: 0.9 } })], { latencyMs: 3 });
 * const { userId } = await repos.users.findOrCreate({ platform: 'console', platformUserId: '1', displayName: 'Ana' });
 * expect(repos.rowsFor(userId).platform_accounts).toBe(1);
 */
import type { ChannelUser } from '../../src/core/conversation/turn.ts';
import { isEmotion, type Emotion } from '../../src/core/domain/emotions.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import {
  StorageUnavailableError,
  type Account,
  type CatalogRepository,
  type ConversationStateStore,
  type DeletedRows,
  type DismissalRepository,
  type FavoriteRecord,
  type FavoriteRepository,
  type InteractionRepository,
  type RatingRecord,
  type RatingRepository,
  type Repositories,
  type UserHistory,
  type UserHistoryRepository,
  type UserRepository,
} from '../../src/core/ports/repositories.ts';

/** The tables a user has rows in, as the Prisma repositories name them in forget()'s result. */
export const USER_TABLES = ['conversation_states', 'interactions', 'favorites', 'ratings', 'dismissals', 'platform_accounts', 'users'] as const;
export type UserTable = (typeof USER_TABLES)[number];
export type RowCounts = Record<UserTable, number>;

const DISPLAY_NAME_MAX_CHARS = 191;

export interface InMemoryOptions {
  /** Upper bound (ms) of a random delay added before and after every operation; 0 (default) for none. */
  latencyMs?: number;
  /** Random source for the delays; seeded by default so a failing run repeats. */
  random?: () => number;
  /** Clock for created/updated timestamps. */
  now?: () => Date;
}

/** Small seeded PRNG (mulberry32): deterministic latency without a dependency. */
export function seededRandom(seed = 123456): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface AccountRow { id: number; platform: string; externalId: string; displayName: string; userId: number }
interface PairRow { userId: number; movieId: number; createdAt: Date }
interface RatingRow extends PairRow { stars: number; updatedAt: Date }
interface InteractionRow { userId: number; movieId: number; emotion: Emotion | null; kind: 'shown' | 'view'; at: Date }

const pair = (userId: number, movieId: number) => `${userId}:${movieId}`;

/** The shared "database" behind the fakes: one object, so forget() can reach every table. */
export class InMemoryStore {
  readonly users = new Map<number, { createdAt: Date }>();
  readonly accounts = new Map<number, AccountRow>();
  readonly accountByKey = new Map<string, number>();
  /** Every account a user ever had, kept after forget() so rowsFor can prove their states are gone. */
  readonly accountHistory = new Map<number, number[]>();
  readonly ratings = new Map<string, RatingRow>();
  readonly favorites = new Map<string, PairRow>();
  readonly dismissals = new Map<string, PairRow>();
  interactions: InteractionRow[] = [];
  readonly states = new Map<number, string>();
  readonly movies: ReadonlyMap<number, Movie>;
  /** Every movie in id order, frozen: what catalog.allMovies() hands out. */
  readonly allMovies: readonly Movie[];
  private nextUserId = 1;
  private nextAccountId = 1;
  private offline = false;
  private readonly latencyMs: number;
  private readonly random: () => number;
  readonly now: () => Date;

  constructor(movies: readonly Movie[], options: InMemoryOptions) {
    this.movies = new Map(movies.map((movie) => [movie.id, freezeMovie(movie)]));
    this.allMovies = Object.freeze([...this.movies.values()].sort((a, b) => a.id - b.id));
    this.latencyMs = options.latencyMs ?? 0;
    this.random = options.random ?? seededRandom();
    this.now = options.now ?? (() => new Date());
  }

  /** Runs one atomic operation between two random delays; throws while offline. */
  async run<T>(work: () => T): Promise<T> {
    await this.pause();
    if (this.offline) throw new StorageUnavailableError('storage unavailable (in-memory fake is offline)');
    const result = work();
    await this.pause();
    return result;
  }

  setOffline(offline: boolean): void {
    this.offline = offline;
  }

  newUserId(): number {
    return this.nextUserId++;
  }

  newAccountId(): number {
    return this.nextAccountId++;
  }

  /** Mirrors the foreign keys: rows may only refer to existing users and movies. */
  assertRefs(userId: number, movieId: number): void {
    if (!this.users.has(userId)) throw new Error(`foreign key: no user ${userId}`);
    if (!this.movies.has(movieId)) throw new Error(`foreign key: no movie ${movieId}`);
  }

  private pause(): Promise<void> {
    if (this.latencyMs <= 0) return Promise.resolve();
    const ms = Math.floor(this.random() * (this.latencyMs + 1));
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function freezeMovie(movie: Movie): Movie {
  return Object.freeze({
    ...movie,
    genres: Object.freeze([...movie.genres]) as string[],
    cast: Object.freeze([...movie.cast]) as string[],
    emotions: Object.freeze({ ...movie.emotions }),
  });
}

function clipDisplayName(name: string): string {
  const codePoints = Array.from(name);
  return codePoints.length <= DISPLAY_NAME_MAX_CHARS ? name : codePoints.slice(0, DISPLAY_NAME_MAX_CHARS).join('');
}

function assertStars(stars: number): void {
  if (!Number.isInteger(stars) || stars < 1 || stars > 5) throw new RangeError(`stars must be an integer from 1 to 5, got ${String(stars)}`);
}

export class InMemoryUserRepository implements UserRepository {
  constructor(private readonly store: InMemoryStore) {}

  async findOrCreate(user: ChannelUser): Promise<Account> {
    if (Array.from(user.platformUserId).length > 64) throw new RangeError('platformUserId longer than 64 characters');
    const displayName = clipDisplayName(user.displayName);
    return this.store.run(() => {
      const key = `${user.platform}\u0000${user.platformUserId}`;
      const existingId = this.store.accountByKey.get(key);
      const existing = existingId === undefined ? undefined : this.store.accounts.get(existingId);
      if (existing) {
        existing.displayName = displayName;
        return { userId: existing.userId, accountId: existing.id, created: false };
      }
      const userId = this.store.newUserId();
      const accountId = this.store.newAccountId();
      this.store.users.set(userId, { createdAt: this.store.now() });
      this.store.accounts.set(accountId, { id: accountId, platform: user.platform, externalId: user.platformUserId, displayName, userId });
      this.store.accountByKey.set(key, accountId);
      this.store.accountHistory.set(userId, [...(this.store.accountHistory.get(userId) ?? []), accountId]);
      return { userId, accountId, created: true };
    });
  }

  find(user: ChannelUser): Promise<Account | null> {
    return this.store.run(() => {
      const accountId = this.store.accountByKey.get(`${user.platform}\u0000${user.platformUserId}`);
      const account = accountId === undefined ? undefined : this.store.accounts.get(accountId);
      return account ? { userId: account.userId, accountId: account.id, created: false } : null;
    });
  }

  forget(userId: number): Promise<DeletedRows> {
    return this.store.run(() => {
      const s = this.store;
      const accounts = [...s.accounts.values()].filter((account) => account.userId === userId);
      const removeWhere = <V extends { userId: number }>(table: Map<string, V>) => {
        let removed = 0;
        for (const [key, row] of table) if (row.userId === userId && table.delete(key)) removed++;
        return removed;
      };
      let states = 0;
      for (const account of accounts) if (s.states.delete(account.id)) states++;
      const before = s.interactions.length;
      s.interactions = s.interactions.filter((row) => row.userId !== userId);
      const deleted: RowCounts = {
        conversation_states: states,
        interactions: before - s.interactions.length,
        favorites: removeWhere(s.favorites),
        ratings: removeWhere(s.ratings),
        dismissals: removeWhere(s.dismissals),
        platform_accounts: accounts.length,
        users: s.users.delete(userId) ? 1 : 0,
      };
      for (const account of accounts) {
        s.accounts.delete(account.id);
        s.accountByKey.delete(`${account.platform}\u0000${account.externalId}`);
      }
      return deleted;
    });
  }
}

export class InMemoryRatingRepository implements RatingRepository {
  constructor(private readonly store: InMemoryStore) {}

  async rate(userId: number, movieId: number, stars: number): Promise<void> {
    assertStars(stars);
    return this.store.run(() => {
      this.store.assertRefs(userId, movieId);
      const now = this.store.now();
      const existing = this.store.ratings.get(pair(userId, movieId));
      if (existing) {
        existing.stars = stars;
        existing.updatedAt = now;
      } else {
        this.store.ratings.set(pair(userId, movieId), { userId, movieId, stars, createdAt: now, updatedAt: now });
      }
    });
  }

  /** Most recently rated first, like the Prisma repository. */
  ratingsOf(userId: number): Promise<RatingRecord[]> {
    return this.store.run(() =>
      [...this.store.ratings.values()]
        .filter((row) => row.userId === userId)
        .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || a.movieId - b.movieId)
        .map((row) => ({ movieId: row.movieId, stars: row.stars, at: row.updatedAt })),
    );
  }
}

export class InMemoryFavoriteRepository implements FavoriteRepository {
  constructor(private readonly store: InMemoryStore) {}

  add(userId: number, movieId: number): Promise<boolean> {
    return this.store.run(() => {
      this.store.assertRefs(userId, movieId);
      if (this.store.favorites.has(pair(userId, movieId))) return false;
      this.store.favorites.set(pair(userId, movieId), { userId, movieId, createdAt: this.store.now() });
      return true;
    });
  }

  remove(userId: number, movieId: number): Promise<boolean> {
    return this.store.run(() => this.store.favorites.delete(pair(userId, movieId)));
  }

  favoritesOf(userId: number): Promise<FavoriteRecord[]> {
    return this.store.run(() =>
      [...this.store.favorites.values()]
        .filter((row) => row.userId === userId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.movieId - a.movieId)
        .map((row) => ({ movieId: row.movieId, at: row.createdAt })),
    );
  }
}

export class InMemoryDismissalRepository implements DismissalRepository {
  constructor(private readonly store: InMemoryStore) {}

  dismiss(userId: number, movieId: number): Promise<void> {
    return this.store.run(() => {
      this.store.assertRefs(userId, movieId);
      if (!this.store.dismissals.has(pair(userId, movieId))) this.store.dismissals.set(pair(userId, movieId), { userId, movieId, createdAt: this.store.now() });
    });
  }

  dismissedBy(userId: number): Promise<Set<number>> {
    return this.store.run(() => new Set([...this.store.dismissals.values()].filter((row) => row.userId === userId).map((row) => row.movieId)));
  }
}

export class InMemoryInteractionRepository implements InteractionRepository {
  constructor(private readonly store: InMemoryStore) {}

  recordShown(userId: number, movieIds: readonly number[], emotion: Emotion | null, at: Date): Promise<void> {
    return this.store.run(() => {
      const unique = [...new Set(movieIds)];
      for (const movieId of unique) this.store.assertRefs(userId, movieId);
      for (const movieId of unique) this.store.interactions.push({ userId, movieId, emotion, kind: 'shown', at: new Date(at) });
    });
  }

  recordView(userId: number, movieId: number, emotion: Emotion | null, at: Date): Promise<void> {
    return this.store.run(() => {
      this.store.assertRefs(userId, movieId);
      this.store.interactions.push({ userId, movieId, emotion, kind: 'view', at: new Date(at) });
    });
  }

  shownSince(userId: number, since: Date): Promise<Set<number>> {
    return this.store.run(
      () => new Set(this.store.interactions.filter((row) => row.userId === userId && row.kind === 'shown' && row.at >= since).map((row) => row.movieId)),
    );
  }

  counts(userId: number): Promise<{ views: number; shown: number }> {
    return this.store.run(() => {
      const mine = this.store.interactions.filter((row) => row.userId === userId);
      return { views: mine.filter((row) => row.kind === 'view').length, shown: mine.filter((row) => row.kind === 'shown').length };
    });
  }
}

/** Composes the other fakes; the Prisma version reads the same in one statement. */
export class InMemoryUserHistoryRepository implements UserHistoryRepository {
  constructor(
    private readonly ratings: InMemoryRatingRepository,
    private readonly favorites: InMemoryFavoriteRepository,
    private readonly dismissals: InMemoryDismissalRepository,
    private readonly interactions: InMemoryInteractionRepository,
  ) {}

  async historyOf(userId: number, shownSince: Date): Promise<UserHistory> {
    const [ratings, favorites, dismissed, recentlyShown, counts] = await Promise.all([
      this.ratings.ratingsOf(userId),
      this.favorites.favoritesOf(userId),
      this.dismissals.dismissedBy(userId),
      this.interactions.shownSince(userId, shownSince),
      this.interactions.counts(userId),
    ]);
    return { ratings, favorites, dismissed, recentlyShown, views: counts.views, shown: counts.shown };
  }
}

/** Same order as the Prisma catalog: strongest weight first, then lower id. */
export class InMemoryCatalogRepository implements CatalogRepository {
  constructor(private readonly store: InMemoryStore) {}

  /** A new frozen array per call: correct for the port, though it gives callers' per-list caches nothing to keep. */
  moviesForMood(mood: Emotion, minWeight: number): Promise<readonly Movie[]> {
    return this.store.run(() =>
      Object.freeze(
        [...this.store.movies.values()]
          .map((movie) => ({ movie, weight: movie.emotions[mood] ?? 0 }))
          .filter((entry) => isEmotion(mood) && entry.weight > 0 && entry.weight >= minWeight)
          .sort((a, b) => b.weight - a.weight || a.movie.id - b.movie.id)
          .map((entry) => entry.movie),
      ),
    );
  }

  /** One frozen list for the life of the store (its catalog never changes), like the Prisma catalog between reloads. */
  allMovies(): Promise<readonly Movie[]> {
    return this.store.run(() => this.store.allMovies);
  }

  moviesByIds(ids: readonly number[]): Promise<Movie[]> {
    return this.store.run(() => [...new Set(ids)].flatMap((id) => this.store.movies.get(id) ?? []));
  }

  count(): Promise<number> {
    return this.store.run(() => this.store.movies.size);
  }
}

/** load() of an account with no state resolves `undefined`; save(id, undefined) deletes. */
export class InMemoryConversationStateStore implements ConversationStateStore {
  constructor(private readonly store: InMemoryStore) {}

  load(accountId: number): Promise<unknown> {
    return this.store.run(() => {
      const json = this.store.states.get(accountId);
      // Stored as JSON text, as in the database, so Dates and class instances come back as plain JSON.
      return json === undefined ? undefined : (JSON.parse(json) as unknown);
    });
  }

  save(accountId: number, state: unknown): Promise<void> {
    const json = state === undefined ? undefined : (JSON.stringify(state) as string | undefined);
    return this.store.run(() => {
      if (json === undefined) {
        this.store.states.delete(accountId);
        return;
      }
      if (!this.store.accounts.has(accountId)) throw new Error(`foreign key: no account ${accountId}`);
      this.store.states.set(accountId, json);
    });
  }
}

export interface InMemoryRepositories extends Repositories {
  users: InMemoryUserRepository;
  ratings: InMemoryRatingRepository;
  favorites: InMemoryFavoriteRepository;
  dismissals: InMemoryDismissalRepository;
  interactions: InMemoryInteractionRepository;
  histories: InMemoryUserHistoryRepository;
  catalog: InMemoryCatalogRepository;
  states: InMemoryConversationStateStore;
  /** The shared tables, for assertions the helpers below do not cover. */
  store: InMemoryStore;
  /** Rows per table that refer to the user, including states of accounts they once had. */
  rowsFor(userId: number): RowCounts;
  /** Rows in a whole table, e.g. to prove a race created exactly one user. */
  totalRows(table: UserTable): number;
  displayNameOf(accountId: number): string | undefined;
  /** Until goOnline(), every call throws StorageUnavailableError, as when the database is down. */
  goOffline(): void;
  goOnline(): void;
}

export function createInMemoryRepositories(movies: Movie[] = [], options: InMemoryOptions = {}): InMemoryRepositories {
  const store = new InMemoryStore(movies, options);
  const ratings = new InMemoryRatingRepository(store);
  const favorites = new InMemoryFavoriteRepository(store);
  const dismissals = new InMemoryDismissalRepository(store);
  const interactions = new InMemoryInteractionRepository(store);
  const countWhere = <V extends { userId: number }>(rows: Iterable<V>, userId: number) => [...rows].filter((row) => row.userId === userId).length;
  return {
    users: new InMemoryUserRepository(store),
    ratings,
    favorites,
    dismissals,
    interactions,
    histories: new InMemoryUserHistoryRepository(ratings, favorites, dismissals, interactions),
    catalog: new InMemoryCatalogRepository(store),
    states: new InMemoryConversationStateStore(store),
    store,
    rowsFor: (userId) => ({
      conversation_states: (store.accountHistory.get(userId) ?? []).filter((accountId) => store.states.has(accountId)).length,
      interactions: countWhere(store.interactions, userId),
      favorites: countWhere(store.favorites.values(), userId),
      ratings: countWhere(store.ratings.values(), userId),
      dismissals: countWhere(store.dismissals.values(), userId),
      platform_accounts: countWhere(store.accounts.values(), userId),
      users: store.users.has(userId) ? 1 : 0,
    }),
    totalRows: (table) => {
      switch (table) {
        case 'users': return store.users.size;
        case 'platform_accounts': return store.accounts.size;
        case 'conversation_states': return store.states.size;
        case 'interactions': return store.interactions.length;
        case 'favorites': return store.favorites.size;
        case 'ratings': return store.ratings.size;
        case 'dismissals': return store.dismissals.size;
      }
    },
    displayNameOf: (accountId) => store.accounts.get(accountId)?.displayName,
    goOffline: () => store.setOffline(true),
    goOnline: () => store.setOffline(false),
  };
}
