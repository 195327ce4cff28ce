import { describe, expect, it } from 'vitest';
import { runMlBenchmarks } from '../../src/ml/bench.ts';

/** The dotted names the Models issue's benchmark figures are reported under. */
const REQUIRED = [
  'svd.ml100k.rmse',
  'svd.ml100k.mae',
  'svd.ml100k.fitSecondsPerFold',
  'best.ml100k.rmse',
  'best.ml100k.fitSecondsPerFold',
  'forest.synth.auc',
  'forest.synth.accuracy',
  'forest.synth.fitSeconds',
  'scoring.candidates10k.p50Ms',
  'scoring.candidates10k.p99Ms',
  'ranking.ms100k.ndcg10.served',
  'ranking.ms100k.ndcg10.implicit',
  'ranking.ms100k.ndcg10.svd',
  'ranking.ms100k.ndcg10.popularity',
  'ranking.ms100k.map10.served',
  'recommend.ml100k.seconds',
  // The time split is skipped in quick runs (its pipeline trains for half a minute).
  'ranking.ndcg10.served',
  'ranking.ndcg10.implicit',
  'ranking.ndcg10.svd',
  'ranking.ndcg10.popularity',
];

function lookup(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
}

describe('runMlBenchmarks (quick)', () => {
  it('reports every figure under its dotted name, or says why it was skipped', async () => {
    const result = await runMlBenchmarks({ quick: true });
    const skipped = lookup(result, 'skipped') as string[];
    for (const path of REQUIRED) {
      const value = lookup(result, path);
      if (value === null || value === undefined) {
        // Only figures whose shared data is missing may be null, and the skip reason names them.
        const section = path.split('.').slice(0, path.startsWith('ranking.') ? 1 : 2).join('.');
        expect(skipped.join('\n'), path).toContain(section);
      } else {
        expect(typeof value, path).toBe('number');
        expect(Number.isFinite(value), path).toBe(true);
      }
    }
    // Scoring needs no shared data, so it always runs.
    expect(lookup(result, 'scoring.candidates10k.p99Ms')).toBeGreaterThanOrEqual(lookup(result, 'scoring.candidates10k.p50Ms') as number);
  }, 120_000);
});
