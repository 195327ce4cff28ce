/**
 * "More like this" (`/like <title>`, the 🔁 button): movies like a seed movie, for one user.
 *
 * 1. Candidates: the whole catalog (CatalogRepository.allMovies, the same frozen list every time, so
 *    the scorer keeps its item indices for it) minus the seed, what the user rated, favorited or
 *    dismissed, and what this "more like" session already showed.
 * 2. Order:
 *    - the item model first, when the scorer has one (`scorer.similar`: the movies people who picked
 *      the seed also pick, ordered by the ranking pipeline for this user's taste);
 *    - then, when the model does not know the seed, has no models (popularity) or fails, or its list
 *      runs out before the page is full, genre similarity: movies sharing the seed's primary genre
 *      first, then by Jaccard(genres) × the quality prior (recommend.ts `bayesianPrior`), ties by
 *      IMDb votes, then id.
 *    No diversity cap: a page of movies like the seed is meant to share its genres.
 * 3. The page is scored by `scorer.score` for the cards' stars and chances, as /feel's page is, with
 *    the seed's strongest mood as the mood. Each card's reason says where it came from: "Fans of X
 *    pick it too" (the item model) or "Shares Action and Sci-Fi with X" (genres).
 * @example
 * const similar = new SimilarRecommender(deps, DEFAULT_RANKING);
 * const result = await similar.similar(userId, matrix.id, 5); // { seed, picks: [...] } | null (unknown seed)
 * await similar.similar(userId, matrix.id, 5, new Set(shownSoFar)); // the next page, never repeating
 */
import { copy } from '../copy.ts';
import { EMOTIONS, type Emotion } from '../domain/emotions.ts';
import { genreJaccard, type Movie } from '../domain/movie.ts';
import type { MovieScore, UserTaste } from '../ports/scorer.ts';
import { topIndices } from '../../shared/top-indices.ts';
import { bayesianPrior, tasteFrom, type RankingConfig, type RecommendDeps, type RecommendedMovie } from './recommend.ts';

const DAY_MS = 86_400_000;

export interface SimilarResult {
  seed: Movie;
  /** Best first; empty when nothing like the seed is left for the user. */
  picks: RecommendedMovie[];
}

/** The mood a movie evokes most (for the scorer's mood features); the first mood when it evokes none. */
export function strongestMood(movie: Movie): Emotion {
  let best: Emotion = EMOTIONS[0];
  let weight = 0;
  for (const mood of EMOTIONS) {
    const w = movie.emotions[mood] ?? 0;
    if (w > weight) {
      best = mood;
      weight = w;
    }
  }
  return best;
}

export class SimilarRecommender {
  /** The quality prior per catalog list (the catalog hands out the same frozen list until it reloads). */
  private readonly priors = new WeakMap<readonly Movie[], Float64Array>();

  constructor(
    private readonly deps: RecommendDeps,
    private readonly config: RankingConfig,
  ) {}

  /**
   * Up to `count` movies like the seed for this user, leaving out `alreadyShown` (the session's
   * earlier pages). Null when the seed is not in the catalog.
   */
  async similar(userId: number, seedMovieId: number, count: number, alreadyShown: ReadonlySet<number> = new Set()): Promise<SimilarResult | null> {
    const { deps } = this;
    const now = deps.clock.now();
    const [all, seeds, history] = await Promise.all([
      deps.catalog.allMovies(),
      deps.catalog.moviesByIds([seedMovieId]),
      deps.histories.historyOf(userId, new Date(now.getTime() - this.config.recentDays * DAY_MS)),
    ]);
    const seed = seeds[0];
    if (seed === undefined) return null;
    if (count <= 0) return { seed, picks: [] };
    const taste = await tasteFrom(userId, history, deps.catalog);
    const excluded = new Set<number>(alreadyShown);
    excluded.add(seed.id);
    for (const r of history.ratings) excluded.add(r.movieId);
    for (const f of history.favorites) excluded.add(f.movieId);
    for (const id of history.dismissed) excluded.add(id);

    const page: Array<{ movie: Movie; fromModel: boolean }> = [];
    const taken = new Set<number>();
    for (const movie of await this.byModel(seed, taste, all, excluded, count)) {
      taken.add(movie.id);
      page.push({ movie, fromModel: true });
    }
    if (page.length < count) {
      for (const movie of this.byGenre(seed, all, excluded, taken, count - page.length)) page.push({ movie, fromModel: false });
    }
    if (page.length === 0) return { seed, picks: [] };

    const scores = await this.score(strongestMood(seed), taste, page.map(({ movie }) => movie));
    return {
      seed,
      picks: page.map(({ movie, fromModel }, j) => ({
        movie,
        score: scores?.[j] ?? null,
        reason: fromModel ? copy.fansAlsoPick(seed.title) : copy.sharesGenres(seed.title, movie.genres.filter((genre) => seed.genres.includes(genre))),
        citedMovieId: null,
      })),
    };
  }

  /** The item model's picks, best first (empty without the model, for a seed it does not know, or when it fails). */
  private async byModel(seed: Movie, taste: UserTaste, all: readonly Movie[], excluded: ReadonlySet<number>, count: number): Promise<Movie[]> {
    const { scorer, logger } = this.deps;
    // A getter on the ONNX scorers (present only when the loaded models have the item model).
    const similar = scorer.similar?.bind(scorer);
    if (!similar) return [];
    let positions: ArrayLike<number>;
    try {
      // The scorer leaves out the seed and what the user rated or favorited; dismissed and shown are ours to skip.
      ({ positions } = await similar({ seed, user: taste, candidates: all, limit: count + excluded.size }));
    } catch (error) {
      logger.warn({ err: error, scorer: scorer.name }, 'the item model failed; "more like this" by genre');
      return [];
    }
    const out: Movie[] = [];
    const seen = new Set<number>();
    for (let k = 0; k < positions.length && out.length < count; k++) {
      const movie = all[positions[k]!];
      if (movie === undefined || excluded.has(movie.id) || seen.has(movie.id)) continue;
      seen.add(movie.id);
      out.push(movie);
    }
    return out;
  }

  /** Movies sharing the seed's genres: same primary genre first, then Jaccard × quality prior. */
  private byGenre(seed: Movie, all: readonly Movie[], excluded: ReadonlySet<number>, taken: ReadonlySet<number>, count: number): Movie[] {
    if (seed.genres.length === 0) return [];
    const prior = this.priorOf(all);
    const primary = seed.genres[0];
    const seedGenres = new Set(seed.genres);
    const n = all.length;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const movie = all[i]!;
      const similarity = excluded.has(movie.id) || taken.has(movie.id) ? 0 : genreJaccard(seedGenres, movie.genres);
      // Jaccard × prior is at most 1: + 2 puts every movie of the seed's primary genre first.
      values[i] = similarity > 0 ? (movie.genres[0] === primary ? 2 : 0) + similarity * prior[i]! : Number.NEGATIVE_INFINITY;
    }
    const better = (i: number, j: number) => {
      if (values[i] !== values[j]) return values[i]! > values[j]!;
      const votesI = all[i]!.imdbVotes ?? 0;
      const votesJ = all[j]!.imdbVotes ?? 0;
      return votesI !== votesJ ? votesI > votesJ : all[i]!.id < all[j]!.id;
    };
    return topIndices(n, count, better)
      .filter((i) => values[i] !== Number.NEGATIVE_INFINITY)
      .map((i) => all[i]!);
  }

  private priorOf(all: readonly Movie[]): Float64Array {
    const cached = this.priors.get(all);
    if (cached) return cached;
    const prior = Float64Array.from(all, bayesianPrior(all, this.config.priorVotes));
    // Only a frozen list is known not to change under the cache.
    if (Object.isFrozen(all)) this.priors.set(all, prior);
    return prior;
  }

  /** Null when the scorer fails: the cards then show no figures for the user. */
  private async score(mood: Emotion, taste: UserTaste, candidates: readonly Movie[]): Promise<MovieScore[] | null> {
    try {
      return await this.deps.scorer.score({ mood, user: taste, candidates });
    } catch (error) {
      this.deps.logger.warn({ err: error, scorer: this.deps.scorer.name }, 'scoring failed; "more like this" cards without figures');
      return null;
    }
  }
}
