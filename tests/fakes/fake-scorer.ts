/**
 * A deterministic Scorer for core tests (STYLE.md C10): no model, no randomness.
 *
 * By default it predicts from genre affinity, computed afresh on every call from the `UserTaste`
 * the core passes in. A genre's affinity is the mean of (stars − 3) over the user's rated movies of
 * that genre; a candidate's predicted stars are 3 plus the mean affinity of its genres, clipped to
 * 1–5. So rating Animation movies ★5 lifts every Animation candidate on the next call, which is
 * how tests prove the core passes fresh ratings each time (the fold-in is the scorer's job).
 * `favoriteProbability` follows the prediction, plus a bump when a favorite shares the primary genre.
 *
 * `fixed` overrides per movie id (null numbers: a movie the model never saw); `popularity` makes it
 * act like the popularity fallback (no opinion on anything, `personalized: false`); `failWith(error)`
 * makes calls throw; `calls` logs every request.
 *
 * `similar` gives it an item model ("more like this", Scorer.similar): per seed movie id, its
 * neighbours' ids, best first. Like the ONNX scorer it leaves out the seed and the user's rated and
 * favorited movies, and returns nothing for a seed it does not know. Without the option the fake has
 * no `similar` at all, like PopularityScorer. `similarCalls` logs its requests; `failSimilarWith`
 * makes only it throw.
 * @example
 * const scorer = new FakeScorer({ fixed: new Map([[7, { predictedStars: 5, favoriteProbability: 0.9 }]]) });
 * new FakeScorer({ fixed: new Map([[8, { predictedStars: null, favoriteProbability: null }]]) }); // 8 is new to the model
 * new FakeScorer({ popularity: true });           // no models loaded
 * scorer.failWith(new Error('model crashed'));   // every call throws until succeed()
 * scorer.lastCall?.user.ratings                  // what the core knew about the user
 */
import type { Movie } from '../../src/core/domain/movie.ts';
import type { MovieScore, RankedCandidates, Scorer, ScoreRequest, SimilarRequest, UserTaste } from '../../src/core/ports/scorer.ts';

/** A fixed score: `personalized` defaults to true (a model's score). */
export type FixedScore = Omit<MovieScore, 'movieId' | 'personalized'> & { personalized?: boolean };

export interface FakeScorerOptions {
  /** Fixed scores per movie id, used instead of the genre affinity. */
  fixed?: ReadonlyMap<number, FixedScore>;
  /** Like PopularityScorer: every score null and not personalized. */
  popularity?: boolean;
  /** An item model: per seed movie id, the ids of the movies people who picked it also pick, best first. */
  similar?: ReadonlyMap<number, readonly number[]>;
}

const clip = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Mean (stars − 3) per genre over the user's ratings. */
export function genreAffinity(taste: UserTaste): Map<string, number> {
  const sums = new Map<string, { total: number; count: number }>();
  for (const { movie, stars } of taste.ratings) {
    for (const genre of movie.genres) {
      const entry = sums.get(genre) ?? { total: 0, count: 0 };
      entry.total += stars - 3;
      entry.count += 1;
      sums.set(genre, entry);
    }
  }
  return new Map([...sums].map(([genre, { total, count }]) => [genre, total / count]));
}

export class FakeScorer implements Scorer {
  readonly name = 'fake';
  /** Every request, in order (a snapshot: later changes by the caller do not show). */
  readonly calls: ScoreRequest[] = [];
  /** Every Scorer.similar request, in order. */
  readonly similarCalls: SimilarRequest[] = [];
  /** Present only with the `similar` option. */
  readonly similar?: (request: SimilarRequest) => Promise<RankedCandidates>;
  private error: Error | null = null;
  private similarError: Error | null = null;

  constructor(private readonly options: FakeScorerOptions = {}) {
    const neighbours = options.similar;
    if (neighbours) this.similar = (request) => this.similarTo(neighbours, request);
  }

  /** Scorer.similar rejects with `error` (score still works), until null is given. */
  failSimilarWith(error: Error | null): this {
    this.similarError = error;
    return this;
  }

  private similarTo(neighbours: ReadonlyMap<number, readonly number[]>, request: SimilarRequest): Promise<RankedCandidates> {
    this.similarCalls.push(request);
    const error = this.error ?? this.similarError;
    if (error) return Promise.reject(error);
    const history = new Set([...request.user.ratings.map((r) => r.movie.id), ...request.user.favorites.map((m) => m.id), request.seed.id]);
    const position = new Map(request.candidates.map((movie, i) => [movie.id, i]));
    const positions = (neighbours.get(request.seed.id) ?? [])
      .filter((id) => !history.has(id) && position.has(id))
      .slice(0, request.limit)
      .map((id) => position.get(id)!);
    return Promise.resolve({ positions: Int32Array.from(positions) });
  }

  get lastCall(): ScoreRequest | undefined {
    return this.calls.at(-1);
  }

  /** Every following call rejects with `error`, until succeed(). */
  failWith(error: Error): this {
    this.error = error;
    return this;
  }

  succeed(): this {
    this.error = null;
    return this;
  }

  /** The prediction the default (affinity) mode gives a movie for a taste; tests use it to state expectations. */
  predict(movie: Movie, taste: UserTaste): Omit<MovieScore, 'movieId'> {
    if (this.options.popularity) return { predictedStars: null, favoriteProbability: null, personalized: false };
    const fixed = this.options.fixed?.get(movie.id);
    if (fixed) return { personalized: true, ...fixed };
    const affinity = genreAffinity(taste);
    const known = movie.genres.filter((genre) => affinity.has(genre));
    const lift = known.length === 0 ? 0 : known.reduce((sum, genre) => sum + affinity.get(genre)!, 0) / known.length;
    const predictedStars = clip(3 + lift, 1, 5);
    const lovedPrimary = taste.favorites.some((favorite) => favorite.genres[0] !== undefined && favorite.genres[0] === movie.genres[0]);
    const favoriteProbability = clip(0.1 + (0.8 * (predictedStars - 1)) / 4 + (lovedPrimary ? 0.1 : 0), 0, 1);
    return { predictedStars, favoriteProbability, personalized: true };
  }

  score(request: ScoreRequest): Promise<MovieScore[]> {
    this.calls.push({
      mood: request.mood,
      user: { ...request.user, ratings: [...request.user.ratings], favorites: [...request.user.favorites] },
      candidates: [...request.candidates],
    });
    if (this.error) return Promise.reject(this.error);
    return Promise.resolve(request.candidates.map((movie) => ({ movieId: movie.id, ...this.predict(movie, request.user) })));
  }
}
