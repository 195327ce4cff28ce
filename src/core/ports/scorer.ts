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

/**
 * One score per candidate, in the order of `ScoreRequest.candidates`. `null` means "the model has
 * no opinion": a card then shows no "for you" figure, and the ranking falls back to the movie's
 * quality prior, exactly as when the scorer fails.
 * @example
 * { movieId: 7, predictedStars: 4.2, favoriteProbability: 0.35, personalized: true }  // OnnxScorer
 * { movieId: 8, predictedStars: null, favoriteProbability: null, personalized: true } // a movie the SVD never saw
 * { movieId: 7, predictedStars: null, favoriteProbability: null, personalized: false } // PopularityScorer
 */
export interface MovieScore {
  movieId: number;
  /** SVD predicted rating on the 1–5 scale; null when there is no model, or the SVD never saw the movie. */
  predictedStars: number | null;
  /** Random forest's probability that this user favorites the movie, 0–1; null when predictedStars is. */
  favoriteProbability: number | null;
  /**
   * Whether a model of this user stands behind the score (false for the popularity fallback, which
   * knows no one). Tells "no model at all" from "the model does not know this movie" when both
   * numbers are null.
   */
  personalized: boolean;
}

/** The mood enters through `multipliers` (its weight per candidate), so the request names none. */
export interface RankRequest {
  user: UserTaste;
  candidates: readonly Movie[];
  /** Per candidate, ≥ 0: the mood fit and "seen lately" factor; 0 means not a candidate. */
  multipliers: ArrayLike<number>;
  /** How many ranked candidates to return, at most. */
  limit: number;
}

/** "More like this": movies like `seed`, in the order this user would pick them. */
export interface SimilarRequest {
  seed: Movie;
  user: UserTaste;
  candidates: readonly Movie[];
  limit: number;
}

/** The ranking of a RankRequest: indices into `candidates`, best first. */
export interface RankedCandidates {
  positions: ArrayLike<number>;
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
   * Unlike `score`, it has a number for every candidate: for a movie the SVD never saw, its
   * fallback estimate (μ + b_u), good enough to shortlist by and never shown.
   */
  predictStars?(request: ScoreRequest): Promise<ArrayLike<number>>;
  /**
   * Optional: the served ranking pipeline (implicit retrieval, then the ranker), for a user with a
   * history. Candidates the pipeline does not know are left out of the result; the core orders
   * them after the ranked ones by its quality prior.
   */
  rank?(request: RankRequest): Promise<RankedCandidates>;
  /**
   * Optional: the candidates most like `seed` by the implicit item model (people who pick one pick
   * the other), ordered by the ranking pipeline for this user, excluding the seed and the user's
   * rated and favorited movies. Empty when the models do not know the seed.
   */
  similar?(request: SimilarRequest): Promise<RankedCandidates>;
}
