import { createRng } from '../shared/random.ts';
import type { Rng } from '../shared/random.ts';

/**
 * Random forest binary classifier over histogram-binned features, in the manner of
 * scikit-learn's `RandomForestClassifier`: bootstrap samples (as integer weights), a fresh random
 * subset of √F features at every split, Gini impurity, `predict_proba` = mean over trees of the
 * leaf's (bootstrap-weighted) class-1 frequency.
 *
 * Splits are searched over at most 255 quantile bins per feature instead of every distinct value.
 * Bin b holds the values x with edges[b-1] < x ≤ edges[b]; the edges are float32 values taken from
 * the data, so a split "bin ≤ b" is exactly "x ≤ edges[b]" for any float32 x. That is what lets the
 * ONNX export (`BRANCH_LEQ` with the same float32 threshold) agree with this code bit for bit.
 */
export interface ForestOptions {
  trees: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** Features tried per split: 'sqrt' (⌊√F⌋, sklearn's classifier default), 'all', or a count. */
  maxFeatures: 'sqrt' | 'all' | number;
  /** Upper bound on bins per feature, 2–255 (bins are stored as bytes). */
  maxBins: number;
  bootstrap: boolean;
  seed: number;
}

export const DEFAULT_FOREST_OPTIONS: Readonly<ForestOptions> = {
  trees: 100,
  maxDepth: 15,
  minSamplesLeaf: 1,
  maxFeatures: 'sqrt',
  maxBins: 255,
  bootstrap: true,
  seed: 0,
};

/** Row-major float32 features, the layout of the ONNX `features` input [rows, features]. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly features: number;
  readonly values: Float32Array;
}

/** A fitted tree in flat arrays. Node 0 is the root; a leaf has `feature === -1`. */
export interface Tree {
  readonly feature: Int32Array;
  /** `x[feature] <= threshold` goes to `left`. */
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Bootstrap-weighted frequency of class 1 among the node's training samples. */
  readonly probability: Float64Array;
}

export interface BinnedFeatures {
  readonly rows: number;
  readonly features: number;
  /** Column-major: feature f occupies `bins[f*rows .. (f+1)*rows)`. */
  readonly bins: Uint8Array;
  /** Per feature, ascending float32 upper edges; bin count = edges.length + 1. */
  readonly edges: readonly Float32Array[];
}

export class RandomForest {
  constructor(
    readonly features: number,
    readonly trees: readonly Tree[],
  ) {
    if (trees.length === 0) throw new RangeError('a forest needs at least one tree');
  }

  /** P(class 1) for every row, the mean of the trees' leaf frequencies (sklearn's `predict_proba[:, 1]`). */
  predictProba(matrix: FeatureMatrix): Float64Array {
    if (matrix.features !== this.features) {
      throw new RangeError(`expected ${this.features} features per row, got ${matrix.features}`);
    }
    const out = new Float64Array(matrix.rows);
    const { values } = matrix;
    const f = this.features;
    for (const tree of this.trees) {
      const { feature, threshold, left, right, probability } = tree;
      for (let row = 0; row < matrix.rows; row++) {
        const base = row * f;
        let node = 0;
        let split = feature[0]!;
        while (split >= 0) {
          node = values[base + split]! <= threshold[node]! ? left[node]! : right[node]!;
          split = feature[node]!;
        }
        out[row]! += probability[node]!;
      }
    }
    const scale = 1 / this.trees.length;
    for (let row = 0; row < matrix.rows; row++) out[row]! *= scale;
    return out;
  }

  nodeCount(): number {
    return this.trees.reduce((sum, tree) => sum + tree.feature.length, 0);
  }
}

export function resolveForestOptions(options: Partial<ForestOptions>): ForestOptions {
  const o: ForestOptions = { ...DEFAULT_FOREST_OPTIONS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  if (!Number.isInteger(o.trees) || o.trees < 1) throw new RangeError(`trees must be a positive integer, got ${o.trees}`);
  if (!Number.isInteger(o.maxDepth) || o.maxDepth < 0) throw new RangeError(`maxDepth must be a non-negative integer, got ${o.maxDepth}`);
  if (!Number.isInteger(o.minSamplesLeaf) || o.minSamplesLeaf < 1) throw new RangeError(`minSamplesLeaf must be ≥ 1, got ${o.minSamplesLeaf}`);
  if (!Number.isInteger(o.maxBins) || o.maxBins < 2 || o.maxBins > 255) throw new RangeError(`maxBins must be an integer in [2, 255], got ${o.maxBins}`);
  if (typeof o.maxFeatures === 'number' && (!Number.isInteger(o.maxFeatures) || o.maxFeatures < 1)) {
    throw new RangeError(`maxFeatures must be 'sqrt', 'all' or a positive integer, got ${o.maxFeatures}`);
  }
  return o;
}

export function featuresPerSplit(maxFeatures: ForestOptions['maxFeatures'], features: number): number {
  if (maxFeatures === 'all') return features;
  if (maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(features)));
  return Math.min(maxFeatures, features);
}

/** Validates a feature matrix: right length, and no NaN or ±Infinity (the trees would route them silently). */
export function assertFiniteMatrix(matrix: FeatureMatrix, featureNames?: readonly string[]): void {
  if (matrix.values.length !== matrix.rows * matrix.features) {
    throw new RangeError(`feature matrix has ${matrix.values.length} values, expected ${matrix.rows}×${matrix.features}`);
  }
  const { values } = matrix;
  for (let x = 0; x < values.length; x++) {
    if (!Number.isFinite(values[x]!)) {
      const row = Math.floor(x / matrix.features);
      const feature = x % matrix.features;
      const name = featureNames?.[feature] ?? `#${feature}`;
      throw new RangeError(`feature ${name} of row ${row} is ${values[x]}: features must be finite numbers`);
    }
  }
}

/**
 * Quantile bin edges per feature, taken from (a seeded sample of at most 200,000 of) the data.
 * With at most `maxBins` distinct values every value gets its own bin.
 */
export function computeBinEdges(matrix: FeatureMatrix, maxBins: number, seed = 0): Float32Array[] {
  const { rows, features, values } = matrix;
  const sampleSize = Math.min(rows, 200_000);
  let sampleRows: Int32Array;
  if (sampleSize === rows) {
    sampleRows = Int32Array.from({ length: rows }, (_, r) => r);
  } else {
    const all = Int32Array.from({ length: rows }, (_, r) => r);
    createRng(seed).shuffle(all);
    sampleRows = all.slice(0, sampleSize);
  }
  const edges: Float32Array[] = [];
  const column = new Float32Array(sampleSize);
  for (let f = 0; f < features; f++) {
    for (let s = 0; s < sampleSize; s++) column[s] = values[sampleRows[s]! * features + f]!;
    column.sort();
    const distinct: number[] = [];
    for (let s = 0; s < sampleSize; s++) if (s === 0 || column[s] !== column[s - 1]) distinct.push(column[s]!);
    const featureEdges: number[] = [];
    if (distinct.length <= maxBins) {
      // Every value but the largest closes a bin; the last bin is everything above.
      for (let d = 0; d + 1 < distinct.length; d++) featureEdges.push(distinct[d]!);
    } else {
      const max = column[sampleSize - 1]!;
      for (let q = 1; q < maxBins; q++) {
        const edge = column[Math.ceil((q * sampleSize) / maxBins) - 1]!;
        if (edge < max && (featureEdges.length === 0 || edge > featureEdges[featureEdges.length - 1]!)) featureEdges.push(edge);
      }
    }
    edges.push(Float32Array.from(featureEdges));
  }
  return edges;
}

/** The bin of a value: the first b with x ≤ edges[b], or edges.length when x is above them all. */
export function binOf(edges: Float32Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function binFeatures(matrix: FeatureMatrix, edges: readonly Float32Array[]): BinnedFeatures {
  const { rows, features, values } = matrix;
  const bins = new Uint8Array(rows * features);
  for (let f = 0; f < features; f++) {
    const featureEdges = edges[f]!;
    const offset = f * rows;
    for (let r = 0; r < rows; r++) bins[offset + r] = binOf(featureEdges, values[r * features + f]!);
  }
  return { rows, features, bins, edges };
}

export interface ForestProgress {
  tree: number;
  trees: number;
}

/** Fits a forest on labels 0/1. Deterministic for `options.seed`. */
export function trainForest(
  matrix: FeatureMatrix,
  labels: Uint8Array,
  options: Partial<ForestOptions> = {},
  onTree?: (progress: ForestProgress) => void,
): RandomForest {
  const o = resolveForestOptions(options);
  assertFiniteMatrix(matrix);
  if (labels.length !== matrix.rows) throw new RangeError(`got ${labels.length} labels for ${matrix.rows} rows`);
  if (matrix.rows === 0) throw new RangeError('cannot train a forest on zero rows');
  for (let r = 0; r < labels.length; r++) {
    if (labels[r] !== 0 && labels[r] !== 1) throw new RangeError(`label of row ${r} is ${labels[r]}, expected 0 or 1`);
  }
  const edges = computeBinEdges(matrix, o.maxBins, o.seed);
  const binned = binFeatures(matrix, edges);
  const trees: Tree[] = [];
  const builder = new TreeBuilder(binned, labels, o);
  for (let t = 0; t < o.trees; t++) {
    // One generator per tree, derived from the forest seed, so trees are independent of build order
    // (and could be grown on worker threads without changing the result).
    trees.push(builder.build(createRng(treeSeed(o.seed, t))));
    onTree?.({ tree: t + 1, trees: o.trees });
  }
  return new RandomForest(matrix.features, trees);
}

export function treeSeed(forestSeed: number, tree: number): number {
  return (Math.imul(forestSeed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(tree + 1, 0x85ebca6b)) >>> 0;
}

/** Grows trees depth-first over an index array partitioned in place (like sklearn's `samples`). */
class TreeBuilder {
  private readonly rows: number;
  private readonly nFeatures: number;
  private readonly perSplit: number;
  private readonly weight: Float64Array;
  private readonly weightedLabel: Float64Array;
  private readonly samples: Int32Array;
  private readonly featureOrder: Int32Array;
  private readonly histWeight = new Float64Array(256);
  private readonly histPositive = new Float64Array(256);
  private readonly histCount = new Int32Array(256);
  private readonly touched = new Int32Array(256);
  // Growable node storage.
  private feature = new Int32Array(0);
  private threshold = new Float32Array(0);
  private left = new Int32Array(0);
  private right = new Int32Array(0);
  private probability = new Float64Array(0);
  private nodeCount = 0;

  constructor(
    private readonly binned: BinnedFeatures,
    private readonly labels: Uint8Array,
    private readonly options: ForestOptions,
  ) {
    this.rows = binned.rows;
    this.nFeatures = binned.features;
    this.perSplit = featuresPerSplit(options.maxFeatures, binned.features);
    this.weight = new Float64Array(this.rows);
    this.weightedLabel = new Float64Array(this.rows);
    this.samples = new Int32Array(this.rows);
    this.featureOrder = Int32Array.from({ length: this.nFeatures }, (_, f) => f);
  }

  build(rng: Rng): Tree {
    const { rows, weight, weightedLabel, samples, labels } = this;
    weight.fill(0);
    if (this.options.bootstrap) {
      for (let draw = 0; draw < rows; draw++) weight[rng.int(rows)]!++;
    } else {
      weight.fill(1);
    }
    let count = 0;
    for (let r = 0; r < rows; r++) {
      if (weight[r]! > 0) {
        samples[count++] = r;
        weightedLabel[r] = weight[r]! * labels[r]!;
      }
    }
    const capacity = Math.max(16, Math.min(2 * count, 1 << (this.options.maxDepth + 1)));
    this.feature = new Int32Array(capacity);
    this.threshold = new Float32Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.probability = new Float64Array(capacity);
    this.nodeCount = 0;

    // Explicit stack of [node, start, end, depth].
    const stack: number[] = [];
    this.newNode();
    stack.push(0, 0, count, 0);
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const split = this.splitNode(node, start, end, depth, rng);
      if (split === null) continue;
      const leftNode = this.newNode();
      const rightNode = this.newNode();
      this.left[node] = leftNode;
      this.right[node] = rightNode;
      stack.push(rightNode, split, end, depth + 1);
      stack.push(leftNode, start, split, depth + 1);
    }
    const n = this.nodeCount;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      probability: this.probability.slice(0, n),
    };
  }

  private newNode(): number {
    if (this.nodeCount === this.feature.length) {
      const capacity = this.feature.length * 2;
      this.feature = grow(this.feature, new Int32Array(capacity));
      this.threshold = grow(this.threshold, new Float32Array(capacity));
      this.left = grow(this.left, new Int32Array(capacity));
      this.right = grow(this.right, new Int32Array(capacity));
      this.probability = grow(this.probability, new Float64Array(capacity));
    }
    const node = this.nodeCount++;
    this.feature[node] = -1;
    this.left[node] = -1;
    this.right[node] = -1;
    return node;
  }

  /**
   * Sets the node's class frequency and, when it should split, its feature and threshold, and
   * partitions samples[start, end). Returns the partition point, or null for a leaf.
   */
  private splitNode(node: number, start: number, end: number, depth: number, rng: Rng): number | null {
    const { samples, weight, weightedLabel } = this;
    let total = 0;
    let positive = 0;
    for (let s = start; s < end; s++) {
      const r = samples[s]!;
      total += weight[r]!;
      positive += weightedLabel[r]!;
    }
    this.probability[node] = positive / total;
    const count = end - start;
    const minLeaf = this.options.minSamplesLeaf;
    if (depth >= this.options.maxDepth || count < 2 * minLeaf || positive === 0 || positive === total) return null;

    const { bins, edges } = this.binned;
    const { histWeight, histPositive, histCount, touched, featureOrder } = this;
    const rows = this.rows;
    let bestScore = -Infinity;
    let bestFeature = -1;
    let bestBin = -1;

    // sklearn's draw: features in random order until `perSplit` non-constant ones were evaluated.
    let evaluated = 0;
    for (let drawn = 0; drawn < this.nFeatures && evaluated < this.perSplit; drawn++) {
      const pick = drawn + rng.int(this.nFeatures - drawn);
      const f = featureOrder[pick]!;
      featureOrder[pick] = featureOrder[drawn]!;
      featureOrder[drawn] = f;

      const offset = f * rows;
      let touchedCount = 0;
      for (let s = start; s < end; s++) {
        const r = samples[s]!;
        const b = bins[offset + r]!;
        if (histCount[b] === 0) touched[touchedCount++] = b;
        histCount[b]!++;
        histWeight[b]! += weight[r]!;
        histPositive[b]! += weightedLabel[r]!;
      }
      if (touchedCount > 1) {
        evaluated++;
        sortSmall(touched, touchedCount);
        // Scan split points between consecutive non-empty bins.
        let leftWeight = 0;
        let leftPositive = 0;
        let leftCount = 0;
        for (let t = 0; t + 1 < touchedCount; t++) {
          const b = touched[t]!;
          leftWeight += histWeight[b]!;
          leftPositive += histPositive[b]!;
          leftCount += histCount[b]!;
          const rightCount = count - leftCount;
          if (leftCount < minLeaf || rightCount < minLeaf) continue;
          const leftNegative = leftWeight - leftPositive;
          const rightWeight = total - leftWeight;
          const rightPositive = positive - leftPositive;
          const rightNegative = rightWeight - rightPositive;
          // Maximising Σ_child (pos² + neg²)/weight minimises the weighted Gini impurity.
          const score =
            (leftPositive * leftPositive + leftNegative * leftNegative) / leftWeight +
            (rightPositive * rightPositive + rightNegative * rightNegative) / rightWeight;
          if (score > bestScore) {
            bestScore = score;
            bestFeature = f;
            // Any bin from b to the next non-empty one separates the same samples; take the middle,
            // the binned analogue of sklearn's midpoint threshold.
            bestBin = (b + touched[t + 1]! - 1) >>> 1;
          }
        }
      }
      for (let t = 0; t < touchedCount; t++) {
        const b = touched[t]!;
        histCount[b] = 0;
        histWeight[b] = 0;
        histPositive[b] = 0;
      }
    }
    // Like sklearn, split whenever some split is valid, even one that does not lower the impurity.
    if (bestFeature < 0) return null;

    // Partition: samples whose bin ≤ bestBin move to the front.
    const offset = bestFeature * rows;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (bins[offset + samples[i]!]! <= bestBin) {
        i++;
      } else {
        const tmp = samples[i]!;
        samples[i] = samples[j]!;
        samples[j] = tmp;
        j--;
      }
    }
    this.feature[node] = bestFeature;
    this.threshold[node] = edges[bestFeature]![bestBin]!;
    return i;
  }
}

function grow<T extends Int32Array | Float32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Insertion sort of the first n entries: n ≤ 256 and usually tiny. */
function sortSmall(values: Int32Array, n: number): void {
  if (n > 48) {
    values.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
}
