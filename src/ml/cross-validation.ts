import { createRng } from '../shared/random.ts';

/** One fold: record indices for training (raw order of the shuffled indices, as Surprise builds them) and testing. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Surprise's `KFold(n_splits, shuffle=True, random_state=seed)`: shuffle the record indices with
 * the seeded generator, cut them into `k` contiguous parts whose sizes differ by at most one (the
 * first `n % k` parts get the extra record), and train on everything outside each part in
 * shuffled order.
 */
export function kFoldSplits(n: number, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  if (n < k) throw new RangeError(`cannot split ${n} records into ${k} folds`);
  const indices = Int32Array.from({ length: n }, (_, j) => j);
  createRng(seed).shuffle(indices);
  const folds: Fold[] = [];
  let stop = 0;
  for (let fold = 0; fold < k; fold++) {
    const start = stop;
    stop += Math.floor(n / k) + (fold < n % k ? 1 : 0);
    const train = new Int32Array(n - (stop - start));
    train.set(indices.subarray(0, start), 0);
    train.set(indices.subarray(stop), start);
    folds.push({ train, test: indices.slice(start, stop) });
  }
  return folds;
}

/**
 * Stratified k-fold for binary labels: each fold gets a near-equal share of positives and of
 * negatives, which keeps precision/recall stable when positives are rare.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  if (labels.length < k) throw new RangeError(`cannot split ${labels.length} rows into ${k} folds`);
  const rng = createRng(seed);
  const foldOf = new Int32Array(labels.length);
  for (const label of [0, 1]) {
    const members: number[] = [];
    for (let j = 0; j < labels.length; j++) if (labels[j] === label) members.push(j);
    rng.shuffle(members);
    for (let m = 0; m < members.length; m++) foldOf[members[m]!] = m % k;
  }
  const folds: Fold[] = [];
  for (let fold = 0; fold < k; fold++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let j = 0; j < labels.length; j++) (foldOf[j] === fold ? test : train).push(j);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}
