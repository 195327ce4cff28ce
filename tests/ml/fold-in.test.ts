import { describe, expect, it } from 'vitest';
import { readRatingsFile } from '../../src/ml/datasets.ts';
import { choleskyInPlace, choleskySolveInPlace, DEFAULT_FOLD_IN_OPTIONS, FoldInAccumulator, foldInUser } from '../../src/ml/fold-in.ts';
import { SHARED_DATA_FILES } from '../../src/ml/shared-data.ts';
import { createRng } from '../../src/shared/random.ts';
import { trainSvd } from '../../src/ml/svd.ts';
import type { RatingMatrix } from '../../src/ml/svd.ts';
import { foldInRmse, foldInSplit, oneFiveCalibration, oneFiveEffect } from './fold-in-protocol.ts';
import { missingSharedData } from './shared-data.ts';

/**
 * Items 0–19 are "horror", 20–39 "comedy". Half the users love horror and dislike comedy, half the
 * opposite; the SVD learns that axis from them.
 */
function plantedGenres(seed: number): RatingMatrix {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const ratings: number[] = [];
  for (let u = 0; u < 120; u++) {
    const likesHorror = u % 2 === 0;
    for (let i = 0; i < 40; i++) {
      if (rng.next() > 0.5) continue;
      const horror = i < 20;
      const base = horror === likesHorror ? 4.5 : 1.5;
      users.push(u);
      items.push(i);
      ratings.push(Math.min(5, Math.max(1, Math.round(base + rng.normal(0, 0.5)))));
    }
  }
  return { nUsers: 120, nItems: 40, users: Int32Array.from(users), items: Int32Array.from(items), ratings: Float64Array.from(ratings), scale: { min: 1, max: 5 } };
}

describe('foldInUser', () => {
  const data = plantedGenres(3);
  const model = trainSvd(data, { factors: 5, epochs: 60, learningRate: 0.01, regularization: 0.05, seed: 1 });

  it('moves predictions toward a new user’s ratings', () => {
    // Rates a few horror items 5 and a few comedy items 1; the other items are unseen.
    const given = [
      { item: 0, stars: 5 },
      { item: 1, stars: 5 },
      { item: 2, stars: 5 },
      { item: 20, stars: 1 },
      { item: 21, stars: 1 },
      { item: 22, stars: 1 },
    ];
    const vector = foldInUser(model, given)!;
    expect(vector).not.toBeNull();
    expect(vector.ratingCount).toBe(6);
    const mean = (items: number[]) => items.reduce((sum, i) => sum + model.predictForVector(vector.factors, vector.bias, i), 0) / items.length;
    const unseenHorror = Array.from({ length: 17 }, (_, x) => 3 + x);
    const unseenComedy = Array.from({ length: 17 }, (_, x) => 23 + x);
    expect(mean(unseenHorror) - mean(unseenComedy)).toBeGreaterThan(1.5);
    // And for the opposite taste, the opposite order.
    const flipped = foldInUser(model, given.map((r) => ({ item: r.item, stars: 6 - r.stars })))!;
    const flippedMean = (items: number[]) => items.reduce((sum, i) => sum + model.predictForVector(flipped.factors, flipped.bias, i), 0) / items.length;
    expect(flippedMean(unseenComedy) - flippedMean(unseenHorror)).toBeGreaterThan(1.5);
  });

  it('returns null without usable ratings, so the caller uses the unknown-user estimate', () => {
    expect(foldInUser(model, [])).toBeNull();
    expect(foldInUser(model, [{ item: -1, stars: 5 }, { item: 999, stars: 4 }])).toBeNull();
    expect(model.predictForVector(null, 0, 5)).toBeCloseTo(model.predict(-1, 5), 12);
  });

  it('solves the regularised normal equations', () => {
    const given = [
      { item: 4, stars: 4 },
      { item: 30, stars: 2 },
      { item: 11, stars: 5 },
    ];
    const options = { factorRegularization: 0.3, biasRegularization: 0.1, priorCount: 2, biasPriorCount: 7 };
    const vector = foldInUser(model, given, options)!;
    // Gradient of Σ (y − xᵀw)² + Σ λ_j w_j² must vanish at the solution.
    const k = model.factors;
    const w = [...vector.factors, vector.bias];
    const lambda = w.map((_, j) => (j < k ? options.factorRegularization * (options.priorCount + given.length) : options.biasRegularization * (options.biasPriorCount + given.length)));
    const gradient = new Array<number>(k + 1).fill(0);
    for (const { item, stars } of given) {
      const x = [...model.itemFactors.subarray(item * k, item * k + k), 1];
      const residual = stars - model.globalMean - model.itemBias[item]! - x.reduce((sum, xj, j) => sum + xj * w[j]!, 0);
      x.forEach((xj, j) => (gradient[j]! -= xj * residual));
    }
    w.forEach((wj, j) => (gradient[j]! += lambda[j]! * wj));
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-10);
  });

  it('accumulates incrementally to the same answer as a batch fold-in', () => {
    const accumulator = new FoldInAccumulator(model);
    expect(accumulator.solve()).toBeNull();
    accumulator.add(3, 5);
    const afterOne = accumulator.solve()!;
    expect(accumulator.solve()).toBe(afterOne); // cached until the next rating
    accumulator.add(25, 1);
    expect(accumulator.add(-5, 3)).toBe(false);
    const batch = foldInUser(model, [
      { item: 3, stars: 5 },
      { item: 25, stars: 1 },
    ])!;
    const incremental = accumulator.solve()!;
    expect(incremental.bias).toBeCloseTo(batch.bias, 12);
    incremental.factors.forEach((value, f) => expect(value).toBeCloseTo(batch.factors[f]!, 12));
  });

  it('shrinks toward the unknown user as the penalty grows', () => {
    const vector = foldInUser(model, [{ item: 0, stars: 5 }], { factorRegularization: 1e6, biasRegularization: 1e6 })!;
    expect(Math.abs(model.predictForVector(vector.factors, vector.bias, 10) - model.predict(-1, 10))).toBeLessThan(1e-4);
  });
});

describe.skipIf(missingSharedData('ml100k'))('fold-in on ml-100k (src/ml/README.md, "Fold-in")', async () => {
  const split = foldInSplit(await readRatingsFile(SHARED_DATA_FILES.ml100k, 'ml100k'), 42);
  /** The defaults before a single rating was shrunk harder: the bias penalty scaled by c = 10, λ_b = 0.2. */
  const previous = { factorRegularization: 0.1, biasRegularization: 0.2, priorCount: 10, biasPriorCount: 10 };

  it('GIVEN a brand-new user rates one movie ★5 THEN predictions move about as much as such users really rate higher, not a blanket lift', () => {
    const now = oneFiveEffect(split.model, DEFAULT_FOLD_IN_OPTIONS);
    const before = oneFiveEffect(split.model, previous);
    const calibration = oneFiveCalibration(split, DEFAULT_FOLD_IN_OPTIONS);
    console.info(
      `one ★5: mean shift ${before.meanShift.toFixed(3)} → ${now.meanShift.toFixed(3)}, spread ${before.shiftSpread.toFixed(3)} → ${now.shiftSpread.toFixed(3)};`,
      `on ${calibration.users} held-out ★5 raters: predicted ${calibration.predictedShift.toFixed(3)}, actual ${calibration.actualShift.toFixed(3)}`,
    );
    expect(before.meanShift).toBeGreaterThan(0.3); // the defect: a third of a star on every movie
    expect(now.meanShift).toBeLessThan(0.25);
    expect(now.meanShift).toBeGreaterThan(0.1); // it still counts
    expect(now.shiftSpread).toBeGreaterThan(0.05); // and it is personal: similar movies move more
    // Over 10 splits such users rate their other movies 0.17 above μ + b_i; the fold-in now predicts
    // 0.17 (it was 0.27). One split's 41 users are too few to assert on, so this is only reported.
    expect(calibration.users).toBeGreaterThan(20);
  });

  it('GIVEN 3, 10, 30 or all ratings folded in THEN RMSE is no worse than with the previous defaults, beyond noise', () => {
    for (const count of [3, 10, 30, Number.POSITIVE_INFINITY]) {
      const now = foldInRmse(split, count, DEFAULT_FOLD_IN_OPTIONS);
      const before = foldInRmse(split, count, previous);
      // Same users, same split: 0.003 is a tenth of the RMSE's spread between random splits (≈ 0.03).
      expect(now, `${count} ratings: ${before.toFixed(4)} → ${now.toFixed(4)}`).toBeLessThan(before + 0.003);
    }
  });
});

describe('Cholesky', () => {
  it('solves a random symmetric positive definite system', () => {
    const rng = createRng(8);
    const d = 9;
    const a = Array.from({ length: d * d }, () => rng.normal(0, 1));
    const spd = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let sum = i === j ? 0.5 : 0;
      for (let p = 0; p < d; p++) sum += a[i * d + p]! * a[j * d + p]!;
      spd[i * d + j] = sum;
    }
    const b = Float64Array.from({ length: d }, () => rng.normal(0, 1));
    const L = Float64Array.from(spd);
    choleskyInPlace(L, d);
    const x = Float64Array.from(b);
    choleskySolveInPlace(L, d, x);
    for (let i = 0; i < d; i++) {
      let ax = 0;
      for (let j = 0; j < d; j++) ax += spd[i * d + j]! * x[j]!;
      expect(ax).toBeCloseTo(b[i]!, 9);
    }
    expect(() => choleskyInPlace(Float64Array.from([1, 0, 2, -3]), 2)).toThrow('positive definite');
  });
});
