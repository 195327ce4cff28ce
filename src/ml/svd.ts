import type { RatingScale } from './datasets.ts';
import { createRng } from '../shared/random.ts';

/**
 * Biased matrix factorisation trained by stochastic gradient descent, with the semantics of
 * Surprise 1.1's `SVD` (Funk-style, as popularised by the Netflix Prize):
 *
 *   r̂(u, i) = μ + b_u + b_i + q_iᵀ p_u,   clipped to the rating scale.
 *
 * Biases start at 0, factors ~ Normal(initMean, initStdDev); every epoch visits the training
 * ratings in the same order (Surprise's `trainset.all_ratings()`: grouped by user, users and each
 * user's ratings in order of first appearance); the per-rating update is Surprise's, term for term.
 * For an unknown user or item the missing bias and the dot product are dropped (Surprise's
 * `estimate`).
 */
export interface SvdOptions {
  factors: number;
  epochs: number;
  learningRate: number;
  regularization: number;
  initMean: number;
  initStdDev: number;
  seed: number;
}

export const DEFAULT_SVD_OPTIONS: Readonly<SvdOptions> = {
  factors: 100,
  epochs: 20,
  learningRate: 0.005,
  regularization: 0.02,
  initMean: 0,
  initStdDev: 0.1,
  seed: 0,
};

/**
 * The "best" model of the Models issue: the same SVD, tuned. On ml-100k (5 folds, seed 42) a
 * stronger penalty (reg 0.1 instead of 0.02) lets SGD run longer at a higher rate without
 * overfitting, and 50 factors do as well as 100 at half the cost: RMSE 0.9095 vs the default's
 * 0.9339 and SVD++'s 0.9187 (README: "The better model" lists the grid that was tried).
 */
export const BEST_SVD_OPTIONS: Readonly<SvdOptions> = {
  factors: 50,
  epochs: 40,
  learningRate: 0.01,
  regularization: 0.1,
  initMean: 0,
  initStdDev: 0.1,
  seed: 0,
};

/** Ratings in dense index space. `users[j]`, `items[j]`, `ratings[j]` describe record j. */
export interface RatingMatrix {
  readonly nUsers: number;
  readonly nItems: number;
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly ratings: Float64Array;
  readonly scale: RatingScale;
}

/** The fitted parameters. Factor tables are row-major: row u is `userFactors[u*k .. u*k+k)`. */
export interface SvdParameters {
  readonly factors: number;
  readonly globalMean: number;
  readonly scale: RatingScale;
  readonly userBias: Float64Array;
  readonly itemBias: Float64Array;
  readonly userFactors: Float64Array;
  readonly itemFactors: Float64Array;
  /** 1 where the index had at least one training rating (Surprise's `knows_user`/`knows_item`). */
  readonly knownUsers: Uint8Array;
  readonly knownItems: Uint8Array;
}

export class SvdModel implements SvdParameters {
  readonly factors: number;
  readonly globalMean: number;
  readonly scale: RatingScale;
  readonly userBias: Float64Array;
  readonly itemBias: Float64Array;
  readonly userFactors: Float64Array;
  readonly itemFactors: Float64Array;
  readonly knownUsers: Uint8Array;
  readonly knownItems: Uint8Array;

  constructor(parameters: SvdParameters) {
    this.factors = parameters.factors;
    this.globalMean = parameters.globalMean;
    this.scale = parameters.scale;
    this.userBias = parameters.userBias;
    this.itemBias = parameters.itemBias;
    this.userFactors = parameters.userFactors;
    this.itemFactors = parameters.itemFactors;
    this.knownUsers = parameters.knownUsers;
    this.knownItems = parameters.knownItems;
  }

  get nUsers(): number {
    return this.userBias.length;
  }

  get nItems(): number {
    return this.itemBias.length;
  }

  isKnownUser(user: number): boolean {
    return user >= 0 && user < this.nUsers && this.knownUsers[user] === 1;
  }

  isKnownItem(item: number): boolean {
    return item >= 0 && item < this.nItems && this.knownItems[item] === 1;
  }

  /** Clipped prediction; pass -1 (or any index without training ratings) for an unknown user or item. */
  predict(user: number, item: number): number {
    return this.clip(this.estimate(user, item));
  }

  /** q_iᵀ p_u when both are known, else 0: the personal part of the estimate, without biases. */
  interaction(user: number, item: number): number {
    if (!this.isKnownUser(user) || !this.isKnownItem(item)) return 0;
    const k = this.factors;
    const uo = user * k;
    const io = item * k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += this.itemFactors[io + f]! * this.userFactors[uo + f]!;
    return dot;
  }

  /** Unclipped estimate, Surprise's `SVD.estimate`. */
  estimate(user: number, item: number): number {
    const knownUser = this.isKnownUser(user);
    const knownItem = this.isKnownItem(item);
    let estimate = this.globalMean;
    if (knownUser) estimate += this.userBias[user]!;
    if (knownItem) estimate += this.itemBias[item]!;
    if (knownUser && knownItem) {
      const k = this.factors;
      const uo = user * k;
      const io = item * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += this.itemFactors[io + f]! * this.userFactors[uo + f]!;
      estimate += dot;
    }
    return estimate;
  }

  /**
   * Clipped prediction for a user described by a vector rather than an index (a folded-in user).
   * `userFactors === null` is the unknown user: μ + b_i.
   */
  predictForVector(userFactors: ArrayLike<number> | null, userBias: number, item: number): number {
    return predictFromVector(this, userFactors, userBias, item);
  }

  clip(estimate: number): number {
    return estimate < this.scale.min ? this.scale.min : estimate > this.scale.max ? this.scale.max : estimate;
  }
}

/** The item side of a model and its scale: all a prediction for a folded-in user needs. */
export interface ScoringItemSide {
  readonly factors: number;
  readonly globalMean: number;
  readonly scale: RatingScale;
  readonly itemBias: Float64Array;
  readonly itemFactors: Float64Array;
  readonly knownItems: Uint8Array;
}

/** Surprise's estimate for a user given as a vector (null = unknown user), clipped to the scale. */
export function predictFromVector(side: ScoringItemSide, userFactors: ArrayLike<number> | null, userBias: number, item: number): number {
  let estimate = side.globalMean;
  if (userFactors !== null) estimate += userBias;
  if (item >= 0 && item < side.knownItems.length && side.knownItems[item] === 1) {
    estimate += side.itemBias[item]!;
    if (userFactors !== null) {
      const k = side.factors;
      const io = item * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += side.itemFactors[io + f]! * userFactors[f]!;
      estimate += dot;
    }
  }
  return estimate < side.scale.min ? side.scale.min : estimate > side.scale.max ? side.scale.max : estimate;
}

/**
 * The item side rounded to float32, the precision the ONNX graph stores: training computes the
 * forest's SVD feature from these so the forest sees the numbers serving will feed it.
 */
export function float32ItemSide(side: ScoringItemSide): ScoringItemSide {
  return {
    factors: side.factors,
    globalMean: Math.fround(side.globalMean),
    scale: side.scale,
    itemBias: side.itemBias.map(Math.fround),
    itemFactors: side.itemFactors.map(Math.fround),
    knownItems: side.knownItems,
  };
}

/**
 * Surprise's visiting order for a training set given as record indices in raw order: users in order
 * of first appearance, each user's ratings in raw order. Returns the record indices in that order.
 */
export function surpriseVisitOrder(users: Int32Array, nUsers: number, records: Int32Array): Int32Array {
  const counts = new Int32Array(nUsers);
  const firstSeenRank = new Int32Array(nUsers).fill(-1);
  let rank = 0;
  for (let j = 0; j < records.length; j++) {
    const u = users[records[j]!]!;
    if (firstSeenRank[u] === -1) firstSeenRank[u] = rank++;
    counts[u]!++;
  }
  // Counting sort by first-appearance rank, stable within a user.
  const userByRank = new Int32Array(rank);
  for (let u = 0; u < nUsers; u++) if (firstSeenRank[u]! >= 0) userByRank[firstSeenRank[u]!] = u;
  const start = new Int32Array(nUsers);
  let offset = 0;
  for (let r = 0; r < rank; r++) {
    const u = userByRank[r]!;
    start[u] = offset;
    offset += counts[u]!;
  }
  const order = new Int32Array(records.length);
  for (let j = 0; j < records.length; j++) {
    const record = records[j]!;
    order[start[users[record]!]!++] = record;
  }
  return order;
}

export interface SvdTrainingProgress {
  epoch: number;
  epochs: number;
}

/**
 * Fits the model on `records` (indices into `data`, in raw order; all records when omitted).
 * Deterministic for a given seed.
 */
export function trainSvd(
  data: RatingMatrix,
  options: Partial<SvdOptions> = {},
  records?: Int32Array,
  onEpoch?: (progress: SvdTrainingProgress) => void,
): SvdModel {
  const o = resolveSvdOptions(options);
  const all = records ?? Int32Array.from({ length: data.users.length }, (_, j) => j);
  if (all.length === 0) throw new RangeError('cannot train SVD on zero ratings');
  const order = surpriseVisitOrder(data.users, data.nUsers, all);

  // Copy the ratings into visiting order so the hot loop streams through memory.
  const n = order.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const ratings = new Float64Array(n);
  const knownUsers = new Uint8Array(data.nUsers);
  const knownItems = new Uint8Array(data.nItems);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const record = order[j]!;
    const u = data.users[record]!;
    const i = data.items[record]!;
    const r = data.ratings[record]!;
    users[j] = u;
    items[j] = i;
    ratings[j] = r;
    knownUsers[u] = 1;
    knownItems[i] = 1;
    sum += r;
  }
  const globalMean = sum / n;

  const k = o.factors;
  const rng = createRng(o.seed);
  const userFactors = new Float64Array(data.nUsers * k);
  const itemFactors = new Float64Array(data.nItems * k);
  rng.fillNormal(userFactors, o.initMean, o.initStdDev);
  rng.fillNormal(itemFactors, o.initMean, o.initStdDev);
  const userBias = new Float64Array(data.nUsers);
  const itemBias = new Float64Array(data.nItems);

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    sgdEpoch(users, items, ratings, globalMean, userBias, itemBias, userFactors, itemFactors, k, o.learningRate, o.regularization);
    onEpoch?.({ epoch: epoch + 1, epochs: o.epochs });
  }
  return new SvdModel({ factors: k, globalMean, scale: data.scale, userBias, itemBias, userFactors, itemFactors, knownUsers, knownItems });
}

export function resolveSvdOptions(options: Partial<SvdOptions>): SvdOptions {
  const o = { ...DEFAULT_SVD_OPTIONS, ...definedOnly(options) };
  if (!Number.isInteger(o.factors) || o.factors < 1) throw new RangeError(`factors must be a positive integer, got ${o.factors}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new RangeError(`epochs must be a non-negative integer, got ${o.epochs}`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) throw new RangeError(`learningRate must be > 0, got ${o.learningRate}`);
  if (!(o.regularization >= 0) || !Number.isFinite(o.regularization)) throw new RangeError(`regularization must be ≥ 0, got ${o.regularization}`);
  if (!(o.initStdDev >= 0)) throw new RangeError(`initStdDev must be ≥ 0, got ${o.initStdDev}`);
  return o;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * One pass of Surprise's SGD, over typed arrays in a standalone function so V8 compiles one
 * monomorphic loop. Measured on ml-100k (80k ratings, k = 100, 20 epochs, 2-core EPYC):
 * the straightforward two-loop version took 0.62 s per fit; Float32Array storage was slower than
 * Float64Array (0.70 s vs 0.67 s, the float↔double conversions cost more than the halved memory);
 * this version takes ≈ 0.24 s thanks to two changes that keep Surprise's semantics:
 * - Fusion. Ratings are grouped by user, so the next rating usually has the same user and a
 *   different item. Its dot product q_nextᵀ p_u is accumulated while p_u is being updated,
 *   from the freshly written values — exactly what a separate pass would read — saving one
 *   pass over p_u per rating.
 * - Four independent accumulators and a 4-way unrolled update break the floating-point
 *   dependency chain. The update is Surprise's, rearranged:
 *   p + lr·(err·q − reg·p) = (1 − lr·reg)·p + (lr·err)·q. Only rounding (≈1e-16) differs.
 */
function sgdEpoch(
  users: Int32Array,
  items: Int32Array,
  ratings: Float64Array,
  globalMean: number,
  userBias: Float64Array,
  itemBias: Float64Array,
  P: Float64Array,
  Q: Float64Array,
  k: number,
  lr: number,
  reg: number,
): void {
  const n = ratings.length;
  const decay = 1 - lr * reg;
  const k4 = k - (k % 4);
  let dot = 0;
  let haveDot = false;
  for (let j = 0; j < n; j++) {
    const u = users[j]!;
    const i = items[j]!;
    const uo = u * k;
    const io = i * k;
    if (!haveDot) {
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let f = 0;
      for (; f < k4; f += 4) {
        d0 += Q[io + f]! * P[uo + f]!;
        d1 += Q[io + f + 1]! * P[uo + f + 1]!;
        d2 += Q[io + f + 2]! * P[uo + f + 2]!;
        d3 += Q[io + f + 3]! * P[uo + f + 3]!;
      }
      for (; f < k; f++) d0 += Q[io + f]! * P[uo + f]!;
      dot = d0 + d1 + (d2 + d3);
    }
    const bu = userBias[u]!;
    const bi = itemBias[i]!;
    const err = ratings[j]! - (globalMean + bu + bi + dot);
    userBias[u] = bu + lr * (err - reg * bu);
    itemBias[i] = bi + lr * (err - reg * bi);
    const step = lr * err;
    const next = j + 1;
    if (next < n && users[next] === u && items[next] !== i) {
      const no = items[next]! * k;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let f = 0;
      for (; f < k4; f += 4) {
        const p0 = P[uo + f]!;
        const q0 = Q[io + f]!;
        const n0 = decay * p0 + step * q0;
        P[uo + f] = n0;
        Q[io + f] = decay * q0 + step * p0;
        d0 += Q[no + f]! * n0;
        const p1 = P[uo + f + 1]!;
        const q1 = Q[io + f + 1]!;
        const n1 = decay * p1 + step * q1;
        P[uo + f + 1] = n1;
        Q[io + f + 1] = decay * q1 + step * p1;
        d1 += Q[no + f + 1]! * n1;
        const p2 = P[uo + f + 2]!;
        const q2 = Q[io + f + 2]!;
        const n2 = decay * p2 + step * q2;
        P[uo + f + 2] = n2;
        Q[io + f + 2] = decay * q2 + step * p2;
        d2 += Q[no + f + 2]! * n2;
        const p3 = P[uo + f + 3]!;
        const q3 = Q[io + f + 3]!;
        const n3 = decay * p3 + step * q3;
        P[uo + f + 3] = n3;
        Q[io + f + 3] = decay * q3 + step * p3;
        d3 += Q[no + f + 3]! * n3;
      }
      for (; f < k; f++) {
        const p = P[uo + f]!;
        const q = Q[io + f]!;
        const updated = decay * p + step * q;
        P[uo + f] = updated;
        Q[io + f] = decay * q + step * p;
        d0 += Q[no + f]! * updated;
      }
      dot = d0 + d1 + (d2 + d3);
      haveDot = true;
    } else {
      for (let f = 0; f < k; f++) {
        const p = P[uo + f]!;
        const q = Q[io + f]!;
        P[uo + f] = decay * p + step * q;
        Q[io + f] = decay * q + step * p;
      }
      haveDot = false;
    }
  }
}
