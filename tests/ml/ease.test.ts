import { describe, expect, it } from 'vitest';
import { describeOnnx, EASE_GRAPH_IO, exportEaseOnnx } from '../../src/ml/onnx-export.ts';
import { loadModel } from '../../src/ml/runtime.ts';
import type { ModelSpec } from '../../src/ml/runtime.ts';
import { easeScores, invertSymmetricPositiveDefinite, itemsByUser, resolveEaseOptions, trainEase } from '../../src/ml/train/ease.ts';
import type { EaseModel, ImplicitMatrix } from '../../src/ml/train/ease.ts';
import { createRng } from '../../src/shared/random.ts';

/** Events from per-user item lists. */
function matrixOf(histories: number[][], nItems: number): ImplicitMatrix {
  const users: number[] = [];
  const items: number[] = [];
  histories.forEach((history, user) => {
    for (const item of history) {
      users.push(user);
      items.push(item);
    }
  });
  return { nUsers: histories.length, nItems, users: Int32Array.from(users), items: Int32Array.from(items) };
}

function randomHistories(nUsers: number, nItems: number, density: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: nUsers }, () => Array.from({ length: nItems }, (_, i) => i).filter(() => rng.next() < density));
}

/** Plain Gauss–Jordan with partial pivoting on a full n × n matrix: independent of the Cholesky code. */
function gaussJordanInverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    for (let c = 0; c < 2 * n; c++) m[col]![c]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]!;
      if (f === 0) continue;
      for (let c = 0; c < 2 * n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row) => row.slice(n));
}

/** The dense EASE closed form over `modelled` items (input indices): B[a][b] for a, b in modelled order. */
function denseEase(histories: number[][], modelled: number[], lambda: number): number[][] {
  const n = modelled.length;
  const position = new Map(modelled.map((item, p) => [item, p]));
  const gram = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? lambda : 0)));
  for (const history of histories) {
    const rows = [...new Set(history)].filter((item) => position.has(item)).map((item) => position.get(item)!);
    for (const a of rows) for (const b of rows) gram[a]![b]! += 1;
  }
  const p = gaussJordanInverse(gram);
  return p.map((row, i) => row.map((value, j) => (i === j ? 0 : -value / p[j]![j]!)));
}

/** Dense scores for a history: Σ over modelled history items of their B rows, 0 for unmodelled items. */
function denseScores(b: number[][], modelled: number[], nItems: number, history: number[]): Float64Array {
  const out = new Float64Array(nItems);
  const position = new Map(modelled.map((item, p) => [item, p]));
  for (const item of history) {
    const row = position.get(item);
    if (row === undefined) continue;
    modelled.forEach((target, col) => (out[target]! += b[row]![col]!));
  }
  return out;
}

/** Row `item` of the sparse model as a map item → weight. */
function sparseRow(model: EaseModel, item: number): Map<number, number> {
  const row = model.rowOf[item]!;
  const out = new Map<number, number>();
  if (row < 0) return out;
  for (let s = 0; s < model.neighbours; s++) {
    const target = model.neighbourItems[row * model.neighbours + s]!;
    if (target < 0) break;
    out.set(target, model.neighbourWeights[row * model.neighbours + s]!);
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!);
    if (!(error <= tolerance * (1 + Math.abs(expected[i]!)))) {
      throw new Error(`index ${i}: got ${actual[i]}, expected ${expected[i]} (±${tolerance})`);
    }
  }
}

describe('invertSymmetricPositiveDefinite', () => {
  it('inverts a random SPD matrix: A·A⁻¹ = I, and the inverse is symmetric', () => {
    const rng = createRng(7);
    for (const n of [1, 2, 5, 13]) {
      // A = MᵀM + I is symmetric positive definite.
      const m = Array.from({ length: n * n }, () => rng.normal(0, 1));
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = i === j ? 1 : 0;
          for (let t = 0; t < n; t++) s += m[t * n + i]! * m[t * n + j]!;
          a[i * n + j] = s;
        }
      }
      // Only the lower triangle is documented as read: poison the upper one.
      const lower = Float64Array.from(a, (value, x) => (x % n > Math.floor(x / n) ? Number.NaN : value));
      const inverse = invertSymmetricPositiveDefinite(lower, n);
      expect(inverse).toHaveLength(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < n; t++) s += a[i * n + t]! * inverse[t * n + j]!;
          expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-9);
          expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
        }
      }
      // Agrees with an independent Gauss–Jordan inverse.
      const reference = gaussJordanInverse(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n))));
      expectClose(inverse, reference.flat(), 1e-9);
    }
  });

  it('inverts a known 2 × 2 matrix exactly', () => {
    // [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8
    const inverse = invertSymmetricPositiveDefinite(Float64Array.of(4, 0, 2, 3), 2);
    expectClose(inverse, [0.375, -0.25, -0.25, 0.5], 1e-15);
  });

  it('rejects matrices that are not positive definite', () => {
    // Indefinite (eigenvalues 3 and −1), singular, negative diagonal.
    expect(() => invertSymmetricPositiveDefinite(Float64Array.of(1, 0, 2, 1), 2)).toThrow(/not positive definite/);
    expect(() => invertSymmetricPositiveDefinite(Float64Array.of(1, 0, 1, 1), 2)).toThrow(RangeError);
    expect(() => invertSymmetricPositiveDefinite(Float64Array.of(-1), 1)).toThrow(RangeError);
    expect(() => invertSymmetricPositiveDefinite(Float64Array.of(0, 0, 0, 0), 2)).toThrow(RangeError);
  });
});

describe('trainEase', () => {
  const nItems = 9;
  const histories = randomHistories(25, nItems, 0.45, 3);
  const matrix = matrixOf(histories, nItems);
  const lambda = 2;

  it('with neighbours ≥ items − 1 equals the dense closed form B = −P / diag(P), diag(B) = 0', () => {
    const model = trainEase(matrix, { lambda, neighbours: 50, maxItems: 100, minUsers: 1 });
    const modelled = Array.from({ length: nItems }, (_, i) => i).filter((i) => histories.some((h) => h.includes(i)));
    expect([...model.itemOfRow]).toEqual(modelled);
    expect(model.neighbours).toBe(modelled.length - 1);
    const b = denseEase(histories, modelled, lambda);
    modelled.forEach((item, i) => {
      const row = sparseRow(model, item);
      expect(row.has(item)).toBe(false); // diag(B) = 0 is never stored
      modelled.forEach((target, j) => {
        if (i === j) return;
        expect(row.get(target) ?? 0).toBeCloseTo(b[i]![j]!, 6);
      });
    });
    // Scores x_u B for every user and for arbitrary histories.
    const out = new Float64Array(nItems);
    for (const history of [...histories, [], [0], [0, 1, 2, 3, 4, 5, 6, 7, 8]]) {
      expectClose(easeScores(model, history, out), denseScores(b, modelled, nItems, history), 1e-6);
    }
    // An item in a user's history gets no weight from itself.
    const single = easeScores(model, [modelled[0]!], new Float64Array(nItems));
    expect(single[modelled[0]!]).toBe(0);
  });

  it('with fewer neighbours keeps each row’s strongest |weights|, strongest first', () => {
    const k = 3;
    const model = trainEase(matrix, { lambda, neighbours: k, maxItems: 100 });
    const modelled = [...model.itemOfRow];
    const b = denseEase(histories, modelled, lambda);
    expect(model.neighbours).toBe(k);
    modelled.forEach((item, i) => {
      const row = sparseRow(model, item);
      expect(row.size).toBe(k);
      const kept = [...row.keys()];
      const dropped = modelled.filter((target) => target !== item && !row.has(target));
      const weightOf = (target: number) => b[i]![modelled.indexOf(target)]!;
      for (const target of kept) expect(row.get(target)).toBeCloseTo(weightOf(target), 6);
      const weakestKept = Math.min(...kept.map((target) => Math.abs(weightOf(target))));
      const strongestDropped = Math.max(...dropped.map((target) => Math.abs(weightOf(target))));
      expect(weakestKept).toBeGreaterThanOrEqual(strongestDropped);
      const magnitudes = kept.map((target) => Math.abs(row.get(target)!));
      expect(magnitudes).toEqual([...magnitudes].sort((x, y) => y - x));
    });
  });

  it('models only the maxItems most interacted items with at least minUsers users; the rest score 0', () => {
    // Item users: 0 → 6, 1 → 5, 2 → 4, 3 → 4, 4 → 2, 5 → 1, 6 → 0.
    const h = [[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1], [0]];
    const m = matrixOf(h, 7);
    const top = trainEase(m, { lambda: 1, maxItems: 3, neighbours: 10 });
    // 2 and 3 tie on 4 users: the lower index wins.
    expect([...top.itemOfRow]).toEqual([0, 1, 2]);
    expect([...top.rowOf]).toEqual([0, 1, 2, -1, -1, -1, -1]);
    const scores = easeScores(top, [0, 1, 2, 3, 4, 5, 6], new Float64Array(7));
    expect([...scores.subarray(3)]).toEqual([0, 0, 0, 0]);
    // Unmodelled history items contribute nothing.
    expect(easeScores(top, [0, 3, 4], new Float64Array(7))).toEqual(easeScores(top, [0], new Float64Array(7)));
    expect([...easeScores(top, [3, 4, 5, 6], new Float64Array(7))]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // The modelled part is the dense model over just those items.
    const b = denseEase(h, [0, 1, 2], 1);
    expectClose(easeScores(top, [1], new Float64Array(7)), denseScores(b, [0, 1, 2], 7, [1]), 1e-6);

    const frequent = trainEase(m, { lambda: 1, minUsers: 4, neighbours: 10 });
    expect([...frequent.itemOfRow]).toEqual([0, 1, 2, 3]);
    expect(frequent.rowOf[4]).toBe(-1);
    expect(frequent.rowOf[6]).toBe(-1);
    expect(easeScores(frequent, [0, 1], new Float64Array(7)).subarray(4).every((x) => x === 0)).toBe(true);
  });

  it('counts a repeated (user, item) event once', () => {
    const once = trainEase(matrix, { lambda, neighbours: 4 });
    const users = [...matrix.users, ...matrix.users.subarray(0, 30), 0, 0, 0];
    const items = [...matrix.items, ...matrix.items.subarray(0, 30), histories[0]![0]!, histories[0]![0]!, histories[0]![0]!];
    const repeated = trainEase({ nUsers: matrix.nUsers, nItems, users: Int32Array.from(users), items: Int32Array.from(items) }, { lambda, neighbours: 4 });
    expect(repeated).toEqual(once);
  });

  it('trains on a subset of records exactly as on those records alone', () => {
    const records = Int32Array.from({ length: matrix.users.length }, (_, j) => j).filter((j) => j % 3 !== 0);
    const subset = trainEase(matrix, { lambda, neighbours: 5 }, records);
    const sub: ImplicitMatrix = { nUsers: matrix.nUsers, nItems, users: matrix.users.filter((_, j) => j % 3 !== 0), items: matrix.items.filter((_, j) => j % 3 !== 0) };
    const alone = trainEase(sub, { lambda, neighbours: 5 });
    expect(subset).toEqual(alone);
    expect(itemsByUser(matrix, records)).toEqual(itemsByUser(sub));
  });

  it('is deterministic', () => {
    const a = trainEase(matrix, { lambda, neighbours: 4 });
    const b = trainEase(matrix, { lambda, neighbours: 4 });
    expect(Buffer.from(a.neighbourWeights.buffer).equals(Buffer.from(b.neighbourWeights.buffer))).toBe(true);
    expect(a).toEqual(b);
  });

  it('rejects bad options', () => {
    expect(() => resolveEaseOptions({ lambda: 0 })).toThrow(RangeError);
    expect(() => resolveEaseOptions({ maxItems: 0 })).toThrow(RangeError);
    expect(() => resolveEaseOptions({ minUsers: 1.5 })).toThrow(RangeError);
    expect(() => resolveEaseOptions({ neighbours: 0 })).toThrow(RangeError);
    expect(() => trainEase(matrix, { lambda: -1 })).toThrow(/lambda/);
  });
});

describe('EASE ONNX graph', () => {
  const easeSpec = (n: number): ModelSpec => ({
    label: 'implicit',
    inputs: [{ name: EASE_GRAPH_IO.inputs.history, type: 'int64', shape: ['H'] }],
    outputs: [{ name: EASE_GRAPH_IO.outputs.scores, type: 'float32', shape: [n + 1] }],
  });

  it('scores what easeScores scores, for unmodelled history items, padded rows and an empty history', async () => {
    const nItems = 30;
    const histories = randomHistories(40, 24, 0.3, 11);
    // Item 24 is only ever seen alone (by many users, so it is modelled): its B row is all zeros,
    // so the whole row is padding.
    for (let u = 0; u < 20; u++) histories.push([24]);
    // Items 25..29: nobody touched them, so they are never modelled.
    const model = trainEase(matrixOf(histories, nItems), { lambda: 3, maxItems: 20, neighbours: 6 });
    expect(model.itemOfRow).toContain(24);
    expect(sparseRow(model, 24).size).toBe(0);
    const unmodelled = Array.from({ length: nItems }, (_, i) => i).filter((i) => model.rowOf[i] === -1);
    expect(unmodelled.length).toBeGreaterThanOrEqual(10);

    const bytes = exportEaseOnnx(model, { version: 'ease-test' });
    const description = describeOnnx(bytes);
    expect(description.inputs).toEqual([EASE_GRAPH_IO.inputs.history]);
    expect(description.outputs).toEqual([EASE_GRAPH_IO.outputs.scores]);
    expect(description.version).toBe('ease-test');

    const session = await loadModel(bytes, easeSpec(nItems));
    const rng = createRng(5);
    const queries: number[][] = [[], [24], unmodelled, [...unmodelled.slice(0, 3), ...histories[0]!], ...histories.slice(0, 8)];
    for (let q = 0; q < 10; q++) queries.push(Array.from({ length: nItems }, (_, i) => i).filter(() => rng.next() < 0.4));
    const expected = new Float64Array(nItems);
    for (const history of queries) {
      const out = await session.run({ [EASE_GRAPH_IO.inputs.history]: { type: 'int64', data: BigInt64Array.from(history, BigInt), dims: [history.length] } });
      const scores = out[EASE_GRAPH_IO.outputs.scores]!.data as Float32Array;
      expect(scores).toHaveLength(nItems + 1);
      expect(scores[nItems]).toBe(0); // the padding item collects only zero weights
      easeScores(model, history, expected);
      expectClose(scores.subarray(0, nItems), expected, 1e-5);
      if (history.every((item) => model.rowOf[item] === -1)) expect([...scores].every((x) => x === 0)).toBe(true);
    }
    await session.release();
  });
});
