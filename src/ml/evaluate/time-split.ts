/**
 * The per-user time split of ml-latest-small (`evaluate --ranking --protocol time`): each user's
 * latest 20 % of ratings are the test; relevant = rated ≥ 4; NDCG with a log2 discount.
 */
import type { RatingsDataset } from '../datasets.ts';

export interface RankingMetrics {
  precision10: number;
  recall10: number;
  ndcg10: number;
}

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
