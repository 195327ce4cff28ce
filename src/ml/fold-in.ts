/**
 * Fold-in: a user vector for someone the SVD was not trained on (or whose ratings changed since),
 * computed from their ratings with the item side of the model held fixed.
 *
 * With x_i = [q_i, 1] (item factors plus a constant for the user bias) and target
 * y_i = r_i − μ − b_i, the user's [p_u, b_u] is the ridge least-squares solution of
 *
 *   (Σ x_i x_iᵀ + Λ) w = Σ x_i y_i,   Λ = diag(λ_f·(c + n), …, λ_f·(c + n), λ_b·(c_b + n))
 *
 * solved by Cholesky. The penalties grow with the rating count n like the SGD objective's
 * (Surprise regularises once per rating, so a user with n ratings carries n·reg·‖p_u‖²), plus
 * pseudo-ratings c (factors) and c_b (bias) so a user with one or two ratings is not fitted to them:
 * their predictions stay near each movie's own mean μ + b_i. The defaults were chosen on ml-100k
 * held-out users (src/ml/README.md, "Fold-in").
 */
export interface FoldInOptions {
  /** λ_f, the factor penalty per rating. */
  factorRegularization: number;
  /** λ_b, the bias penalty per rating. */
  biasRegularization: number;
  /** c, pseudo-ratings added to n before scaling the factor penalty. */
  priorCount: number;
  /**
   * c_b, pseudo-ratings added to n before scaling the bias penalty. Larger than c on purpose: one
   * rating says little about how generous a user is overall, so a single ★5 must not lift every
   * prediction (with c_b = c = 10 and λ_b = 0.2 it lifted them by 0.35 stars on ml-100k, where such
   * users rate other movies only 0.17 above μ + b_i); the per-rating part still governs users with
   * many ratings. Models trained before it existed used c (their manifests are read that way).
   */
  biasPriorCount: number;
}

export const DEFAULT_FOLD_IN_OPTIONS: Readonly<FoldInOptions> = {
  factorRegularization: 0.1,
  biasRegularization: 0.1,
  priorCount: 10,
  biasPriorCount: 40,
};

/** The item side of a trained model: what fold-in needs and never changes. */
export interface ItemSide {
  readonly factors: number;
  readonly globalMean: number;
  readonly itemBias: Float64Array;
  /** Row-major, `factors` values per item. */
  readonly itemFactors: Float64Array;
  readonly knownItems: Uint8Array;
}

export interface UserVector {
  readonly factors: Float64Array;
  readonly bias: number;
  /** How many ratings were folded in (ratings on unknown items are ignored). */
  readonly ratingCount: number;
}

export interface ItemRating {
  item: number;
  stars: number;
}

/** Folds in one user's ratings. Returns null when none of them is on a known item (→ unknown-user prediction). */
export function foldInUser(model: ItemSide, ratings: Iterable<ItemRating>, options: Partial<FoldInOptions> = {}): UserVector | null {
  const accumulator = new FoldInAccumulator(model, options);
  for (const rating of ratings) accumulator.add(rating.item, rating.stars);
  return accumulator.solve();
}

/**
 * Accumulates the normal equations rating by rating, so training can ask "what was this user's
 * vector at time t" after each new rating without rebuilding the sums. Solving is O(d³/6) with
 * d = k + 1; the result is cached until the next rating arrives.
 */
export class FoldInAccumulator {
  private readonly options: FoldInOptions;
  private readonly dimension: number;
  /** Lower triangle of Σ x xᵀ, row-major d×d (the upper part is unused). */
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;
  private readonly cholesky: Float64Array;
  private count = 0;
  private cached: UserVector | null = null;
  private dirty = false;

  constructor(
    private readonly model: ItemSide,
    options: Partial<FoldInOptions> = {},
  ) {
    this.options = resolveFoldInOptions(options);
    this.dimension = model.factors + 1;
    this.gram = new Float64Array(this.dimension * this.dimension);
    this.rhs = new Float64Array(this.dimension);
    this.cholesky = new Float64Array(this.dimension * this.dimension);
  }

  get ratingCount(): number {
    return this.count;
  }

  /** Adds one rating; returns false (and ignores it) when the item is unknown to the model. */
  add(item: number, stars: number): boolean {
    if (!Number.isFinite(stars)) throw new RangeError(`rating must be a finite number, got ${stars}`);
    const { model } = this;
    if (!(item >= 0 && item < model.knownItems.length && model.knownItems[item] === 1)) return false;
    const k = model.factors;
    const d = this.dimension;
    const offset = item * k;
    const target = stars - model.globalMean - model.itemBias[item]!;
    const q = model.itemFactors;
    const gram = this.gram;
    for (let a = 0; a < k; a++) {
      const qa = q[offset + a]!;
      const row = a * d;
      for (let b = 0; b <= a; b++) gram[row + b]! += qa * q[offset + b]!;
      this.rhs[a]! += qa * target;
    }
    // The bias column is the constant 1.
    const biasRow = k * d;
    for (let b = 0; b < k; b++) gram[biasRow + b]! += q[offset + b]!;
    gram[biasRow + k]! += 1;
    this.rhs[k]! += target;
    this.count++;
    this.dirty = true;
    return true;
  }

  /** The ridge solution for the ratings so far, or null before the first known rating. */
  solve(): UserVector | null {
    if (this.count === 0) return null;
    if (!this.dirty && this.cached !== null) return this.cached;
    const d = this.dimension;
    const k = this.model.factors;
    const { factorRegularization, biasRegularization, priorCount, biasPriorCount } = this.options;
    const L = this.cholesky;
    L.set(this.gram);
    for (let a = 0; a < k; a++) L[a * d + a]! += factorRegularization * (priorCount + this.count);
    L[k * d + k]! += biasRegularization * (biasPriorCount + this.count);
    choleskyInPlace(L, d);
    const solution = Float64Array.from(this.rhs);
    choleskySolveInPlace(L, d, solution);
    this.cached = { factors: solution.slice(0, k), bias: solution[k]!, ratingCount: this.count };
    this.dirty = false;
    return this.cached;
  }
}

export function resolveFoldInOptions(options: Partial<FoldInOptions>): FoldInOptions {
  const o: FoldInOptions = { ...DEFAULT_FOLD_IN_OPTIONS };
  if (options.factorRegularization !== undefined) o.factorRegularization = options.factorRegularization;
  if (options.biasRegularization !== undefined) o.biasRegularization = options.biasRegularization;
  if (options.priorCount !== undefined) o.priorCount = options.priorCount;
  if (options.biasPriorCount !== undefined) o.biasPriorCount = options.biasPriorCount;
  // λ_f must be positive for the system to be positive definite; λ_b may be 0 (see the proof in README).
  if (!(o.factorRegularization > 0) || !Number.isFinite(o.factorRegularization)) {
    throw new RangeError(`factorRegularization must be > 0, got ${o.factorRegularization}`);
  }
  if (!(o.biasRegularization >= 0) || !Number.isFinite(o.biasRegularization)) {
    throw new RangeError(`biasRegularization must be ≥ 0, got ${o.biasRegularization}`);
  }
  if (!(o.priorCount >= 0) || !Number.isFinite(o.priorCount)) throw new RangeError(`priorCount must be ≥ 0, got ${o.priorCount}`);
  if (!(o.biasPriorCount >= 0) || !Number.isFinite(o.biasPriorCount)) throw new RangeError(`biasPriorCount must be ≥ 0, got ${o.biasPriorCount}`);
  return o;
}

/** In-place Cholesky factorisation A = L Lᵀ of the lower triangle of a row-major d×d matrix. */
export function choleskyInPlace(matrix: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    const rowJ = j * d;
    let diagonal = matrix[rowJ + j]!;
    for (let p = 0; p < j; p++) diagonal -= matrix[rowJ + p]! * matrix[rowJ + p]!;
    if (!(diagonal > 0)) throw new RangeError('matrix is not positive definite');
    const pivot = Math.sqrt(diagonal);
    matrix[rowJ + j] = pivot;
    for (let i = j + 1; i < d; i++) {
      const rowI = i * d;
      let value = matrix[rowI + j]!;
      for (let p = 0; p < j; p++) value -= matrix[rowI + p]! * matrix[rowJ + p]!;
      matrix[rowI + j] = value / pivot;
    }
  }
}

/** Solves L Lᵀ x = b in place, L from {@link choleskyInPlace}. */
export function choleskySolveInPlace(L: Float64Array, d: number, b: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let value = b[i]!;
    const row = i * d;
    for (let p = 0; p < i; p++) value -= L[row + p]! * b[p]!;
    b[i] = value / L[row + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let value = b[i]!;
    for (let p = i + 1; p < d; p++) value -= L[p * d + i]! * b[p]!;
    b[i] = value / L[i * d + i]!;
  }
}
