import type { RatingsDataset } from './datasets.ts';
import { trainForest } from './forest.ts';
import type { ForestOptions, RandomForest } from './forest.ts';
import { createRng } from '../shared/random.ts';
import { topIndices } from '../shared/top-indices.ts';
import { BEST_SVD_OPTIONS, resolveSvdOptions, trainSvd } from './svd.ts';
import type { SvdModel, SvdOptions } from './svd.ts';

/**
 * Top-10 ranking quality on a per-user time split: each user's last 20 % of ratings (by
 * timestamp) are the test set, and the relevant items are the test items rated ≥ 4. Every model
 * ranks all items seen in training that the user has not rated in training.
 *
 * - popularity: the number of training ratings of the item.
 * - svd: the predicted rating. A rating predictor is not a ranker: among thousands of unseen
 *   items, the highest predictions go to obscure items with a few enthusiastic ratings, so this
 *   usually loses to popularity. It is reported to show exactly that.
 * - blend: the bot's design on this data. A random forest estimates P(the user will rate the item
 *   ≥ 4 next) from the SVD (prediction, dot product, item bias), a popularity prior (log rating
 *   count, overall and in the year before the user's last training rating), the item's age and
 *   user/item mean ratings ({@link BLEND_FEATURES}), and ranks a candidate pool: the union of the user's top-200 by SVD and the top-200
 *   by popularity. The forest is trained without touching the test period: the training period is
 *   split again in time the same way (last 20 % = labels), an SVD is fitted on the earlier part,
 *   and rows are the candidate pools of that inner split, labelled by the inner "future".
 */
export interface RankingOptions {
  testFraction: number;
  relevantMinRating: number;
  k: number;
  /** Candidates taken from each of the SVD and popularity rankings for the blend's pool. */
  poolSize: number;
  /** Negative pool rows kept per user when training the blend's forest (positives are all kept). */
  negativesPerUser: number;
  seed: number;
  /** Overrides on top of BEST_SVD_OPTIONS (the bot's SVD); the seed comes from `seed`. */
  svd: Partial<SvdOptions>;
  forest: Partial<ForestOptions>;
  /** Evaluate only this many users (the first by id order); for quick runs. */
  maxUsers: number | null;
}

export const DEFAULT_RANKING_OPTIONS: Readonly<RankingOptions> = {
  testFraction: 0.2,
  relevantMinRating: 4,
  k: 10,
  poolSize: 200,
  negativesPerUser: 60,
  seed: 42,
  svd: {},
  forest: { trees: 50, maxDepth: 10, minSamplesLeaf: 5 },
  maxUsers: null,
};

export interface RankingMetrics {
  precision10: number;
  recall10: number;
  ndcg10: number;
}

export interface RankingReport {
  users: number;
  k: number;
  popularity: RankingMetrics;
  /** Popularity over the year before the user's split: shows how much of the blend's gain is recency. */
  recentPopularity: RankingMetrics;
  svd: RankingMetrics;
  blend: RankingMetrics;
  seconds: number;
}

export const BLEND_FEATURES = ['svd_prediction', 'item_log_count', 'item_mean_rating', 'user_log_count', 'user_mean_rating', 'svd_dot', 'item_bias', 'item_log_recent_count', 'item_age_years'] as const;

/** Splits each user's ratings by time: the latest `fraction` (rounded, at least one when the user has ≥ 2) are test. */
export function temporalSplit(ds: RatingsDataset, fraction: number, within?: Int32Array): { train: Int32Array; test: Int32Array } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${fraction}`);
  const records = within ?? Int32Array.from({ length: ds.ratings.length }, (_, j) => j);
  const byUser = new Map<number, number[]>();
  for (const j of records) {
    const u = ds.users[j]!;
    let list = byUser.get(u);
    if (list === undefined) byUser.set(u, (list = []));
    list.push(j);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const list of byUser.values()) {
    // Ties in time keep file order, so the split is deterministic.
    list.sort((a, b) => ds.timestamps[a]! - ds.timestamps[b]! || a - b);
    const testCount = list.length < 2 ? 0 : Math.max(1, Math.round(list.length * fraction));
    const cut = list.length - testCount;
    for (let x = 0; x < list.length; x++) (x < cut ? train : test).push(list[x]!);
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

/** Precision, recall and binary-gain NDCG of a ranked list at k. */
export function rankingMetricsAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): RankingMetrics {
  let hits = 0;
  let dcg = 0;
  const depth = Math.min(k, ranked.length);
  for (let r = 0; r < depth; r++) {
    if (relevant.has(ranked[r]!)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  }
  let idcg = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
  return {
    precision10: hits / k,
    recall10: relevant.size === 0 ? 0 : hits / relevant.size,
    ndcg10: idcg === 0 ? 0 : dcg / idcg,
  };
}

/** Indices of the `k` largest scores among `candidates`, best first (ties: lower index first). */
export function topK(scores: Float64Array, candidates: Int32Array, k: number): Int32Array {
  const better = (i: number, j: number) => {
    const a = candidates[i]!;
    const b = candidates[j]!;
    return scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  };
  return Int32Array.from(topIndices(candidates.length, k, better), (i) => candidates[i]!);
}

/** Training-period statistics the rankers and the blend's features use. */
interface PeriodStats {
  itemCount: Float64Array;
  itemMean: Float64Array;
  userCount: Float64Array;
  userMean: Float64Array;
  /** Per user, the item indices rated in this period. */
  rated: Map<number, Set<number>>;
  /** Items with at least one rating in this period. */
  items: Int32Array;
  globalMean: number;
  /** Per item, its ratings' timestamps ascending. */
  itemTimes: Float64Array[];
  /** Per user, the time of their last rating in this period. */
  userLast: Float64Array;
}

function periodStats(ds: RatingsDataset, records: Int32Array): PeriodStats {
  const nUsers = ds.userIds.length;
  const nItems = ds.itemIds.length;
  const itemCount = new Float64Array(nItems);
  const itemSum = new Float64Array(nItems);
  const userCount = new Float64Array(nUsers);
  const userSum = new Float64Array(nUsers);
  const rated = new Map<number, Set<number>>();
  let sum = 0;
  for (const j of records) {
    const u = ds.users[j]!;
    const i = ds.items[j]!;
    const r = ds.ratings[j]!;
    itemCount[i]!++;
    itemSum[i]! += r;
    userCount[u]!++;
    userSum[u]! += r;
    sum += r;
    let set = rated.get(u);
    if (set === undefined) rated.set(u, (set = new Set()));
    set.add(i);
  }
  const globalMean = sum / Math.max(1, records.length);
  // Item and user means are shrunk toward the global mean by 5 pseudo-ratings, so one 5-star
  // rating does not make an item look perfect.
  const shrink = 5;
  const itemMean = itemSum.map((s, i) => (s + shrink * globalMean) / (itemCount[i]! + shrink));
  const userMean = userSum.map((s, u) => (s + shrink * globalMean) / (userCount[u]! + shrink));
  const items: number[] = [];
  for (let i = 0; i < nItems; i++) if (itemCount[i]! > 0) items.push(i);
  const times: number[][] = Array.from({ length: nItems }, () => []);
  const userLast = new Float64Array(nUsers).fill(-Infinity);
  for (const j of records) {
    times[ds.items[j]!]!.push(ds.timestamps[j]!);
    userLast[ds.users[j]!] = Math.max(userLast[ds.users[j]!]!, ds.timestamps[j]!);
  }
  const itemTimes = times.map((t) => Float64Array.from(t).sort());
  return { itemCount, itemMean, userCount, userMean, rated, items: Int32Array.from(items), globalMean, itemTimes, userLast };
}

function candidatesFor(stats: PeriodStats, user: number): Int32Array {
  const seen = stats.rated.get(user);
  if (seen === undefined) return stats.items;
  return stats.items.filter((i) => !seen.has(i));
}

function svdScores(model: SvdModel, user: number, items: Int32Array, out: Float64Array): void {
  for (const i of items) out[i] = model.estimate(user, i);
}

function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const YEAR_MS = 365.25 * 86_400_000;

function blendRow(stats: PeriodStats, svd: SvdModel, user: number, item: number, out: Float32Array, offset: number): void {
  const svdPrediction = svd.predict(user, item);
  out[offset] = svdPrediction;
  out[offset + 1] = Math.log1p(stats.itemCount[item]!);
  out[offset + 2] = stats.itemMean[item]!;
  out[offset + 3] = Math.log1p(stats.userCount[user]!);
  out[offset + 4] = stats.userMean[user]!;
  out[offset + 5] = svd.interaction(user, item);
  out[offset + 6] = svd.isKnownItem(item) ? svd.itemBias[item]! : 0;
  const t = stats.userLast[user]!;
  const times = stats.itemTimes[item]!;
  out[offset + 7] = Math.log1p(countAtMost(times, t) - countAtMost(times, t - YEAR_MS));
  out[offset + 8] = times.length === 0 ? -1 : (t - times[0]!) / YEAR_MS;
}

/** The blend's candidate pool: top-`poolSize` by SVD ∪ top-`poolSize` by popularity. */
function blendPool(svdTop: Int32Array, popularTop: Int32Array): Int32Array {
  return Int32Array.from(new Set([...svdTop, ...popularTop]));
}

function trainBlendForest(ds: RatingsDataset, train: Int32Array, o: RankingOptions, svdOptions: SvdOptions): RandomForest {
  const inner = temporalSplit(ds, o.testFraction, train);
  const stats = periodStats(ds, inner.train);
  const svd = trainSvd(matrixOf(ds), svdOptions, inner.train);
  const future = new Map<number, Set<number>>();
  for (const j of inner.test) {
    if (ds.ratings[j]! < o.relevantMinRating) continue;
    const u = ds.users[j]!;
    let set = future.get(u);
    if (set === undefined) future.set(u, (set = new Set()));
    set.add(ds.items[j]!);
  }
  const popularityScores = stats.itemCount;
  const scores = new Float64Array(ds.itemIds.length);
  const rng = createRng(o.seed);
  const rows: number[] = [];
  const labels: number[] = [];
  const width = BLEND_FEATURES.length;
  const row = new Float32Array(width);
  for (const [user, liked] of [...future.entries()].sort((a, b) => a[0] - b[0])) {
    const candidates = candidatesFor(stats, user);
    svdScores(svd, user, candidates, scores);
    const pool = blendPool(topK(scores, candidates, o.poolSize), topK(popularityScores, candidates, o.poolSize));
    const negatives: number[] = [];
    for (const item of pool) {
      if (liked.has(item)) {
        blendRow(stats, svd, user, item, row, 0);
        rows.push(...row);
        labels.push(1);
      } else {
        negatives.push(item);
      }
    }
    rng.shuffle(negatives);
    for (const item of negatives.slice(0, o.negativesPerUser)) {
      blendRow(stats, svd, user, item, row, 0);
      rows.push(...row);
      labels.push(0);
    }
  }
  return trainForest({ rows: labels.length, features: width, values: Float32Array.from(rows) }, Uint8Array.from(labels), { seed: o.seed, ...o.forest });
}

function matrixOf(ds: RatingsDataset) {
  return { nUsers: ds.userIds.length, nItems: ds.itemIds.length, users: ds.users, items: ds.items, ratings: ds.ratings, scale: ds.scale };
}

export function evaluateRanking(ds: RatingsDataset, options: Partial<RankingOptions> = {}): RankingReport {
  const started = performance.now();
  const o: RankingOptions = { ...DEFAULT_RANKING_OPTIONS, ...options };
  const svdOptions = resolveSvdOptions({ ...BEST_SVD_OPTIONS, seed: o.seed, ...o.svd });
  const { train, test } = temporalSplit(ds, o.testFraction);
  const stats = periodStats(ds, train);
  const svd = trainSvd(matrixOf(ds), svdOptions, train);
  const forest = trainBlendForest(ds, train, o, svdOptions);

  const relevant = new Map<number, Set<number>>();
  for (const j of test) {
    if (ds.ratings[j]! < o.relevantMinRating) continue;
    const u = ds.users[j]!;
    let set = relevant.get(u);
    if (set === undefined) relevant.set(u, (set = new Set()));
    set.add(ds.items[j]!);
  }
  let users = [...relevant.keys()].sort((a, b) => a - b);
  if (o.maxUsers !== null) users = users.slice(0, o.maxUsers);
  if (users.length === 0) throw new RangeError('no user has a relevant test item: cannot evaluate ranking');

  const totals = { popularity: zero(), recentPopularity: zero(), svd: zero(), blend: zero() };
  const recentScores = new Float64Array(ds.itemIds.length);
  const scores = new Float64Array(ds.itemIds.length);
  const width = BLEND_FEATURES.length;
  for (const user of users) {
    const liked = relevant.get(user)!;
    const candidates = candidatesFor(stats, user);
    const popularTop = topK(stats.itemCount, candidates, Math.max(o.k, o.poolSize));
    add(totals.popularity, rankingMetricsAtK(popularTop, liked, o.k));
    const t = stats.userLast[user]!;
    for (const i of candidates) recentScores[i] = countAtMost(stats.itemTimes[i]!, t) - countAtMost(stats.itemTimes[i]!, t - YEAR_MS) + stats.itemCount[i]! * 1e-9;
    add(totals.recentPopularity, rankingMetricsAtK(topK(recentScores, candidates, o.k), liked, o.k));
    svdScores(svd, user, candidates, scores);
    const svdTop = topK(scores, candidates, Math.max(o.k, o.poolSize));
    add(totals.svd, rankingMetricsAtK(svdTop, liked, o.k));

    const pool = blendPool(svdTop.subarray(0, o.poolSize), popularTop.subarray(0, o.poolSize));
    const values = new Float32Array(pool.length * width);
    for (let p = 0; p < pool.length; p++) blendRow(stats, svd, user, pool[p]!, values, p * width);
    const probabilities = forest.predictProba({ rows: pool.length, features: width, values });
    const blendScores = new Float64Array(ds.itemIds.length);
    for (let p = 0; p < pool.length; p++) blendScores[pool[p]!] = probabilities[p]!;
    add(totals.blend, rankingMetricsAtK(topK(blendScores, pool, o.k), liked, o.k));
  }
  const average = (m: RankingMetrics): RankingMetrics => ({
    precision10: m.precision10 / users.length,
    recall10: m.recall10 / users.length,
    ndcg10: m.ndcg10 / users.length,
  });
  return {
    users: users.length,
    k: o.k,
    popularity: average(totals.popularity),
    recentPopularity: average(totals.recentPopularity),
    svd: average(totals.svd),
    blend: average(totals.blend),
    seconds: (performance.now() - started) / 1000,
  };
}

function zero(): RankingMetrics {
  return { precision10: 0, recall10: 0, ndcg10: 0 };
}

function add(total: RankingMetrics, m: RankingMetrics): void {
  total.precision10 += m.precision10;
  total.recall10 += m.recall10;
  total.ndcg10 += m.ndcg10;
}
