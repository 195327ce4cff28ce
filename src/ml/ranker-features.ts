/**
 * The ranking forest's features: one module for training rows and served rows, so the forest is
 * always fed what it learned from. A row describes one (user, shortlisted movie) pair.
 */
export const RANKER_FEATURES = [
  'implicit_score',
  'implicit_relative',
  'implicit_rank',
  'item_log_users',
  'item_mean_rating',
  'item_quality',
  'user_log_items',
  'user_mean_rating',
  'svd_prediction',
  'svd_known_item',
  'svd_interaction',
  'svd_item_bias',
  'item_log_recent_users',
] as const;

export const RANKER_FEATURE_COUNT = RANKER_FEATURES.length;

/** What the features know about items, fixed at training time (served from the pipeline's metadata). */
export interface ItemStatistics {
  /** Distinct users who interacted with the item. */
  users: Float32Array;
  /** Mean rating shrunk toward the global mean; the global mean for unrated items. */
  meanRating: Float32Array;
  /** 0–1 regard (an IMDb prior in the bot, the shrunk mean rating otherwise). */
  quality: Float32Array;
  /** Distinct users in the newest fifth of the training period: what people pick lately. */
  recentUsers: Float32Array;
}

/** The user's side of a row: from their history alone, and their folded-in SVD bias. */
export interface UserStatistics {
  items: number;
  meanRating: number;
  /** b_u of the folded-in vector; 0 when no rating could be folded in. */
  svdBias: number;
}

/** The SVD's item side as the features read it. */
export interface SvdItemTerms {
  globalMean: number;
  itemBias: ArrayLike<number>;
  knownItems: ArrayLike<number>;
}

/** Pseudo-ratings that pull an item's or user's mean toward the global mean (one 5★ is not "perfect"). */
export const MEAN_SHRINK = 5;

export function shrunkMean(sum: number, count: number, globalMean: number): number {
  return (sum + MEAN_SHRINK * globalMean) / (count + MEAN_SHRINK);
}

/**
 * Writes the rows of a shortlist, in shortlist order (best implicit score first), into `out`
 * from `offset` rows on.
 */
export function writeRankerRows(
  out: Float32Array,
  shortlist: ArrayLike<number>,
  implicitScores: ArrayLike<number>,
  svdPredictions: ArrayLike<number>,
  svd: SvdItemTerms,
  items: ItemStatistics,
  user: UserStatistics,
): void {
  const width = RANKER_FEATURE_COUNT;
  let best = 0;
  for (let r = 0; r < shortlist.length; r++) best = Math.max(best, implicitScores[r]!);
  const userLogItems = Math.log1p(user.items);
  for (let r = 0; r < shortlist.length; r++) {
    const item = shortlist[r]!;
    const o = r * width;
    const implicit = implicitScores[r]!;
    out[o] = implicit;
    out[o + 1] = best > 0 ? implicit / best : 0;
    out[o + 2] = r;
    out[o + 3] = Math.log1p(items.users[item]!);
    out[o + 4] = items.meanRating[item]!;
    out[o + 5] = items.quality[item]!;
    out[o + 6] = userLogItems;
    out[o + 7] = user.meanRating;
    const known = svd.knownItems[item] === 1;
    const itemBias = known ? svd.itemBias[item]! : 0;
    out[o + 8] = svdPredictions[r]!;
    out[o + 9] = known ? 1 : 0;
    // The personal part of the prediction, q_i·p_u (clipping aside): what the user's taste adds.
    out[o + 10] = svdPredictions[r]! - svd.globalMean - user.svdBias - itemBias;
    out[o + 11] = itemBias;
    out[o + 12] = Math.log1p(items.recentUsers[item]!);
  }
}

/** The user's statistics from their ratings and history size. */
export function userStatistics(ratings: ReadonlyArray<{ stars: number }>, items: number, globalMean: number, svdBias: number): UserStatistics {
  let sum = 0;
  for (const r of ratings) sum += r.stars;
  return { items, meanRating: shrunkMean(sum, ratings.length, globalMean), svdBias };
}
