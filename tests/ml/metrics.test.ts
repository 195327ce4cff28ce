import { describe, expect, it } from 'vitest';
import { binaryClassificationMetrics, mae, quantile, rmse, rocAuc } from '../../src/ml/metrics.ts';
import { createRng } from '../../src/shared/random.ts';

/** AUC from its definition: P(score of a random positive > a random negative), ties count half. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, p) => {
    if (labels[p] !== 1) return;
    scores.forEach((sn, n) => {
      if (labels[n] !== 0) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('metrics', () => {
  it('computes ROC-AUC as the pairwise win rate, ties included', () => {
    const rng = createRng(5);
    const labels = Array.from({ length: 300 }, () => (rng.next() < 0.3 ? 1 : 0));
    // Coarse scores make many ties.
    const scores = labels.map((y) => Math.round((y * 0.3 + rng.next()) * 10) / 10);
    expect(rocAuc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('derives accuracy, precision, recall and F1 from the confusion matrix', () => {
    const rng = createRng(6);
    const labels = Array.from({ length: 200 }, () => (rng.next() < 0.4 ? 1 : 0));
    const probabilities = labels.map((y) => Math.min(1, Math.max(0, y * 0.35 + rng.next() * 0.65)));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    labels.forEach((y, j) => {
      const predicted = probabilities[j]! > 0.5;
      if (predicted && y === 1) tp++;
      if (predicted && y === 0) fp++;
      if (!predicted && y === 1) fn++;
    });
    const m = binaryClassificationMetrics(probabilities, labels);
    expect(m.precision).toBeCloseTo(tp / (tp + fp), 12);
    expect(m.recall).toBeCloseTo(tp / (tp + fn), 12);
    expect(m.f1).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 12);
    expect(m.accuracy).toBeCloseTo(labels.filter((y, j) => (probabilities[j]! > 0.5 ? 1 : 0) === y).length / labels.length, 12);
    expect(binaryClassificationMetrics([0.1, 0.2], [1, 0]).precision).toBe(0);
  });

  it('computes errors and quantiles', () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(mae([1, 2, 3], [2, 2, 5])).toBeCloseTo(1, 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.99)).toBeCloseTo(4.96, 12);
    expect(() => rmse([1], [1, 2])).toThrow('length mismatch');
  });
});
