import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/shared/random.ts';

describe('createRng', () => {
  it('repeats its sequence for the same seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws uniform doubles in [0, 1) with the right mean and variance', () => {
    const rng = createRng(1);
    const n = 200_000;
    let sum = 0;
    let sumSquares = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      sumSquares += x * x;
    }
    expect(outside).toBe(0);
    const mean = sum / n;
    // Uniform(0, 1): mean 1/2, variance 1/12; tolerances are ~5 standard errors.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.004);
    expect(Math.abs(sumSquares / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const rng = createRng(2);
    const n = 200_000;
    const values = Array.from({ length: n }, () => rng.normal(3, 0.1));
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 3)).toBeLessThan(0.002);
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.002);
    // About 68.3 % within one standard deviation.
    const within = values.filter((v) => Math.abs(v - 3) < 0.1).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
  });

  it('draws every integer below the bound about equally often', () => {
    const rng = createRng(3);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]!++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('shuffles into a permutation', () => {
    const values = Int32Array.from({ length: 1000 }, (_, i) => i);
    createRng(4).shuffle(values);
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...values]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
