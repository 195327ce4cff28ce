import { describe, expect, it } from 'vitest';
import { parseRatings, readRatingsFile } from '../../src/ml/datasets.ts';
import { createRng } from '../../src/shared/random.ts';
import { evaluateRanking, rankingMetricsAtK, temporalSplit, topK } from '../../src/ml/ranking.ts';
import { SHARED_DATA_FILES } from '../../src/ml/shared-data.ts';
import { missingSharedData } from './shared-data.ts';

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

  it('selects the top k like a full sort', () => {
    const rng = createRng(3);
    const scores = Float64Array.from({ length: 500 }, () => Math.round(rng.next() * 50));
    const candidates = Int32Array.from({ length: 400 }, (_, i) => i + 50);
    const sorted = [...candidates].sort((a, b) => scores[b]! - scores[a]! || a - b);
    expect([...topK(scores, candidates, 25)]).toEqual(sorted.slice(0, 25));
    expect([...topK(scores, candidates.subarray(0, 3), 10)]).toEqual([...candidates.subarray(0, 3)].sort((a, b) => scores[b]! - scores[a]! || a - b));
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

describe.skipIf(missingSharedData('mlLatestSmall'))('ranking on MovieLens latest-small', () => {
  it('the blend beats popularity on NDCG@10, and SVD alone does not', async () => {
    const ds = await readRatingsFile(SHARED_DATA_FILES.mlLatestSmall, 'mlcsv');
    // Reduced settings keep this test short; the benchmark runs the full evaluation.
    const report = evaluateRanking(ds, { svd: { epochs: 20 }, forest: { trees: 20, maxDepth: 8 } });
    expect(report.users).toBeGreaterThan(500);
    expect(report.blend.ndcg10).toBeGreaterThan(report.popularity.ndcg10);
    expect(report.svd.ndcg10).toBeLessThan(report.popularity.ndcg10);
  }, 60_000);
});
