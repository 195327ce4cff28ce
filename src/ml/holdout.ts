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

/**
 * NDCG@10 of a scorer's ranking pipeline on the held-out ratings: each user with held-out ratings
 * and a training history is ranked as the bot ranks a warm user (every movie they have not rated
 * or favorited in training is a candidate), and the held-out movies are the relevant ones (binary
 * gain, natural-log discount, as in Microsoft's protocol). NaN when the scorer has no ranking
 * pipeline or no user qualifies.
 */
export async function holdoutNdcg(scorer: Scorer, split: HoldoutSplit, movies: readonly Movie[], k = 10): Promise<number> {
  if (!scorer.rank) return Number.NaN;
  const candidates = Object.freeze([...movies]);
  const position = new Map(candidates.map((movie, i) => [movie.key, i]));
  const heldByUser = new Map<string, Set<string>>();
  for (const rating of split.holdout) heldByUser.set(rating.userKey, (heldByUser.get(rating.userKey) ?? new Set()).add(rating.movieKey));
  const tastes = new Map<string, { ratings: Array<{ movie: Movie; stars: number }>; favorites: Movie[] }>();
  const tasteOf = (userKey: string) => {
    let taste = tastes.get(userKey);
    if (!taste) tastes.set(userKey, (taste = { ratings: [], favorites: [] }));
    return taste;
  };
  for (const rating of split.train.ratings) {
    const p = position.get(rating.movieKey);
    if (p !== undefined && heldByUser.has(rating.userKey)) tasteOf(rating.userKey).ratings.push({ movie: candidates[p]!, stars: rating.stars });
  }
  for (const favorite of split.train.favorites) {
    const p = position.get(favorite.movieKey);
    // A favorite of a held-out movie would give the answer away.
    if (p !== undefined && heldByUser.get(favorite.userKey)?.has(favorite.movieKey) === false) tasteOf(favorite.userKey).favorites.push(candidates[p]!);
  }
  const discount = Array.from({ length: k }, (_, r) => 1 / Math.log(2 + r));
  let total = 0;
  let users = 0;
  let userNumber = 0;
  for (const [userKey, held] of heldByUser) {
    const taste = tastes.get(userKey);
    if (!taste || taste.ratings.length === 0) continue;
    const multipliers = new Float64Array(candidates.length).fill(1);
    for (const { movie } of taste.ratings) multipliers[position.get(movie.key)!] = 0;
    for (const movie of taste.favorites) multipliers[position.get(movie.key)!] = 0;
    const user: UserTaste = { userId: ++userNumber, ratings: taste.ratings, favorites: taste.favorites, viewCount: 0, shownCount: 0 };
    const ranked = await scorer.rank({ user, candidates, multipliers, limit: k });
    let dcg = 0;
    for (let r = 0; r < Math.min(k, ranked.positions.length); r++) if (held.has(candidates[ranked.positions[r]!]!.key)) dcg += discount[r]!;
    let ideal = 0;
    for (let r = 0; r < Math.min(k, held.size); r++) ideal += discount[r]!;
    total += dcg / ideal;
    users++;
  }
  return users === 0 ? Number.NaN : total / users;
}
