import { describe, expect, it } from 'vitest';
import { parseRatings } from '../../src/ml/datasets.ts';
import { rankingMetricsAtK, temporalSplit } from '../../src/ml/evaluate/time-split.ts';

describe('ranking metrics', () => {
  it('computes precision, recall and binary NDCG at k from their definitions', () => {
    const relevant = new Set([3, 7, 9]);
    const ranked = [7, 1, 3, 4, 5, 6, 2, 8, 0, 10];
    const m = rankingMetricsAtK(ranked, relevant, 10);
    expect(m.precision10).toBeCloseTo(2 / 10, 12);
    expect(m.recall10).toBeCloseTo(2 / 3, 12);
    const dcg = 1 / Math.log2(2) + 1 / Math.log2(4);
    const idcg = 1 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg10).toBeCloseTo(dcg / idcg, 12);
    expect(rankingMetricsAtK([3, 7, 9], relevant, 10).ndcg10).toBeCloseTo(1, 12);
  });

  it('splits each user’s ratings by time', () => {
    const lines = ['userId,movieId,rating,timestamp'];
    for (let u = 1; u <= 3; u++) for (let i = 1; i <= 10; i++) lines.push(`${u},${i},4,${1000 + ((i * 7) % 10)}`);
    const ds = parseRatings(lines.join('\n'), 'mlcsv', 'r.csv');
    const { train, test } = temporalSplit(ds, 0.2);
    expect(test.length).toBe(6);
    for (let u = 0; u < 3; u++) {
      const last = Math.max(...[...train].filter((j) => ds.users[j] === u).map((j) => ds.timestamps[j]!));
      const first = Math.min(...[...test].filter((j) => ds.users[j] === u).map((j) => ds.timestamps[j]!));
      expect(first).toBeGreaterThanOrEqual(last);
    }
  });
});
