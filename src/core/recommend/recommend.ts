/**
 * Picks a page of movies for a user's mood.
 *
 * 1. Candidates: movies whose weight for the mood is at least `minMoodWeight`.
 * 2. Excluded: what the user rated, favorited or dismissed, and what this mood session already showed.
 * 3. Ranked:
 *    - with ratings, by the blend
 *        fit   = (ratingWeight × (stars − 1) / 4 + favoriteWeight × P(favorite)) / (ratingWeight + favoriteWeight)
 *        score = fit × (0.5 + 0.5 × moodWeight)
 *      where stars is the SVD prediction (folded in from the user's ratings) and P(favorite) the forest's;
 *    - cold start (no ratings yet), by a quality prior: the Bayesian-averaged IMDb rating
 *        (v × R + m × C) / (v + m), m = priorVotes, C = the candidates' mean rating,
 *      normalised to 0–1 and multiplied by the mood weight (only the page is then scored by the
 *      models, for the stars and chances shown on the cards);
 *    - movies shown in the last `recentDays` days are pushed down (score × recentPenalty).
 *    Large moods (over `shortlistSize` candidates) are first shortlisted by the SVD's predicted stars
 *    alone (× mood weight), when the scorer offers that stage; the blend then ranks the shortlist.
 * 4. Diversity: at most `maxPerPrimaryGenre` of the same primary genre on a page. The page is cut
 *    from the best 60; when they hold too few genres, from a wider ranking (×4, up to every
 *    candidate); only when the candidates themselves hold too few genres does a genre go over.
 * 5. Reason: "because you loved X" when a movie the user rated ≥ 4 or favorited shares enough
 *    genres (Jaccard ≥ 0.5, same primary genre); otherwise why it fits the mood.
 */
import { copy } from '../copy.ts';
import type { Emotion } from '../domain/emotions.ts';
import type { Movie } from '../domain/movie.ts';
import type { Logger } from '../ports/logger.ts';
import type {
  CatalogRepository,
  Clock,
  DismissalRepository,
  FavoriteRepository,
  InteractionRepository,
  RatingRepository,
  UserHistory,
  UserHistoryRepository,
} from '../ports/repositories.ts';
import type { MovieScore, Scorer, UserTaste } from '../ports/scorer.ts';
import { topIndices } from '../../shared/top-indices.ts';

export interface RankingConfig {
  minMoodWeight: number;
  ratingWeight: number;
  favoriteWeight: number;
  pageSize: number;
  maxPerPrimaryGenre: number;
  recentDays: number;
  recentPenalty: number;
  priorVotes: number;
  /** Moods with more candidates are shortlisted by predicted stars before the full scoring. */
  shortlistSize: number;
}

export const DEFAULT_RANKING: RankingConfig = {
  minMoodWeight: 0.5,
  ratingWeight: 0.6,
  favoriteWeight: 0.4,
  pageSize: 5,
  maxPerPrimaryGenre: 2,
  recentDays: 7,
  recentPenalty: 0.5,
  priorVotes: 25_000,
  shortlistSize: 400,
};

export interface RecommendDeps {
  catalog: CatalogRepository;
  ratings: RatingRepository;
  favorites: FavoriteRepository;
  dismissals: DismissalRepository;
  interactions: InteractionRepository;
  histories: UserHistoryRepository;
  scorer: Scorer;
  clock: Clock;
  logger: Logger;
}

export interface RecommendedMovie {
  movie: Movie;
  /** Null when the scorer failed and the page was ranked by the prior alone. */
  score: MovieScore | null;
  reason: string;
}

export interface RecommendResult {
  picks: RecommendedMovie[];
  /** The user has no ratings yet: offer to rate a few well-known movies. */
  coldStart: boolean;
}

const DAY_MS = 86_400_000;

function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const setB = new Set(b);
  const shared = a.filter((genre) => setB.has(genre)).length;
  return shared / (a.length + b.length - shared);
}

/** What the scorer needs about the user: their history with the movies attached (from the in-memory catalog). */
export async function tasteFrom(userId: number, history: UserHistory, catalog: CatalogRepository): Promise<UserTaste> {
  const ids = new Set<number>();
  for (const r of history.ratings) ids.add(r.movieId);
  for (const f of history.favorites) ids.add(f.movieId);
  const byId = new Map((await catalog.moviesByIds([...ids])).map((movie) => [movie.id, movie]));
  return {
    userId,
    ratings: history.ratings.flatMap((r) => {
      const movie = byId.get(r.movieId);
      return movie ? [{ movie, stars: r.stars }] : [];
    }),
    favorites: history.favorites.flatMap((f) => byId.get(f.movieId) ?? []),
    viewCount: history.views,
    shownCount: history.shown,
  };
}

export function bayesianPrior(movies: readonly Movie[], priorVotes: number): (movie: Movie) => number {
  let sum = 0;
  let count = 0;
  for (const movie of movies) {
    if (movie.imdbRating !== null) {
      sum += movie.imdbRating;
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 6.5;
  return (movie) => {
    const votes = movie.imdbVotes ?? 0;
    const rating = movie.imdbRating ?? mean;
    const averaged = (votes * rating + priorVotes * mean) / (votes + priorVotes);
    return Math.min(1, Math.max(0, (averaged - 1) / 9));
  };
}

/**
 * Greedy diversity: best first, at most `maxPerGenre` per primary genre. If the ranking holds too few
 * genres to fill the page, it is topped up with the best skipped movies, and `overCap` says so.
 */
export function diversifyPage<T extends { movie: Movie }>(ranked: readonly T[], size: number, maxPerGenre: number): { page: T[]; overCap: boolean } {
  const page: T[] = [];
  const perGenre = new Map<string, number>();
  const skipped: T[] = [];
  for (const item of ranked) {
    if (page.length >= size) break;
    const genre = item.movie.genres[0] ?? '';
    const used = perGenre.get(genre) ?? 0;
    if (used >= maxPerGenre) {
      if (skipped.length < size) skipped.push(item);
      continue;
    }
    perGenre.set(genre, used + 1);
    page.push(item);
  }
  const filled = page.length;
  for (const item of skipped) if (page.length < size) page.push(item);
  return { page, overCap: page.length > filled };
}

/** The page of diversifyPage alone. */
export function diversify<T extends { movie: Movie }>(ranked: readonly T[], size: number, maxPerGenre: number): T[] {
  return diversifyPage(ranked, size, maxPerGenre).page;
}

function moodGenre(movie: Movie, mood: Emotion, genreWeight: (genre: string, mood: Emotion) => number): string | null {
  let best: string | null = null;
  let bestWeight = 0;
  for (const genre of movie.genres) {
    const weight = genreWeight(genre, mood);
    if (weight > bestWeight) {
      best = genre;
      bestWeight = weight;
    }
  }
  return best ?? movie.genres[0] ?? null;
}

/** Per-movie figures of one mood's list that do not depend on the user, by index into the list. */
interface MoodTable {
  mood: Emotion;
  /** The movie's weight for the mood. */
  weights: Float64Array;
  /** The quality prior, averaged over the mood's list. */
  prior: Float64Array;
}

export class Recommender {
  /**
   * Mood tables by catalog list: the catalog hands out the same frozen array for a mood until it
   * reloads, so the tables are computed once per mood and reload, and dropped with the old list.
   */
  private readonly moodTables = new WeakMap<readonly Movie[], MoodTable>();

  constructor(
    private readonly deps: RecommendDeps,
    private readonly config: RankingConfig,
    /** How strongly a genre evokes a mood (the catalog's mapping), for "why it fits" lines. */
    private readonly genreWeight: (genre: string, mood: Emotion) => number,
  ) {}

  async recommend(userId: number, mood: Emotion, alreadyShown: ReadonlySet<number>): Promise<RecommendResult> {
    const { deps, config } = this;
    const now = deps.clock.now();
    const [moodMovies, history] = await Promise.all([
      deps.catalog.moviesForMood(mood, config.minMoodWeight),
      deps.histories.historyOf(userId, new Date(now.getTime() - config.recentDays * DAY_MS)),
    ]);
    const taste = await tasteFrom(userId, history, deps.catalog);
    const excluded = new Set<number>(alreadyShown);
    for (const r of history.ratings) excluded.add(r.movieId);
    for (const f of history.favorites) excluded.add(f.movieId);
    for (const id of history.dismissed) excluded.add(id);
    const coldStart = history.ratings.length === 0;

    // Work on the mood's whole list by index (no per-turn copies of a 3,500-movie list): the
    // excluded get factor 0 and rank below every candidate, the recently shown get recentPenalty.
    const n = moodMovies.length;
    const { weights, prior } = this.moodTable(mood, moodMovies);
    const factor = new Float32Array(n);
    let eligible = 0;
    for (let i = 0; i < n; i++) {
      const id = moodMovies[i]!.id;
      if (excluded.has(id)) continue;
      factor[i] = history.recentlyShown.has(id) ? config.recentPenalty : 1;
      eligible++;
    }
    if (eligible === 0) return { picks: [], coldStart };
    const isEligible = (i: number) => factor[i]! > 0;
    // Enough of the best to fill a diverse page even when the top is crowded with one genre.
    const window = config.pageSize * 12;
    const better = (values: Float64Array, list: readonly Movie[]) => (i: number, j: number) => {
      const a = values[i]!;
      const b = values[j]!;
      if (a !== b) return a > b;
      const votesA = list[i]!.imdbVotes ?? 0;
      const votesB = list[j]!.imdbVotes ?? 0;
      return votesA !== votesB ? votesA > votesB : list[i]!.id < list[j]!.id;
    };
    /** The best `k` eligible, by `value` (excluded movies are given -Infinity, so they only fill a short list and are dropped). */
    const bestEligible = (k: number, value: (i: number) => number): number[] => {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = isEligible(i) ? value(i) : Number.NEGATIVE_INFINITY;
      return topIndices(n, k, better(values, moodMovies)).filter(isEligible);
    };

    /**
     * A diverse page from a ranking: the best `window` first; when those hold too few primary genres
     * to keep every genre within maxPerPrimaryGenre, the ranking is widened (×4, up to every
     * candidate) before diversify tops the page up with a genre over its cap.
     */
    const diversePage = <T extends { movie: Movie }>(rankTop: (k: number) => T[]): T[] => {
      for (let k = window; ; k *= 4) {
        const ranked = rankTop(k);
        const { page, overCap } = diversifyPage(ranked, config.pageSize, config.maxPerPrimaryGenre);
        if (!overCap || ranked.length < k) return page;
      }
    };

    let page: Array<{ movie: Movie; score: MovieScore | null }>;
    if (coldStart) {
      // The prior ranks; the models are asked only about the page, for the stars and chances shown.
      const priorValue = (i: number) => prior[i]! * weights[i]! * factor[i]!;
      const movies = diversePage((k) => bestEligible(k, priorValue).map((i) => ({ movie: moodMovies[i]! }))).map(({ movie }) => movie);
      const scores = await this.score(mood, taste, movies);
      page = movies.map((movie, j) => ({ movie, score: scores?.[j] ?? null }));
    } else {
      // Large moods: the SVD stage alone shortlists (retrieval), the blend ranks the shortlist. The
      // scorer is given the mood's whole list, the same array every turn, so it can keep its item indices.
      let poolIndices: number[] | null = null;
      const predictStars = deps.scorer.predictStars?.bind(deps.scorer);
      if (predictStars && eligible > config.shortlistSize) {
        const stars = await predictStars({ mood, user: taste, candidates: moodMovies }).catch(() => null);
        if (stars) poolIndices = bestEligible(config.shortlistSize, (i) => ((stars[i]! - 1) / 4) * (0.5 + 0.5 * weights[i]!) * factor[i]!);
      }
      if (poolIndices === null) {
        poolIndices = [];
        for (let i = 0; i < n; i++) if (isEligible(i)) poolIndices.push(i);
      }
      const pool = poolIndices.map((i) => moodMovies[i]!);
      const all = await this.score(mood, taste, pool);
      const blendTotal = config.ratingWeight + config.favoriteWeight;
      const poolValues = new Float64Array(pool.length);
      for (let j = 0; j < pool.length; j++) {
        const i = poolIndices[j]!;
        const score = all?.[j];
        const fit = score
          ? (((config.ratingWeight * (score.predictedStars - 1)) / 4 + config.favoriteWeight * score.favoriteProbability) / blendTotal) * (0.5 + 0.5 * weights[i]!)
          : prior[i]! * weights[i]!;
        poolValues[j] = fit * factor[i]!;
      }
      const rankPool = better(poolValues, pool);
      page = diversePage((k) => topIndices(pool.length, k, rankPool).map((j) => ({ movie: pool[j]!, score: all?.[j] ?? null })));
    }

    const liked = [
      ...taste.favorites,
      ...taste.ratings.filter((r) => r.stars >= 4).sort((a, b) => b.stars - a.stars).map((r) => r.movie),
    ];
    return {
      coldStart,
      picks: page.map(({ movie, score }) => ({ movie, score, reason: this.reason(movie, mood, liked) })),
    };
  }

  private moodTable(mood: Emotion, movies: readonly Movie[]): MoodTable {
    const cached = this.moodTables.get(movies);
    if (cached !== undefined && cached.mood === mood) return cached;
    const priorOf = bayesianPrior(movies, this.config.priorVotes);
    const table: MoodTable = {
      mood,
      weights: Float64Array.from(movies, (movie) => movie.emotions[mood] ?? 0),
      prior: Float64Array.from(movies, priorOf),
    };
    // Only a frozen list is known not to change under the cache.
    if (Object.isFrozen(movies)) this.moodTables.set(movies, table);
    return table;
  }

  /** Null when the scorer fails: the page is then ranked by the prior alone. */
  private async score(mood: Emotion, taste: UserTaste, candidates: readonly Movie[]): Promise<MovieScore[] | null> {
    try {
      return await this.deps.scorer.score({ mood, user: taste, candidates });
    } catch (error) {
      this.deps.logger.warn({ err: error, scorer: this.deps.scorer.name }, 'scoring failed; ranking by the quality prior');
      return null;
    }
  }

  private reason(movie: Movie, mood: Emotion, liked: readonly Movie[]): string {
    let best: Movie | null = null;
    let bestSimilarity = 0.5;
    for (const other of liked) {
      if (other.id === movie.id || other.genres[0] !== movie.genres[0]) continue;
      const similarity = jaccard(movie.genres, other.genres);
      if (similarity >= bestSimilarity && (best === null || similarity > bestSimilarity)) {
        best = other;
        bestSimilarity = similarity;
      }
    }
    return best ? copy.becauseYouLoved(best.title) : copy.fitsMood(mood, moodGenre(movie, mood, this.genreWeight));
  }

  /** Well-known movies of a mood the user has not rated, favorited or dismissed: the cold-start rating offer. */
  async wellKnown(userId: number, mood: Emotion, count: number): Promise<Movie[]> {
    const [movies, ratings, favorites, dismissed] = await Promise.all([
      this.deps.catalog.moviesForMood(mood, this.config.minMoodWeight),
      this.deps.ratings.ratingsOf(userId),
      this.deps.favorites.favoritesOf(userId),
      this.deps.dismissals.dismissedBy(userId),
    ]);
    const rated = new Set([...ratings.map((r) => r.movieId), ...favorites.map((f) => f.movieId)]);
    const known = movies
      .filter((movie) => !rated.has(movie.id) && !dismissed.has(movie.id))
      .sort((a, b) => (b.imdbVotes ?? 0) - (a.imdbVotes ?? 0) || a.id - b.id);
    return diversify(known.map((movie) => ({ movie })), count, this.config.maxPerPrimaryGenre).map((item) => item.movie);
  }
}
