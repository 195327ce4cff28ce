import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest } from '../../src/ml/manifest.ts';
import type { ModelManifest } from '../../src/ml/manifest.ts';
import { syntheticCommunity } from '../../src/ml/synthetic.ts';
import { trainFeelmsModels } from '../../src/ml/train.ts';

describe('parseManifest', async () => {
  const { manifest } = await trainFeelmsModels(syntheticCommunity({ users: 40, movies: 60, seed: 8 }), { folds: 0, svd: { epochs: 2 }, forest: { trees: 2 } });
  const valid = JSON.parse(JSON.stringify(manifest)) as ModelManifest;
  /** Edits a copy; the edits deliberately break the type, hence the loose record view. */
  type Loose = Record<string, Record<string, unknown>> & { svd: Record<string, unknown>; forest: Record<string, Record<string, unknown>> };
  const edited = (edit: (m: Loose) => void) => {
    const copy = structuredClone(valid);
    edit(copy as unknown as Loose);
    return copy;
  };

  it('accepts what training writes', () => {
    expect(parseManifest(valid)).toEqual(manifest);
    expect(manifest.svd.foldIn).toEqual({ factorRegularization: 0.1, biasRegularization: 0.1, priorCount: 10, biasPriorCount: 40 });
  });

  it('reads a manifest written before biasPriorCount existed as those models were served: the bias scaled by priorCount', () => {
    const old = edited((m) => (m.svd.foldIn = { factorRegularization: 0.1, biasRegularization: 0.2, priorCount: 10 }));
    expect(parseManifest(old).svd.foldIn).toEqual({ factorRegularization: 0.1, biasRegularization: 0.2, priorCount: 10, biasPriorCount: 10 });
  });

  it.each([
    ['an unknown schema version', (m: Loose) => ((m as Record<string, unknown>).schemaVersion = 2), 'schemaVersion'],
    ['a malformed hash', (m: Loose) => (m.svd.sha256 = 'abc'), 'svd.sha256'],
    ['a missing output name', (m: Loose) => delete m.forest.outputs!.probabilities, 'forest.outputs.probabilities'],
    ['duplicate item keys', (m: Loose) => (m.svd.itemKeys = ['vega:1', 'vega:1']), 'item keys must be unique'],
    ['a non-date creation time', (m: Loose) => ((m as Record<string, unknown>).createdAt = 'yesterday'), 'createdAt'],
    ['an inverted rating scale', (m: Loose) => ((m as Record<string, unknown>).ratingScale = { min: 5, max: 1 }), 'ratingScale'],
    ['too many bins', (m: Loose) => (m.forest.hyperparameters!.maxBins = 1000), 'forest.hyperparameters.maxBins'],
  ])('rejects %s, naming the field', (_, edit, path) => {
    expect(() => parseManifest(edited(edit), 'models/manifest.json')).toThrow(ManifestError);
    expect(() => parseManifest(edited(edit), 'models/manifest.json')).toThrow(path);
  });
});
