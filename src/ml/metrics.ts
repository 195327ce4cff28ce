/** Evaluation metrics shared by the CLI, training and the benchmarks. */

export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  assertSameLength(predicted, actual);
  let sum = 0;
  for (let j = 0; j < actual.length; j++) {
    const error = predicted[j]! - actual[j]!;
    sum += error * error;
  }
  return Math.sqrt(sum / actual.length);
}

export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  assertSameLength(predicted, actual);
  let sum = 0;
  for (let j = 0; j < actual.length; j++) sum += Math.abs(predicted[j]! - actual[j]!);
  return sum / actual.length;
}

export interface BinaryClassificationMetrics {
  accuracy: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive (sklearn's `zero_division=0`). */
  precision: number;
  recall: number;
  f1: number;
  /** Area under the ROC curve; NaN when only one class is present. */
  auc: number;
}

/** Metrics for probabilities against 0/1 labels; the predicted class is `probability > threshold`. */
export function binaryClassificationMetrics(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold = 0.5,
): BinaryClassificationMetrics {
  assertSameLength(probabilities, labels);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let j = 0; j < labels.length; j++) {
    const predicted = probabilities[j]! > threshold;
    const actual = labels[j] === 1;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    accuracy: (tp + tn) / labels.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    auc: rocAuc(probabilities, labels),
  };
}

/**
 * ROC-AUC by the rank-sum (Mann-Whitney U) formula, with tied scores sharing their average rank,
 * which equals the trapezoidal area sklearn's `roc_auc_score` computes.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  assertSameLength(scores, labels);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j + 2) / 2; // ranks are 1-based
    for (let t = i; t <= j; t++) {
      if (labels[order[t]!] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (numpy's default), q in [0, 1]. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} predictions for ${b.length} labels`);
  if (a.length === 0) throw new RangeError('cannot compute a metric over zero rows');
}
