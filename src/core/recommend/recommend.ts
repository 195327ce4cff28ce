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
 *      normalised to 0–1 and multiplied by the mood weight;
 *    - movies shown in the last `recentDays` days are pushed down (score × recentPenalty).
 * 4. Diversity: at most `maxPerPrimaryGenre` of the same primary genre on a page (filled from the
 *    rest only when the mood has too few genres).
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
} from '../ports/repositories.ts';
import type { MovieScore, Scorer, UserTaste } from '../ports/scorer.ts';

export interface RankingConfig {
  minMoodWeight: number;
  ratingWeight: number;
  favoriteWeight: number;
  pageSize: number;
  maxPerPrimaryGenre: number;
  recentDays: number;
  recentPenalty: number;
  priorVotes: number;
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
};

export interface RecommendDeps {
  catalog: CatalogRepository;
  ratings: RatingRepository;
  favorites: FavoriteRepository;
  dismissals: DismissalRepository;
  interactions: InteractionRepository;
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

/** What the scorer needs about the user, assembled from the repositories. */
export async function loadTaste(userId: number, deps: Pick<RecommendDeps, 'catalog' | 'ratings' | 'favorites' | 'interactions'>) {
  const [ratings, favorites, counts] = await Promise.all([deps.ratings.ratingsOf(userId), deps.favorites.favoritesOf(userId), deps.interactions.counts(userId)]);
  const movies = await deps.catalog.moviesByIds([...new Set([...ratings.map((r) => r.movieId), ...favorites.map((f) => f.movieId)])]);
  const byId = new Map(movies.map((movie) => [movie.id, movie]));
  const taste: UserTaste = {
    userId,
    ratings: ratings.flatMap((r) => {
      const movie = byId.get(r.movieId);
      return movie ? [{ movie, stars: r.stars }] : [];
    }),
    favorites: favorites.flatMap((f) => byId.get(f.movieId) ?? []),
    viewCount: counts.views,
    shownCount: counts.shown,
  };
  return { taste, ratings, favorites };
}

export function bayesianPrior(movies: readonly Movie[], priorVotes: number): (movie: Movie) => number {
  const rated = movies.filter((movie) => movie.imdbRating !== null);
  const mean = rated.length > 0 ? rated.reduce((sum, movie) => sum + movie.imdbRating!, 0) / rated.length : 6.5;
  return (movie) => {
    const votes = movie.imdbVotes ?? 0;
    const rating = movie.imdbRating ?? mean;
    const averaged = (votes * rating + priorVotes * mean) / (votes + priorVotes);
    return Math.min(1, Math.max(0, (averaged - 1) / 9));
  };
}

/** Greedy diversity: best first, at most `maxPerGenre` per primary genre; tops up if the mood is narrow. */
export function diversify<T extends { movie: Movie }>(ranked: readonly T[], size: number, maxPerGenre: number): T[] {
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
  for (const item of skipped) if (page.length < size) page.push(item);
  return page;
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

export class Recommender {
  constructor(
    private readonly deps: RecommendDeps,
    private readonly config: RankingConfig,
    /** How strongly a genre evokes a mood (the catalog's mapping), for "why it fits" lines. */
    private readonly genreWeight: (genre: string, mood: Emotion) => number,
  ) {}

  async recommend(userId: number, mood: Emotion, alreadyShown: ReadonlySet<number>): Promise<RecommendResult> {
    const { deps, config } = this;
    const now = deps.clock.now();
    const [candidatesAll, { taste, ratings, favorites }, dismissed, recent] = await Promise.all([
      deps.catalog.moviesForMood(mood, config.minMoodWeight),
      loadTaste(userId, deps),
      deps.dismissals.dismissedBy(userId),
      deps.interactions.shownSince(userId, new Date(now.getTime() - config.recentDays * DAY_MS)),
    ]);
    const excluded = new Set<number>([...ratings.map((r) => r.movieId), ...favorites.map((f) => f.movieId), ...dismissed, ...alreadyShown]);
    const candidates = candidatesAll.filter((movie) => !excluded.has(movie.id));
    const coldStart = ratings.length === 0;
    if (candidates.length === 0) return { picks: [], coldStart };

    let scores: MovieScore[] | null = null;
    try {
      scores = await deps.scorer.score({ mood, user: taste, candidates });
    } catch (error) {
      deps.logger.warn({ err: error, scorer: deps.scorer.name }, 'scoring failed; ranking by the quality prior');
    }
    const prior = bayesianPrior(candidatesAll, config.priorVotes);
    const blendTotal = config.ratingWeight + config.favoriteWeight;
    const ranked = candidates.map((movie, i) => {
      const score = scores?.[i] ?? null;
      const moodWeight = movie.emotions[mood] ?? 0;
      let value =
        coldStart || !score
          ? prior(movie) * moodWeight
          : ((config.ratingWeight * (score.predictedStars - 1)) / 4 + config.favoriteWeight * score.favoriteProbability) / blendTotal * (0.5 + 0.5 * moodWeight);
      if (recent.has(movie.id)) value *= config.recentPenalty;
      return { movie, score, value };
    });
    ranked.sort((a, b) => b.value - a.value || (b.movie.imdbVotes ?? 0) - (a.movie.imdbVotes ?? 0) || a.movie.id - b.movie.id);
    const page = diversify(ranked, config.pageSize, config.maxPerPrimaryGenre);

    const liked = [
      ...taste.favorites,
      ...taste.ratings.filter((r) => r.stars >= 4).sort((a, b) => b.stars - a.stars).map((r) => r.movie),
    ];
    return {
      coldStart,
      picks: page.map(({ movie, score }) => ({ movie, score, reason: this.reason(movie, mood, liked) })),
    };
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
