import { describe, expect, it } from 'vitest';
import { readRfSynth } from '../../src/ml/bench.ts';
import { binFeatures, binOf, computeBinEdges, trainForest } from '../../src/ml/forest.ts';
import type { FeatureMatrix } from '../../src/ml/forest.ts';
import { binaryClassificationMetrics } from '../../src/ml/metrics.ts';
import { createRng } from '../../src/shared/random.ts';
import { SHARED_DATA_FILES } from '../../src/ml/shared-data.ts';
import { missingSharedData } from './shared-data.ts';

function matrix(rows: number[][]): FeatureMatrix {
  return { rows: rows.length, features: rows[0]!.length, values: Float32Array.from(rows.flat()) };
}

/** Two informative features (label = x0 + x1 > 0) and three noise features. */
function separable(n: number, seed: number): { x: FeatureMatrix; y: Uint8Array } {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  while (rows.length < n) {
    const row = Array.from({ length: 5 }, () => rng.normal(0, 1));
    const margin = row[0]! + row[1]!;
    if (Math.abs(margin) < 0.3) continue; // a clear gap between the classes
    rows.push(row);
    labels.push(margin > 0 ? 1 : 0);
  }
  return { x: matrix(rows), y: Uint8Array.from(labels) };
}

describe('bins', () => {
  it('puts each value in the first bin whose upper edge is ≥ it', () => {
    const edges = Float32Array.from([1, 2.5, 4]);
    expect([0.5, 1, 1.0001, 2.5, 3, 4, 9].map((x) => binOf(edges, x))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });

  it('gives every distinct value its own bin when there are few, and at most 255 bins otherwise', () => {
    const rng = createRng(1);
    const rows = Array.from({ length: 5000 }, (_, r) => [r % 7, rng.normal(0, 1), 3]);
    const edges = computeBinEdges(matrix(rows), 255);
    expect([...edges[0]!]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(edges[1]!.length).toBeLessThanOrEqual(254);
    expect(edges[1]!.length).toBeGreaterThan(200);
    expect(edges[2]!.length).toBe(0); // constant feature: a single bin
    const binned = binFeatures(matrix(rows), edges);
    // Bin order follows value order, so thresholds on bins are thresholds on values.
    for (let r = 1; r < 200; r++) {
      const a = rows[r - 1]![1]!;
      const b = rows[r]![1]!;
      const binA = binned.bins[1 * 5000 + r - 1]!;
      const binB = binned.bins[1 * 5000 + r]!;
      if (Math.fround(a) < Math.fround(b)) expect(binA).toBeLessThanOrEqual(binB);
    }
  });
});

describe('trainForest', () => {
  it('separates a separable set', () => {
    const train = separable(1500, 2);
    const test = separable(500, 3);
    const forest = trainForest(train.x, train.y, { trees: 30, seed: 1 });
    const trainMetrics = binaryClassificationMetrics(forest.predictProba(train.x), train.y);
    const testMetrics = binaryClassificationMetrics(forest.predictProba(test.x), test.y);
    expect(trainMetrics.accuracy).toBe(1);
    expect(testMetrics.accuracy).toBeGreaterThan(0.95);
    expect(testMetrics.auc).toBeGreaterThan(0.99);
  });

  it('learns a single threshold exactly with one tree and no bootstrap', () => {
    const rows = Array.from({ length: 100 }, (_, r) => [r / 10]);
    const labels = Uint8Array.from(rows, ([x]) => (x! > 4.2 ? 1 : 0));
    const forest = trainForest(matrix(rows), labels, { trees: 1, bootstrap: false, maxFeatures: 'all' });
    const tree = forest.trees[0]!;
    expect(tree.feature[0]).toBe(0);
    // The split separates 4.2 from 4.3; the stored threshold lies between them.
    expect(tree.threshold[0]).toBeGreaterThanOrEqual(Math.fround(4.2));
    expect(tree.threshold[0]).toBeLessThan(Math.fround(4.3));
    expect([...forest.predictProba(matrix([[4.2], [4.3], [-1], [99]]))]).toEqual([0, 1, 0, 1]);
  });

  it('averages leaf frequencies into probabilities in [0, 1] and is deterministic for a seed', () => {
    const rng = createRng(4);
    const rows = Array.from({ length: 600 }, () => [rng.normal(0, 1), rng.normal(0, 1)]);
    const labels = Uint8Array.from(rows, ([a]) => (rng.next() < 1 / (1 + Math.exp(-2 * a!)) ? 1 : 0));
    const a = trainForest(matrix(rows), labels, { trees: 15, maxDepth: 4, seed: 3 }).predictProba(matrix(rows));
    const b = trainForest(matrix(rows), labels, { trees: 15, maxDepth: 4, seed: 3 }).predictProba(matrix(rows));
    const c = trainForest(matrix(rows), labels, { trees: 15, maxDepth: 4, seed: 4 }).predictProba(matrix(rows));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((p) => p >= 0 && p <= 1)).toBe(true);
    // Noisy labels: shallow trees give graded, not 0/1, probabilities.
    expect(new Set(a).size).toBeGreaterThan(50);
  });

  it('respects maxDepth and minSamplesLeaf', () => {
    const { x, y } = separable(800, 5);
    const forest = trainForest(x, y, { trees: 5, maxDepth: 3, minSamplesLeaf: 30, seed: 2 });
    for (const tree of forest.trees) {
      const depth = (node: number): number => (tree.feature[node]! < 0 ? 0 : 1 + Math.max(depth(tree.left[node]!), depth(tree.right[node]!)));
      expect(depth(0)).toBeLessThanOrEqual(3);
    }
    // Without bootstrap, leaf sizes are sample counts: check them by routing the training rows.
    const exact = trainForest(x, y, { trees: 1, bootstrap: false, maxDepth: 10, minSamplesLeaf: 25, seed: 2 });
    const tree = exact.trees[0]!;
    const leafCounts = new Map<number, number>();
    for (let r = 0; r < x.rows; r++) {
      let node = 0;
      while (tree.feature[node]! >= 0) node = x.values[r * x.features + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      leafCounts.set(node, (leafCounts.get(node) ?? 0) + 1);
    }
    expect(Math.min(...leafCounts.values())).toBeGreaterThanOrEqual(25);
  });

  it('rejects NaN features and bad labels with clear errors', () => {
    expect(() => trainForest(matrix([[1], [Number.NaN]]), Uint8Array.of(0, 1))).toThrow('feature #0 of row 1 is NaN');
    expect(() => trainForest(matrix([[1], [2]]), Uint8Array.of(0, 2))).toThrow('label of row 1 is 2');
    expect(() => trainForest(matrix([[1], [2]]), Uint8Array.of(0))).toThrow('labels');
  });
});

describe.skipIf(missingSharedData('rfSynth'))('forest on rf-synth (reduced: 20 trees, 10,000 training rows)', () => {
  it('reaches the holdout AUC of a full-size forest within a small margin', async () => {
    const { train, test } = await readRfSynth(SHARED_DATA_FILES.rfSynth);
    const rows = 10_000;
    const subset = { rows, features: train.matrix.features, values: train.matrix.values.slice(0, rows * train.matrix.features) };
    const forest = trainForest(subset, train.labels.slice(0, rows), { trees: 20, maxDepth: 15, seed: 0 });
    const metrics = binaryClassificationMetrics(forest.predictProba(test.matrix), test.labels);
    // scikit-learn's 100 trees on all 40,000 rows: AUC 0.9757, accuracy 0.9167.
    expect(metrics.auc).toBeGreaterThan(0.95);
    expect(metrics.accuracy).toBeGreaterThan(0.88);
  });
});
