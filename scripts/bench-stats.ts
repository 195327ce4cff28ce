/**
 * Medians and percentiles for the benchmarks (the machines are shared and noisy, so every figure is a
 * median or a percentile over repeated runs). Kept apart from bench-lib.ts so the turn benchmark's
 * serving process can use them without loading the setup's database tooling.
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (value: number, digits = 3) => Number(value.toFixed(digits));
