/**
 * Storage ports the core needs, named for what it asks (STYLE.md C4). Implementations:
 * Prisma (src/infra/db/repositories, SQLite and MySQL) and in-memory fakes (tests/fakes). One
 * contract suite (tests/contracts/repositories.contract.ts) runs against all three.
 *
 * Writes are idempotent: a double click must leave exactly one row per (user, movie).
 * When the database cannot be reached, implementations throw StorageUnavailableError.
 */
import type { Emotion } from '../domain/emotions.ts';
import type { Movie } from '../domain/movie.ts';
import type { ChannelUser } from '../conversation/turn.ts';

/** The database is unreachable or overloaded; the core answers "temporarily unavailable". */
export class StorageUnavailableError extends Error {
  readonly code = 'STORAGE_UNAVAILABLE';
  constructor(message = 'storage unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

export interface Account {
  userId: number;
  accountId: number;
  /** True when this call created the user (first contact). */
  created: boolean;
  /**
   * The account's stored conversation state, when the repository read it in the same query
   * (saves a round trip per turn); `undefined` means "not read here: ask the state store".
   */
  state?: unknown;
}

/** Rows removed by /forgetme, per table. */
export type DeletedRows = Record<string, number>;

/**
 * @example
 * const { userId, created } = await users.findOrCreate({ platform: 'telegram', platformUserId: '42', displayName: 'Ana' });
 */
export interface UserRepository {
  /** Idempotent under concurrency: two first messages at once create one user. */
  findOrCreate(user: ChannelUser): Promise<Account>;
  /** The existing account, or null; never creates (for turns that must not register anyone). */
  find(user: ChannelUser): Promise<Account | null>;
  /** Deletes the user and every row that refers to them, in every table. */
  forget(userId: number): Promise<DeletedRows>;
}

export interface RatingRecord {
  movieId: number;
  stars: number;
  at: Date;
}

/**
 * @example
 * await ratings.rate(userId, movieId, 5); // twice → still one row
 */
export interface RatingRepository {
  /** Inserts or replaces the user's rating of a movie (1–5). */
  rate(userId: number, movieId: number, stars: number): Promise<void>;
  ratingsOf(userId: number): Promise<RatingRecord[]>;
}

export interface FavoriteRecord {
  movieId: number;
  at: Date;
}

export interface FavoriteRepository {
  /** Returns false when it was already a favorite. */
  add(userId: number, movieId: number): Promise<boolean>;
  /** Returns false when it was not a favorite. */
  remove(userId: number, movieId: number): Promise<boolean>;
  /** Newest first. */
  favoritesOf(userId: number): Promise<FavoriteRecord[]>;
}

export interface DismissalRepository {
  /** "Not interested": idempotent. */
  dismiss(userId: number, movieId: number): Promise<void>;
  dismissedBy(userId: number): Promise<Set<number>>;
}

export interface InteractionRepository {
  /** One `shown` row per movie. */
  recordShown(userId: number, movieIds: readonly number[], emotion: Emotion | null, at: Date): Promise<void>;
  /** A `view`: the user opened, rated or favorited the movie. */
  recordView(userId: number, movieId: number, emotion: Emotion | null, at: Date): Promise<void>;
  /** Movies shown to the user at or after `since`. */
  shownSince(userId: number, since: Date): Promise<Set<number>>;
  counts(userId: number): Promise<{ views: number; shown: number }>;
}

/** Everything the recommender needs to know about one user, read in one round trip per /feel. */
export interface UserHistory {
  /** Newest first. */
  ratings: RatingRecord[];
  /** Newest first. */
  favorites: FavoriteRecord[];
  dismissed: Set<number>;
  /** Movies shown at or after the `shownSince` asked for. */
  recentlyShown: Set<number>;
  views: number;
  shown: number;
}

/**
 * One read of a user's whole history (ratings, favorites, dismissals, recent shows, counts), so a
 * /feel costs one database round trip instead of five.
 * @example
 * const history = await histories.historyOf(userId, new Date(Date.now() - 7 * 86_400_000));
 */
export interface UserHistoryRepository {
  historyOf(userId: number, shownSince: Date): Promise<UserHistory>;
}

/**
 * The movie catalog. Reads are hot (every /feel), so the Prisma implementation caches the
 * catalog in memory.
 */
export interface CatalogRepository {
  /**
   * Movies whose weight for `mood` is at least `minWeight`, strongest first. A frozen array that
   * stays the same object while the catalog is unchanged, so callers can keep work per list (the
   * recommender's mood tables, the scorer's item indices) in a WeakMap keyed by it.
   */
  moviesForMood(mood: Emotion, minWeight: number): Promise<readonly Movie[]>;
  /**
   * Every movie in the catalog, in id order. A frozen array that stays the same object while the
   * catalog is unchanged (like moviesForMood), so callers can keep per-list work (title search's
   * normalised titles, the scorer's item indices) in a WeakMap keyed by it.
   */
  allMovies(): Promise<readonly Movie[]>;
  /** Movies by id; unknown ids are left out. */
  moviesByIds(ids: readonly number[]): Promise<Movie[]>;
  count(): Promise<number>;
}

/**
 * Per-account conversation state (last list shown, paging, pending confirmations), so any replica
 * can answer the next turn. Values are opaque JSON-serialisable objects owned by the core.
 */
export interface ConversationStateStore {
  load(accountId: number): Promise<unknown>;
  save(accountId: number, state: unknown): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Every storage port, as the composition root hands them to the core. */
export interface Repositories {
  users: UserRepository;
  ratings: RatingRepository;
  favorites: FavoriteRepository;
  dismissals: DismissalRepository;
  interactions: InteractionRepository;
  histories: UserHistoryRepository;
  catalog: CatalogRepository;
  states: ConversationStateStore;
}
