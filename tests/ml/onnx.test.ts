import { describe, expect, it } from 'vitest';
import { trainForest } from '../../src/ml/forest.ts';
import { describeOnnx, exportForestOnnx, exportSvdOnnx, FOREST_GRAPH_IO, readSvdGraphParameters, SVD_GRAPH_IO } from '../../src/ml/onnx-export.ts';
import { createRng } from '../../src/shared/random.ts';
import { loadModel, ModelRuntimeError, OnnxModel } from '../../src/ml/runtime.ts';
import type { ModelSpec } from '../../src/ml/runtime.ts';
import { trainSvd } from '../../src/ml/svd.ts';

const svdSpec = (k: number): ModelSpec => ({
  label: 'svd',
  inputs: [
    { name: 'user_factors', type: 'float32', shape: [k] },
    { name: 'user_bias', type: 'float32', shape: [1] },
    { name: 'item_index', type: 'int64', shape: ['N'] },
  ],
  outputs: [{ name: 'predicted_rating', type: 'float32', shape: ['N'] }],
});

const forestSpec = (features: number): ModelSpec => ({
  label: 'forest',
  inputs: [{ name: 'features', type: 'float32', shape: ['N', features] }],
  outputs: [
    { name: 'label', type: 'int64', shape: ['N'] },
    { name: 'probabilities', type: 'float32', shape: ['N', 2] },
  ],
});

function trainedSvd() {
  const rng = createRng(21);
  const users: number[] = [];
  const items: number[] = [];
  const ratings: number[] = [];
  for (let j = 0; j < 3000; j++) {
    users.push(rng.int(80));
    items.push(rng.int(60));
    ratings.push(1 + rng.int(5));
  }
  // Item 59 never rated: exported as an all-zero row.
  const records = Int32Array.from({ length: 3000 }, (_, j) => j).filter((j) => items[j] !== 59);
  const data = { nUsers: 80, nItems: 60, users: Int32Array.from(users), items: Int32Array.from(items), ratings: Float64Array.from(ratings), scale: { min: 1, max: 5 } };
  return trainSvd(data, { factors: 10, epochs: 10, seed: 3 }, records);
}

describe('SVD ONNX graph', () => {
  const model = trainedSvd();
  const bytes = exportSvdOnnx(model, { version: 'svd-test' });

  it('declares the documented inputs and outputs', () => {
    const description = describeOnnx(bytes);
    expect(description.inputs).toEqual(Object.values(SVD_GRAPH_IO.inputs));
    expect(description.outputs).toEqual(Object.values(SVD_GRAPH_IO.outputs));
    expect(description.version).toBe('svd-test');
  });

  it('predicts what the TypeScript model predicts, within 1e-4, for random user vectors and items', async () => {
    const session = await loadModel(bytes, svdSpec(10));
    const rng = createRng(5);
    for (let trial = 0; trial < 5; trial++) {
      const factors = Float32Array.from({ length: 10 }, () => rng.normal(0, 0.5));
      const bias = Math.fround(rng.normal(0, 0.5));
      // Indices 0..59 plus 60, the unknown-item row; 59 has no training ratings.
      const indices = Array.from({ length: 500 }, () => rng.int(61));
      const out = await session.run({
        user_factors: { type: 'float32', data: factors, dims: [10] },
        user_bias: { type: 'float32', data: Float32Array.of(bias), dims: [1] },
        item_index: { type: 'int64', data: BigInt64Array.from(indices, BigInt), dims: [500] },
      });
      const predicted = out.predicted_rating!.data as Float32Array;
      indices.forEach((item, j) => {
        const expected = model.predictForVector(factors, bias, item === 60 ? -1 : item);
        expect(Math.abs(predicted[j]! - expected)).toBeLessThan(1e-4);
      });
    }
    // A zero vector is the unknown user: μ + b_i.
    const out = await session.run({
      user_factors: { type: 'float32', data: new Float32Array(10), dims: [10] },
      user_bias: { type: 'float32', data: Float32Array.of(0), dims: [1] },
      item_index: { type: 'int64', data: BigInt64Array.of(7n, 60n), dims: [2] },
    });
    expect(out.predicted_rating!.data[0]).toBeCloseTo(model.predict(-1, 7), 5);
    expect(out.predicted_rating!.data[1]).toBeCloseTo(model.predict(-1, -1), 5);
    await session.release();
  });

  it('round-trips its parameters for fold-in', () => {
    const parameters = readSvdGraphParameters(bytes);
    expect(parameters.factors).toBe(10);
    expect(parameters.items).toBe(60);
    expect(parameters.knownItems[59]).toBe(0);
    expect(parameters.knownItems[0]).toBe(1);
    expect(parameters.itemFactors[3 * 10 + 4]).toBe(Math.fround(model.itemFactors[3 * 10 + 4]!));
    expect(parameters.globalMean).toBe(Math.fround(model.globalMean));
  });
});

describe('forest ONNX graph', () => {
  it('gives the TypeScript forest’s probabilities within 1e-5 on random inputs, with tensor outputs only', async () => {
    const rng = createRng(9);
    const features = 6;
    const rows = 2000;
    const values = Float32Array.from({ length: rows * features }, () => rng.normal(0, 1));
    const labels = Uint8Array.from({ length: rows }, (_, r) => (values[r * features]! + values[r * features + 2]! * rng.normal(1, 0.5) > 0 ? 1 : 0));
    const forest = trainForest({ rows, features, values }, labels, { trees: 25, maxDepth: 8, seed: 4 });
    const bytes = exportForestOnnx(forest, { version: 'forest-test' });
    const description = describeOnnx(bytes);
    expect(description.ops).toEqual(['TreeEnsembleClassifier']);
    expect(description.outputs).toEqual([FOREST_GRAPH_IO.outputs.label, FOREST_GRAPH_IO.outputs.probabilities]);

    // Fresh inputs, plus values exactly on the split thresholds, where ≤ versus < matters.
    const n = 3000;
    const probe = Float32Array.from({ length: n * features }, () => rng.normal(0, 1.5));
    const tree = forest.trees[0]!;
    for (let node = 0, r = 0; node < tree.feature.length && r < 200; node++) {
      if (tree.feature[node]! >= 0) probe[r++ * features + tree.feature[node]!] = tree.threshold[node]!;
    }
    const session = await loadModel(bytes, forestSpec(features));
    const out = await session.run({ features: { type: 'float32', data: probe, dims: [n, features] } });
    const expected = forest.predictProba({ rows: n, features, values: probe });
    const probabilities = out.probabilities!.data as Float32Array;
    const predictedLabels = out.label!.data as BigInt64Array;
    expect(out.probabilities!.dims).toEqual([n, 2]);
    for (let r = 0; r < n; r++) {
      expect(Math.abs(probabilities[r * 2 + 1]! - expected[r]!)).toBeLessThan(1e-5);
      expect(Math.abs(probabilities[r * 2]! - (1 - expected[r]!))).toBeLessThan(1e-5);
      if (Math.abs(expected[r]! - 0.5) > 1e-4) expect(predictedLabels[r]).toBe(expected[r]! > 0.5 ? 1n : 0n);
    }
    await session.release();
  });
});

describe('OnnxModel', () => {
  const bytes = exportSvdOnnx(trainedSvd(), { version: 'v' });

  it('refuses to run before init', async () => {
    const model = new OnnxModel(bytes, svdSpec(10));
    await expect(model.run({})).rejects.toThrow('used before init');
  });

  it('rejects a model whose inputs, types or shapes differ from the manifest', async () => {
    const renamed = svdSpec(10);
    renamed.inputs = [{ name: 'user_vector', type: 'float32', shape: [10] }, ...renamed.inputs.slice(1)];
    await expect(loadModel(bytes, renamed)).rejects.toThrow('model inputs are [user_factors, user_bias, item_index] but the manifest expects [user_vector, user_bias, item_index]');
    await expect(loadModel(bytes, svdSpec(12))).rejects.toThrow('input "user_factors" has shape [10], the manifest expects [12]');
    const wrongType = svdSpec(10);
    wrongType.inputs = wrongType.inputs.map((input) => (input.name === 'item_index' ? { ...input, type: 'float32' as const } : input));
    await expect(loadModel(bytes, wrongType)).rejects.toThrow('input "item_index" has type int64, the manifest expects float32');
    await expect(loadModel(Uint8Array.of(1, 2, 3), svdSpec(10))).rejects.toBeInstanceOf(ModelRuntimeError);
  });

  it('validates feeds and names the faulty input', async () => {
    const model = await loadModel(bytes, svdSpec(10));
    const good = {
      user_factors: { type: 'float32' as const, data: new Float32Array(10), dims: [10] },
      user_bias: { type: 'float32' as const, data: new Float32Array(1), dims: [1] },
      item_index: { type: 'int64' as const, data: BigInt64Array.of(1n), dims: [1] },
    };
    await expect(model.run({ user_factors: good.user_factors, user_bias: good.user_bias })).rejects.toThrow('missing input "item_index"');
    await expect(model.run({ ...good, user_factors: { type: 'float32', data: new Float32Array(9), dims: [9] } })).rejects.toThrow('"user_factors" dimension 0 must be 10');
    await expect(model.run({ ...good, user_bias: { type: 'float32', data: Float32Array.of(Number.NaN), dims: [1] } })).rejects.toThrow('"user_bias" has a non-finite value');
    await expect(model.run({ ...good, extra: good.user_bias })).rejects.toThrow('unexpected input "extra"');
    await model.release();
  });
});
