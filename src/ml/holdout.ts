/**
 * The retrain job's yardstick: hold out the newest ratings, train on the rest, and compare the
 * candidate with the serving model on the same held-out ratings through the same `Scorer` port the
 * bot uses (so fold-in is part of what is measured, exactly as in serving).
 */
import type { Movie } from '../core/domain/movie.ts';
import type { Scorer, UserTaste } from '../core/ports/scorer.ts';
import type { TrainingData, TrainingRating } from './training-data.ts';

export interface HoldoutSplit {
  train: TrainingData;
  holdout: TrainingRating[];
}

/** The newest `fraction` of ratings (by time) are held out; everything else trains. */
export function splitHoldout(data: TrainingData, fraction = 0.1): HoldoutSplit {
  const sorted = [...data.ratings].sort((a, b) => a.at.getTime() - b.at.getTime());
  const cut = Math.max(0, Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - fraction))));
  const holdout = sorted.slice(cut);
  const held = new Set(holdout.map((r) => `${r.userKey}\u0000${r.movieKey}`));
  return { train: { ...data, ratings: sorted.filter((r) => !held.has(`${r.userKey}\u0000${r.movieKey}`)) }, holdout };
}

/**
 * RMSE of a scorer's predicted stars on the held-out ratings: each user is folded in from their
 * training ratings, then all their held-out movies are scored in one call. The stars-only stage is
 * used when the scorer has one: it also predicts (μ + b_u) for movies the model never saw, which
 * `score` reports as null, so two models are compared on the same ratings. A scorer with no
 * predictions at all (the popularity fallback) gives NaN.
 */
export async function holdoutRmse(scorer: Scorer, split: HoldoutSplit, movies: readonly Movie[]): Promise<number> {
  const byKey = new Map(movies.map((movie) => [movie.key, movie]));
  const trainingByUser = new Map<string, Array<{ movie: Movie; stars: number }>>();
  for (const rating of split.train.ratings) {
    const movie = byKey.get(rating.movieKey);
    if (!movie) continue;
    const list = trainingByUser.get(rating.userKey) ?? [];
    list.push({ movie, stars: rating.stars });
    trainingByUser.set(rating.userKey, list);
  }
  const heldByUser = new Map<string, TrainingRating[]>();
  for (const rating of split.holdout) heldByUser.set(rating.userKey, [...(heldByUser.get(rating.userKey) ?? []), rating]);
  let squared = 0;
  let count = 0;
  let userNumber = 0;
  for (const [userKey, held] of heldByUser) {
    const candidates = held.flatMap((r) => byKey.get(r.movieKey) ?? []);
    if (candidates.length === 0) continue;
    const taste: UserTaste = { userId: ++userNumber, ratings: trainingByUser.get(userKey) ?? [], favorites: [], viewCount: 0, shownCount: 0 };
    const request = { mood: 'happy' as const, user: taste, candidates };
    const predicted: ArrayLike<number | null> = scorer.predictStars
      ? await scorer.predictStars(request)
      : (await scorer.score(request)).map((score) => score.predictedStars);
    const starsByKey = new Map(held.map((r) => [r.movieKey, r.stars]));
    for (let i = 0; i < candidates.length; i++) {
      const actual = starsByKey.get(candidates[i]!.key);
      const stars = predicted[i];
      if (actual === undefined || stars === null || stars === undefined) continue;
      squared += (stars - actual) ** 2;
      count++;
    }
  }
  return count === 0 ? Number.NaN : Math.sqrt(squared / count);
}
