import { describe, expect, it } from 'vitest';
import { readRatingsFile } from '../../src/ml/datasets.ts';
import { evaluateRankingProtocol } from '../../src/ml/evaluate/ranking-protocols.ts';
import { SHARED_DATA_FILES } from '../../src/ml/shared-data.ts';
import { missingSharedData } from './shared-data.ts';

describe.skipIf(missingSharedData('ml100k'))('ranking protocols on MovieLens 100K', () => {
  it(
    'ms: the served pipeline reaches NDCG@10 ≥ 0.48, EASE alone 0.482, popularity 0.2524',
    async () => {
      const ds = await readRatingsFile(SHARED_DATA_FILES.ml100k, 'ml100k');
      const stages: string[] = [];
      const report = await evaluateRankingProtocol(ds, 'ms', {}, (stage) => stages.push(stage));
      expect(report.protocol).toBe('ms');
      expect(report.users).toBe(943);
      expect(report.trainRecords).toBe(75_066);
      expect(report.testRecords).toBe(24_934);
      // Trained as the bot trains (served-ranking.ts): the tuned SVD, the pipeline, loaded through onnxruntime; then ranked.
      expect(stages).toEqual(['svd', 'pipeline', 'load', 'ranking']);

      expect(report.served.ndcg10).toBeGreaterThanOrEqual(0.48);
      expect(Math.abs(report.implicit.ndcg10 - 0.482)).toBeLessThanOrEqual(0.005);
      expect(Math.abs(report.popularity.ndcg10 - 0.2524)).toBeLessThanOrEqual(0.002);
      // Same split and tie-break as tests/ml/ms-protocol.test.ts's popularity check.
      expect(report.popularity.precision10).toBeCloseTo(0.22873806998939555, 10);
      for (const model of ['popularity', 'svd', 'implicit', 'served'] as const) {
        const m = report[model];
        for (const value of [m.ndcg10, m.precision10, m.recall10, m.map10]) {
          expect(value).not.toBeNull();
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        }
      }
      expect(report.served.precision10).toBeGreaterThan(report.popularity.precision10);
    },
    180_000,
  );
});
