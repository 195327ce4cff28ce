/**
 * The fold-in protocol of src/ml/README.md ("Fold-in"), as code: ml-100k, the bot's tuned SVD trained
 * on 80 % of the users (seeded); each other user's ratings are shuffled and halved, the first n of
 * one half are folded in, the other half is the test set. Also measures what ONE ★5 does to a new
 * user's predictions: over every item (mean shift and spread), and on the held-out users whose first
 * rating is a ★5, against how they actually rate the rest (the "one rating inflates every star" check).
 */
import type { RatingsDataset } from '../../src/ml/datasets.ts';
import { FoldInAccumulator, type FoldInOptions } from '../../src/ml/fold-in.ts';
import { BEST_SVD_OPTIONS, trainSvd, type SvdModel } from '../../src/ml/svd.ts';
import { createRng } from '../../src/shared/random.ts';

export interface FoldInSplit {
  model: SvdModel;
  /** Per held-out user: the fold-in half (shuffled) and the test half, as (item, stars). */
  users: Array<{ given: Array<{ item: number; stars: number }>; test: Array<{ item: number; stars: number }> }>;
}

export function foldInSplit(data: RatingsDataset, seed = 42, trainShare = 0.8): FoldInSplit {
  const rng = createRng(seed);
  const nUsers = data.userIds.length;
  const order = rng.shuffle(Int32Array.from({ length: nUsers }, (_, u) => u));
  const trainUsers = new Uint8Array(nUsers);
  for (let j = 0; j < Math.round(nUsers * trainShare); j++) trainUsers[order[j]!] = 1;
  const records: number[] = [];
  const byUser = new Map<number, Array<{ item: number; stars: number }>>();
  for (let j = 0; j < data.users.length; j++) {
    const u = data.users[j]!;
    if (trainUsers[u] === 1) records.push(j);
    else {
      const list = byUser.get(u) ?? [];
      list.push({ item: data.items[j]!, stars: data.ratings[j]! });
      byUser.set(u, list);
    }
  }
  const matrix = { nUsers, nItems: data.itemIds.length, users: data.users, items: data.items, ratings: data.ratings, scale: data.scale };
  const model = trainSvd(matrix, { ...BEST_SVD_OPTIONS, seed }, Int32Array.from(records));
  const users = [...byUser.keys()].sort((a, b) => a - b).map((u) => {
    const ratings = rng.shuffle(byUser.get(u)!.filter((r) => model.isKnownItem(r.item)));
    const half = Math.floor(ratings.length / 2);
    return { given: ratings.slice(0, half), test: ratings.slice(half) };
  });
  return { model, users };
}

/** RMSE on the test halves after folding in the first `count` ratings of each fold-in half (Infinity = all; 0 = the unknown user). */
export function foldInRmse(split: FoldInSplit, count: number, options: Partial<FoldInOptions> = {}): number {
  let squared = 0;
  let n = 0;
  for (const user of split.users) {
    const accumulator = new FoldInAccumulator(split.model, options);
    for (const r of user.given.slice(0, count)) accumulator.add(r.item, r.stars);
    const vector = accumulator.solve();
    for (const r of user.test) {
      const predicted = split.model.predictForVector(vector?.factors ?? null, vector?.bias ?? 0, r.item);
      squared += (predicted - r.stars) ** 2;
      n++;
    }
  }
  return Math.sqrt(squared / n);
}

export interface OneRatingEffect {
  /** Mean over rated items and every known item of (prediction after one ★5 − prediction before). */
  meanShift: number;
  /** Mean over rated items of the standard deviation, over items, of that shift. */
  shiftSpread: number;
  /** Share of (rated item, item) predictions at ★4.5 or more, before and after. */
  atLeast45Before: number;
  atLeast45After: number;
}

/**
 * What a single ★5 does to a brand-new user's predictions: for each of `samples` popular items
 * (the ones a new user is likely to rate), fold in that one ★5 and compare every known item's
 * prediction with the unknown-user estimate μ + b_i.
 */
export function oneFiveEffect(model: SvdModel, options: Partial<FoldInOptions> = {}, samples = 50): OneRatingEffect {
  const known: number[] = [];
  for (let i = 0; i < model.nItems; i++) if (model.isKnownItem(i)) known.push(i);
  // The most "central" items by bias: a spread of well-liked items, as a new user would rate.
  const rated = [...known].sort((a, b) => model.itemBias[b]! - model.itemBias[a]!).filter((_, j) => j % Math.max(1, Math.floor(known.length / samples)) === 0).slice(0, samples);
  let shiftSum = 0;
  let spreadSum = 0;
  let count = 0;
  let high45Before = 0;
  let high45After = 0;
  for (const item of rated) {
    const accumulator = new FoldInAccumulator(model, options);
    accumulator.add(item, 5);
    const vector = accumulator.solve()!;
    let sum = 0;
    let sumSq = 0;
    for (const j of known) {
      const before = model.predictForVector(null, 0, j);
      const after = model.predictForVector(vector.factors, vector.bias, j);
      const shift = after - before;
      sum += shift;
      sumSq += shift * shift;
      if (before >= 4.5) high45Before++;
      if (after >= 4.5) high45After++;
      count++;
    }
    const mean = sum / known.length;
    shiftSum += mean;
    spreadSum += Math.sqrt(Math.max(0, sumSq / known.length - mean * mean));
  }
  return { meanShift: shiftSum / rated.length, shiftSpread: spreadSum / rated.length, atLeast45Before: high45Before / count, atLeast45After: high45After / count };
}

/**
 * Held-out users whose first fold-in rating is a ★5, that rating alone folded in: the mean predicted
 * shift over their test movies (prediction − μ − b_i) against the mean actual one (stars − μ − b_i).
 * A believable fold-in predicts about what such users really do.
 */
export function oneFiveCalibration(split: FoldInSplit, options: Partial<FoldInOptions> = {}): { users: number; predictedShift: number; actualShift: number } {
  let predicted = 0;
  let actual = 0;
  let n = 0;
  let users = 0;
  for (const user of split.users) {
    const first = user.given[0];
    if (first === undefined || first.stars !== 5) continue;
    const accumulator = new FoldInAccumulator(split.model, options);
    accumulator.add(first.item, 5);
    const vector = accumulator.solve()!;
    users++;
    for (const r of user.test) {
      const base = split.model.predictForVector(null, 0, r.item);
      predicted += split.model.predictForVector(vector.factors, vector.bias, r.item) - base;
      actual += r.stars - base;
      n++;
    }
  }
  return { users, predictedShift: predicted / n, actualShift: actual / n };
}
