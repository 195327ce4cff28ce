/**
 * Microsoft Recommenders' MovieLens ranking protocol (recommenders-team/recommenders,
 * `examples/06_benchmarks/movielens.ipynb`), re-implemented so our models can be compared with their
 * table (see ../shared/EVALUATION.md):
 *
 * - split: `python_stratified_split(data, ratio=0.75, min_rating=1, filter_by="item", seed=42)`;
 * - metrics: `ndcg_at_k`, `precision_at_k`, `recall_at_k` and `map_at_k` from
 *   `recommenders/evaluation/python_evaluation.py`, top-10 among the items a user did not rate in train.
 *
 * Differences from their code, all deliberate:
 * - How many rows of an item go to train. EVALUATION.md (its 75,066 / 24,934 rows and reference
 *   figures) keeps `round_half_even(ratio × count)`: the cut `split_pandas_data_with_ratios` made per
 *   group in the older `reco_utils` splitter. Their current `_do_stratification` keeps
 *   `rank / count <= ratio`, i.e. `floor(ratio × count)`: 74,331 train rows on ML-100K. Both are here
 *   (`trainCount`); the default follows EVALUATION.md. Within an item, both order the rows the current
 *   way: one `np.random.rand` double per row in file order. (The older splitter shuffled each group
 *   with its own `RandomState(42)` instead; that is not reproduced.)
 * - Averaging: we average over every user with test rows. Theirs divides precision, recall and MAP by
 *   the users that have both test rows and recommendations; the two agree whenever every test user
 *   gets at least one recommendation (as with popularity on ML-100K).
 * - Relevance: duplicate (user, item) test rows count once here, once per row there (MovieLens has none).
 */
import { topIndices } from '../../shared/top-indices.ts';
import type { RatingsDataset } from '../datasets.ts';

// ---------------------------------------------------------------------------------------------
// numpy's legacy random stream

const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * MT19937 seeded like `np.random.seed(seed)` (the reference `init_genrand`), so `random()` yields
 * the same doubles as `np.random.rand` / `random_sample`.
 */
export class Mt19937 {
  private readonly state = new Uint32Array(STATE_SIZE);
  private index = STATE_SIZE;

  constructor(seed: number) {
    // numpy accepts integer seeds in [0, 2^32) for this path and rejects the rest.
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`MT19937 seed must be an integer in [0, 2^32), got ${seed}`);
    }
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < STATE_SIZE; i++) {
      const previous = mt[i - 1]!;
      // Math.imul keeps the 32-bit wrap-around the C reference relies on.
      mt[i] = (Math.imul(1812433253, previous ^ (previous >>> 30)) + i) >>> 0;
    }
  }

  nextUint32(): number {
    if (this.index >= STATE_SIZE) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits: numpy's `random_sample` (genrand_res53). */
  random(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < STATE_SIZE; i++) {
      const y = (mt[i]! & UPPER_MASK) | (mt[(i + 1) % STATE_SIZE]! & LOWER_MASK);
      mt[i] = mt[(i + SHIFT_SIZE) % STATE_SIZE]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Split

export interface StratifiedSplitOptions {
  /** Share of each group's rows that go to train, in (0, 1). Default 0.75. */
  ratio?: number;
  /** Default 42. */
  seed?: number;
  /** Groups (items, or users) with fewer rows are dropped from both sides, as `min_rating`. Default 1. */
  minRating?: number;
  /** The column the split is stratified by (`filter_by`). Default 'item', as in the benchmark. */
  filterBy?: 'item' | 'user';
  /**
   * How many of a group's `count` rows go to train: 'round-half-even' keeps `round(ratio × count)`
   * (EVALUATION.md, the older `reco_utils` splitter); 'rank-fraction' keeps the rows with
   * `rank / count <= ratio` (their current code). Default 'round-half-even'.
   */
  trainCount?: 'round-half-even' | 'rank-fraction';
}

export interface RatingsSplit {
  /** Record indices into the dataset, ascending. */
  train: Int32Array;
  test: Int32Array;
}

/** Python's `round`: halves go to the even neighbour (round(1.5) = 2, round(4.5) = 4). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * `python_stratified_split`: every row gets a uniform double (in file order, after the `min_rating`
 * filter, as `np.random.rand(len(data))` does), rows are ordered by (group, that double), and the first
 * rows of each group go to train.
 */
export function stratifiedSplit(ds: RatingsDataset, options: StratifiedSplitOptions = {}): RatingsSplit {
  const { ratio = 0.75, seed = 42, minRating = 1, filterBy = 'item', trainCount = 'round-half-even' } = options;
  if (!(ratio > 0 && ratio < 1)) throw new RangeError(`split ratio must be in (0, 1), got ${ratio}`);
  if (!Number.isInteger(minRating) || minRating < 1) throw new RangeError(`minRating must be an integer >= 1, got ${minRating}`);

  const groupOf = filterBy === 'item' ? ds.items : ds.users;
  const groupCount = filterBy === 'item' ? ds.itemIds.length : ds.userIds.length;
  const rows = groupOf.length;

  const rowsPerGroup = new Int32Array(groupCount);
  for (let row = 0; row < rows; row++) rowsPerGroup[groupOf[row]!]!++;
  // groupby().filter() drops whole groups and keeps file order, so the random stream only covers the kept rows.
  const kept = (row: number) => rowsPerGroup[groupOf[row]!]! >= minRating;

  const rng = new Mt19937(seed);
  const randomOf = new Float64Array(rows);
  for (let row = 0; row < rows; row++) if (kept(row)) randomOf[row] = rng.random();

  // Bucket rows by group (a counting sort, file order within a group), then order each bucket by its doubles.
  const groupStart = new Int32Array(groupCount + 1);
  for (let group = 0; group < groupCount; group++) groupStart[group + 1] = groupStart[group]! + rowsPerGroup[group]!;
  const fill = groupStart.slice(0, groupCount);
  const rowsByGroup = new Int32Array(rows);
  for (let row = 0; row < rows; row++) rowsByGroup[fill[groupOf[row]!]!++] = row;

  const isTrain = new Uint8Array(rows);
  for (let group = 0; group < groupCount; group++) {
    const count = rowsPerGroup[group]!;
    if (count < minRating || count === 0) continue;
    const bucket = rowsByGroup.subarray(groupStart[group], groupStart[group + 1]);
    // pandas' multi-key sort is stable: equal doubles (none on MovieLens) keep file order.
    bucket.sort((a, b) => randomOf[a]! - randomOf[b]! || a - b);
    const roundedCut = roundHalfEven(ratio * count);
    for (let rank = 1; rank <= count; rank++) {
      // 'rank-fraction' compares the float quotient exactly as their code does.
      const train = trainCount === 'round-half-even' ? rank <= roundedCut : rank / count <= ratio;
      if (train) isTrain[bucket[rank - 1]!] = 1;
    }
  }

  const train: number[] = [];
  const test: number[] = [];
  for (let row = 0; row < rows; row++) {
    if (!kept(row)) continue;
    (isTrain[row] ? train : test).push(row);
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function itemsByUser(ds: RatingsDataset, records: Int32Array): Map<number, Set<number>> {
  const byUser = new Map<number, Set<number>>();
  for (const record of records) {
    const user = ds.users[record]!;
    let items = byUser.get(user);
    if (!items) byUser.set(user, (items = new Set()));
    items.add(ds.items[record]!);
  }
  return byUser;
}

/** Relevant items per user: every test rating counts, whatever its value. */
export function testItemsByUser(ds: RatingsDataset, test: Int32Array): Map<number, Set<number>> {
  return itemsByUser(ds, test);
}

/** What each user rated in train: excluded from that user's recommendations. */
export function trainItemsByUser(ds: RatingsDataset, train: Int32Array): Map<number, Set<number>> {
  return itemsByUser(ds, train);
}

/** Training ratings per item: the popularity baseline's score. */
export function popularityScores(ds: RatingsDataset, train: Int32Array): Float64Array {
  const counts = new Float64Array(ds.itemIds.length);
  for (const record of train) counts[ds.items[record]!]!++;
  return counts;
}

/**
 * The `k` highest-scoring items not in `seen`, best first; equal scores go to the lower item index
 * (dense indices follow first appearance in the file, so this is not raw-id order).
 */
export function topKUnseen(scores: ArrayLike<number>, seen: ReadonlySet<number> | undefined, k: number): number[] {
  const excluded = (item: number) => seen !== undefined && seen.has(item);
  const better = (i: number, j: number) => {
    // Seen items rank below everything, then get dropped, so they never take a slot.
    if (excluded(i) !== excluded(j)) return excluded(j);
    return scores[i]! > scores[j]! || (scores[i] === scores[j] && i < j);
  };
  return topIndices(scores.length, k, better).filter((item) => !excluded(item));
}

export interface TopKMetrics {
  ndcg: number;
  precision: number;
  recall: number;
  /** `map_at_k` as recommenders defines it today: see evaluateTopK. */
  map: number;
  /** Users averaged over: those with at least one test item. */
  users: number;
}

/**
 * Averages over the users with test items (each user's list is cut to its first `k` entries):
 * - NDCG@k: binary gain, discount 1 / ln(1 + rank); the ideal DCG has min(|test items|, k) hits.
 * - precision@k = hits / k (also when fewer than k items were recommended).
 * - recall@k = hits / |test items|.
 * - MAP@k: the sum over hits of precision at the hit's rank, divided by min(k, |test items|). That is
 *   the current `map_at_k` (Spark's definition); their `map`, and `map_at_k` before that change, divide
 *   by |test items| instead.
 */
export function evaluateTopK(
  testItemsByUser: ReadonlyMap<number, ReadonlySet<number>>,
  recommend: (user: number) => ArrayLike<number>,
  k = 10,
): TopKMetrics {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const discount = Array.from({ length: k }, (_, i) => 1 / Math.log(2 + i)); // rank i + 1
  const idealDcg = [0];
  for (let i = 0; i < k; i++) idealDcg.push(idealDcg[i]! + discount[i]!);

  let ndcg = 0;
  let precision = 0;
  let recall = 0;
  let map = 0;
  let users = 0;
  // Ascending users: the sums, and so the last bits, do not depend on map insertion order.
  for (const user of [...testItemsByUser.keys()].sort((a, b) => a - b)) {
    const relevant = testItemsByUser.get(user)!;
    if (relevant.size === 0) continue;
    const recommended = recommend(user);
    const shown = Math.min(k, recommended.length);
    let hits = 0;
    let dcg = 0;
    let precisionSum = 0;
    for (let i = 0; i < shown; i++) {
      if (!relevant.has(recommended[i]!)) continue;
      hits++;
      dcg += discount[i]!;
      precisionSum += hits / (i + 1);
    }
    ndcg += dcg / idealDcg[Math.min(relevant.size, k)]!;
    precision += hits / k;
    recall += hits / relevant.size;
    map += precisionSum / Math.min(relevant.size, k);
    users++;
  }
  if (users === 0) return { ndcg: 0, precision: 0, recall: 0, map: 0, users: 0 };
  return { ndcg: ndcg / users, precision: precision / users, recall: recall / users, map: map / users, users };
}
