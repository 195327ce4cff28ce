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
 *    With ratings, when the models include the ranking pipeline (scorer.rank), the pipeline orders
 *    the candidates instead: implicit retrieval, then the ranking forest, times
 *    (0.5 + 0.5 × mood weight) × the recency factor (src/ml/serve/pipeline-ranker.ts); movies the
 *    models do not know follow by the prior, and only the page is scored for its cards.
 *    Without it, large moods (over `shortlistSize` candidates) are first shortlisted by the SVD's
 *    predicted stars alone (× mood weight); the blend then ranks the shortlist.
 * 4. Diversity: at most `maxPerPrimaryGenre` of the same primary genre on a page. The page is cut
 *    from the best 60; when they hold too few genres, from a wider ranking (×4, up to every
 *    candidate); only when the candidates themselves hold too few genres does a genre go over.
 * 5. Reasons, varied and true (see `reasons`): "because you loved X" when a movie the user rated ≥ 4
 *    or favorited shares enough genres (Jaccard ≥ 0.5, same primary genre), each liked movie at most
 *    once a page and not on two pages running; otherwise its IMDb standing, "new to you", or why it
 *    fits the mood, whichever the page has used least.
 */
import { copy } from '../copy.ts';
import type { Emotion } from '../domain/emotions.ts';
import { genreJaccard, type Movie } from '../domain/movie.ts';
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
import type { MovieScore, RankedCandidates, Scorer, UserTaste } from '../ports/scorer.ts';
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
  /** The liked movie the reason names ("Because you loved X"), or null. */
  citedMovieId: number | null;
}

export interface RecommendResult {
  picks: RecommendedMovie[];
  /** The user has no ratings yet: offer to rate a few well-known movies. */
  coldStart: boolean;
}

const DAY_MS = 86_400_000;

/** An IMDb rating this high (from at least `priorVotes` votes) is worth saying on a card. */
const HIGH_STANDING_RATING = 8;

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

/** Whether a page holds more than `maxPerGenre` of one primary genre. */
function overCapPage(page: ReadonlyArray<{ movie: Movie }>, maxPerGenre: number): boolean {
  const perGenre = new Map<string, number>();
  for (const { movie } of page) {
    const genre = movie.genres[0] ?? '';
    const used = (perGenre.get(genre) ?? 0) + 1;
    if (used > maxPerGenre) return true;
    perGenre.set(genre, used);
  }
  return false;
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

  /** `citedBefore`: liked movies the previous page of this session already gave as reasons (not repeated on this one). */
  async recommend(userId: number, mood: Emotion, alreadyShown: ReadonlySet<number>, citedBefore: ReadonlySet<number> = new Set()): Promise<RecommendResult> {
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
    const pipelineMovies = coldStart ? null : await this.pipelinePage(taste, moodMovies, factor, weights, prior);
    if (coldStart) {
      // The prior ranks; the models are asked only about the page, for the stars and chances shown.
      const priorValue = (i: number) => prior[i]! * weights[i]! * factor[i]!;
      const movies = diversePage((k) => bestEligible(k, priorValue).map((i) => ({ movie: moodMovies[i]! }))).map(({ movie }) => movie);
      const scores = await this.score(mood, taste, movies);
      page = movies.map((movie, j) => ({ movie, score: scores?.[j] ?? null }));
    } else if (pipelineMovies !== null) {
      // The served pipeline ordered the candidates; only the page is scored, for its cards.
      const scores = await this.score(mood, taste, pipelineMovies);
      page = pipelineMovies.map((movie, j) => ({ movie, score: scores?.[j] ?? null }));
    } else {
      // Without the pipeline (older models): the SVD stage alone shortlists, the blend ranks the shortlist. The
      // scorer is given the mood's whole list, the same array every turn, so it can keep its item indices.
      const predictStars = deps.scorer.predictStars?.bind(deps.scorer);
      const stars = predictStars && eligible > config.shortlistSize ? await predictStars({ mood, user: taste, candidates: moodMovies }).catch(() => null) : null;
      const everyEligible: number[] = [];
      for (let i = 0; i < n; i++) if (isEligible(i)) everyEligible.push(i);
      // When the shortlist holds too few genres for a diverse page, it widens (×4) before a genre
      // may go over its cap, as the cold path's ranking does.
      for (let size = config.shortlistSize; ; size *= 4) {
        const poolIndices = stars && size < eligible ? bestEligible(size, (i) => ((stars[i]! - 1) / 4) * (0.5 + 0.5 * weights[i]!) * factor[i]!) : everyEligible;
        const pool = poolIndices.map((i) => moodMovies[i]!);
        const all = await this.score(mood, taste, pool);
        const blendTotal = config.ratingWeight + config.favoriteWeight;
        const poolValues = new Float64Array(pool.length);
        for (let j = 0; j < pool.length; j++) {
          const i = poolIndices[j]!;
          const score = all?.[j];
          // No opinion from the models (popularity fallback, or a movie the SVD never saw): the quality prior ranks it, as when scoring failed.
          const fit =
            score && score.predictedStars !== null && score.favoriteProbability !== null
              ? (((config.ratingWeight * (score.predictedStars - 1)) / 4 + config.favoriteWeight * score.favoriteProbability) / blendTotal) * (0.5 + 0.5 * weights[i]!)
              : prior[i]! * weights[i]!;
          poolValues[j] = fit * factor[i]!;
        }
        const rankPool = better(poolValues, pool);
        page = diversePage((k) => topIndices(pool.length, k, rankPool).map((j) => ({ movie: pool[j]!, score: all?.[j] ?? null })));
        if (poolIndices === everyEligible || !overCapPage(page, config.maxPerPrimaryGenre)) break;
      }
    }

    const reasons = this.reasons(page, mood, taste, citedBefore);
    return {
      coldStart,
      picks: page.map(({ movie, score }, j) => ({ movie, score, ...reasons[j]! })),
    };
  }

  /**
   * A page in the served pipeline's order: the eligible movies (factor > 0) the models know, as the
   * pipeline ranks them, then the others by the quality prior; cut by the diversity rule, widening
   * the ranking (×4) while its head holds too few genres. Null when the scorer has no pipeline or it
   * fails (the blend then ranks, as with older models).
   */
  private async pipelinePage(taste: UserTaste, movies: readonly Movie[], factor: Float32Array, weights: Float64Array, prior: Float64Array): Promise<Movie[] | null> {
    const rank = this.deps.scorer.rank?.bind(this.deps.scorer);
    if (!rank) return null;
    const { pageSize, maxPerPrimaryGenre } = this.config;
    const n = movies.length;
    const multipliers = new Float64Array(n);
    let eligible = 0;
    for (let i = 0; i < n; i++) {
      multipliers[i] = factor[i]! * (0.5 + 0.5 * weights[i]!);
      if (factor[i]! > 0) eligible++;
    }
    let byPrior: number[] | null = null;
    for (let k = pageSize * 12; ; k *= 4) {
      const limit = Math.min(k, eligible);
      let ranked: RankedCandidates;
      try {
        ranked = await rank({ user: taste, candidates: movies, multipliers, limit });
      } catch (error) {
        this.deps.logger.warn({ err: error, scorer: this.deps.scorer.name }, 'the ranking pipeline failed; ranking by the blend');
        return null;
      }
      const order = Array.from(ranked.positions);
      if (order.length < limit) {
        // Fewer known movies than asked for: the ones the models have not learned follow by the prior.
        const placed = new Set(order);
        if (byPrior === null) {
          const value = (i: number) => prior[i]! * weights[i]! * factor[i]!;
          byPrior = [];
          for (let i = 0; i < n; i++) if (factor[i]! > 0) byPrior.push(i);
          byPrior.sort((i, j) => value(j) - value(i) || (movies[j]!.imdbVotes ?? 0) - (movies[i]!.imdbVotes ?? 0) || movies[i]!.id - movies[j]!.id);
        }
        for (const i of byPrior) {
          if (order.length >= limit) break;
          if (!placed.has(i)) order.push(i);
        }
      }
      const { page, overCap } = diversifyPage(
        order.map((i) => ({ movie: movies[i]! })),
        pageSize,
        maxPerPrimaryGenre,
      );
      if (!overCap || limit >= eligible) return page.map(({ movie }) => movie);
    }
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

  /**
   * One true reason per card of a page, varied:
   * 1. "Because you loved X" when X (favorited or rated ≥ 4) shares the card's primary genre and at
   *    least half of the genres (Jaccard ≥ 0.5). Each liked movie names at most one card per page
   *    (the card most like it) and none it named on the previous page (`citedBefore`).
   * 2. Otherwise, whichever kind of true line this page has used least, in this order on ties: its
   *    standing (IMDb ≥ 8.0 from at least `priorVotes` votes, unless the card already shows its IMDb
   *    figures), "new to you" (no rated or favorited movie of its primary genre yet), why it fits the
   *    mood (by each of its genres that evoke it). The same line never appears twice on a page while
   *    another is left.
   */
  private reasons(
    page: ReadonlyArray<{ movie: Movie; score: MovieScore | null }>,
    mood: Emotion,
    taste: UserTaste,
    citedBefore: ReadonlySet<number>,
  ): Array<{ reason: string; citedMovieId: number | null }> {
    // Favorites first, then ratings ≥ 4, best first; a movie both favorited and rated counts once.
    const liked = [
      ...new Map(
        [...taste.favorites, ...taste.ratings.filter((r) => r.stars >= 4).sort((a, b) => b.stars - a.stars).map((r) => r.movie)].map((movie) => [movie.id, movie]),
      ).values(),
    ];

    // Pairs (card, liked movie) that are truly alike, most alike first; each card and each liked movie used once.
    const pairs: Array<{ card: number; liked: number; similarity: number }> = [];
    page.forEach(({ movie }, card) => {
      liked.forEach((other, rank) => {
        if (other.id === movie.id || citedBefore.has(other.id) || other.genres[0] === undefined || other.genres[0] !== movie.genres[0]) return;
        const similarity = genreJaccard(new Set(other.genres), movie.genres);
        if (similarity >= 0.5) pairs.push({ card, liked: rank, similarity });
      });
    });
    pairs.sort((a, b) => b.similarity - a.similarity || a.liked - b.liked || a.card - b.card);
    const out = new Array<{ reason: string; citedMovieId: number | null } | undefined>(page.length);
    const cited = new Set<number>();
    for (const pair of pairs) {
      const other = liked[pair.liked]!;
      if (out[pair.card] !== undefined || cited.has(other.id)) continue;
      cited.add(other.id);
      out[pair.card] = { reason: copy.becauseYouLoved(other.title), citedMovieId: other.id };
    }

    const seenGenres = new Set<string>();
    for (const { movie } of taste.ratings) movie.genres.forEach((genre) => seenGenres.add(genre));
    for (const movie of taste.favorites) movie.genres.forEach((genre) => seenGenres.add(genre));
    const hasHistory = taste.ratings.length > 0 || taste.favorites.length > 0;
    const usedTexts = new Set(out.flatMap((entry) => (entry ? [entry.reason] : [])));
    const usedKinds = new Map<string, number>();
    page.forEach(({ movie, score }, card) => {
      if (out[card] !== undefined) return;
      const options: Array<{ kind: string; text: string }> = [];
      // A card without a prediction already shows the film's IMDb figures.
      const showsStanding = score !== null && score.predictedStars === null;
      const { imdbRating: rating, imdbVotes: votes } = movie;
      if (!showsStanding && rating !== null && rating >= HIGH_STANDING_RATING && votes !== null && votes >= this.config.priorVotes) {
        options.push({ kind: 'standing', text: copy.standing(rating, votes) });
      }
      const primary = movie.genres[0];
      if (hasHistory && primary !== undefined && !seenGenres.has(primary)) options.push({ kind: 'new', text: copy.newToYou(primary) });
      // Why it fits the mood: by its most evocative genre first, then its other genres that evoke it.
      const first = moodGenre(movie, mood, this.genreWeight);
      const others = movie.genres.filter((genre) => genre !== first && this.genreWeight(genre, mood) > 0).sort((a, b) => this.genreWeight(b, mood) - this.genreWeight(a, mood));
      for (const genre of [first, ...others]) options.push({ kind: 'mood', text: copy.fitsMood(mood, genre) });
      const fresh = options.filter((option) => !usedTexts.has(option.text));
      const choice = fresh.reduce<{ kind: string; text: string } | null>(
        (best, option) => (best === null || (usedKinds.get(option.kind) ?? 0) < (usedKinds.get(best.kind) ?? 0) ? option : best),
        null,
      ) ?? { kind: 'mood', text: copy.fitsMood(mood, null) };
      usedTexts.add(choice.text);
      usedKinds.set(choice.kind, (usedKinds.get(choice.kind) ?? 0) + 1);
      out[card] = { reason: choice.text, citedMovieId: null };
    });
    return out.map((entry) => entry!);
  }

  /**
   * Well-known movies of a mood the user has not rated, favorited or dismissed: the cold-start rating
   * offer. They must be clear examples of the mood: the page (diversified as usual) is cut from the
   * movies that fit it strongly (weight ≥ 0.7, as a film of one plainly happy genre does: Comedy 1,
   * Family 0.8, Animation 0.7), ordered by IMDb votes × mood weight; only when those
   * are too few do weaker candidates fill it, so a famous film that only just passes the mood's
   * threshold is never offered before one that plainly fits.
   */
  async wellKnown(userId: number, mood: Emotion, count: number): Promise<Movie[]> {
    const strongFit = 0.7;
    const [movies, ratings, favorites, dismissed] = await Promise.all([
      this.deps.catalog.moviesForMood(mood, this.config.minMoodWeight),
      this.deps.ratings.ratingsOf(userId),
      this.deps.favorites.favoritesOf(userId),
      this.deps.dismissals.dismissedBy(userId),
    ]);
    const rated = new Set([...ratings.map((r) => r.movieId), ...favorites.map((f) => f.movieId)]);
    const known = movies
      .filter((movie) => !rated.has(movie.id) && !dismissed.has(movie.id))
      .map((movie) => {
        const weight = movie.emotions[mood] ?? 0;
        return { movie, strong: weight >= strongFit, renown: (movie.imdbVotes ?? 0) * weight };
      })
      .sort((a, b) => b.renown - a.renown || a.movie.id - b.movie.id);
    const page = diversify(known.filter((item) => item.strong), count, this.config.maxPerPrimaryGenre);
    if (page.length < count) page.push(...diversify(known.filter((item) => !item.strong), count - page.length, this.config.maxPerPrimaryGenre));
    return page.map((item) => item.movie);
  }
}
