import type { Emotion } from '../domain/emotions.ts';
import type { Movie } from '../domain/movie.ts';

/**
 * What the scorer knows about the user being served: their own history, with the movies attached,
 * so features (mean rating, favorite rate, affinity to genres and emotions) and fold-in can be
 * computed without a database round trip.
 * @example
 * { userId: 7, ratings: [{ movie, stars: 5 }], favorites: [movie], viewCount: 3, shownCount: 10 }
 */
export interface UserTaste {
  userId: number;
  ratings: ReadonlyArray<{ movie: Movie; stars: number }>;
  favorites: readonly Movie[];
  /** Interactions of kind `view` (opened, rated or favorited). */
  viewCount: number;
  /** Interactions of kind `shown` (listed to the user). */
  shownCount: number;
}

export interface ScoreRequest {
  mood: Emotion;
  user: UserTaste;
  candidates: readonly Movie[];
}

/** One score per candidate, in the order of `ScoreRequest.candidates`. */
export interface MovieScore {
  movieId: number;
  /** SVD predicted rating on the 1–5 scale. */
  predictedStars: number;
  /** Random forest's probability that this user favorites the movie, 0–1. */
  favoriteProbability: number;
}

/**
 * Scores candidate movies for one user. Implementations: OnnxScorer (src/ml), PopularityScorer
 * (fallback when models are missing), and test fakes.
 * @example
 * const scores = await scorer.score({ mood: 'happy', user, candidates });
 */
export interface Scorer {
  /** "onnx:<version>" or "popularity": shown in logs and /healthz. */
  readonly name: string;
  score(request: ScoreRequest): Promise<MovieScore[]>;
  /**
   * Optional cheap first stage: predicted stars only, for every candidate. When present, the core
   * shortlists large moods with it and calls `score` on the shortlist (retrieval, then ranking).
   */
  predictStars?(request: ScoreRequest): Promise<ArrayLike<number>>;
}
