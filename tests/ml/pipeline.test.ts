import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogMovie } from '../../src/catalog/catalog-movie.ts';
import type { UserTaste } from '../../src/core/ports/scorer.ts';
import { parseRatings } from '../../src/ml/datasets.ts';
import { datasetMovies, servedTopK, tastesOf, trainingDataOf, trainServedModel, unseenMultipliers } from '../../src/ml/evaluate/served-ranking.ts';
import type { ServedModel } from '../../src/ml/evaluate/served-ranking.ts';
import { foldInUser } from '../../src/ml/fold-in.ts';
import { PipelineRanker } from '../../src/ml/serve/pipeline-ranker.ts';
import type { PipelineBundle, RankRequest } from '../../src/ml/serve/pipeline-ranker.ts';
import { BEST_SVD_OPTIONS, float32ItemSide, predictFromVector } from '../../src/ml/svd.ts';
import { easeScores } from '../../src/ml/train/ease.ts';
import { bestUnseen, exportPipeline, resolvePipelineOptions, trainPipeline } from '../../src/ml/train/pipeline.ts';
import type { PipelineData, PipelineOptions, PipelineStage, TrainedPipeline } from '../../src/ml/train/pipeline.ts';
import { createRng } from '../../src/shared/random.ts';

/**
 * Two user groups of GROUP_USERS, two item groups of GROUP_ITEMS: a user interacts with about half of
 * their own group's items (4–5★) and never with the other group's. Group A also views (no rating)
 * the two "view-only" items 2·GROUP_ITEMS and 2·GROUP_ITEMS + 1, which the SVD therefore never sees;
 * the last two items nobody touches.
 */
const GROUP_USERS = 40;
const GROUP_ITEMS = 12;
const N_USERS = 2 * GROUP_USERS;
const N_ITEMS = 2 * GROUP_ITEMS + 4;
const VIEW_ONLY = [2 * GROUP_ITEMS, 2 * GROUP_ITEMS + 1];
const UNTOUCHED = [2 * GROUP_ITEMS + 2, 2 * GROUP_ITEMS + 3];

function plantedData(seed: number): PipelineData {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const ratings: number[] = [];
  for (let u = 0; u < N_USERS; u++) {
    const groupA = u < GROUP_USERS;
    for (let i = 0; i < 2 * GROUP_ITEMS; i++) {
      if ((i < GROUP_ITEMS) !== groupA || rng.next() >= 0.5) continue;
      users.push(u);
      items.push(i);
      ratings.push(4 + rng.int(2));
    }
    if (groupA) {
      for (const i of VIEW_ONLY) {
        if (rng.next() >= 0.5) continue;
        users.push(u);
        items.push(i);
        ratings.push(Number.NaN);
      }
    }
  }
  return {
    nUsers: N_USERS,
    nItems: N_ITEMS,
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    ratings: Float64Array.from(ratings),
    timestamps: Float64Array.from(users, (_, j) => 1_000_000 + j * 1000),
    scale: { min: 1, max: 5 },
  };
}

const OPTIONS: Partial<PipelineOptions> = {
  ease: { lambda: 5 },
  svd: { factors: 8, epochs: 20 },
  forest: { trees: 10, maxDepth: 4, minSamplesLeaf: 5 },
  shortlist: 15,
  seed: 1,
};

const inGroupOf = (user: number) => (item: number) =>
  user < GROUP_USERS ? item < GROUP_ITEMS || VIEW_ONLY.includes(item) : item >= GROUP_ITEMS && item < 2 * GROUP_ITEMS;

interface UserView {
  history: Int32Array;
  ratings: Array<{ item: number; stars: number }>;
  candidates: Int32Array;
}

function userView(data: PipelineData, user: number): UserView {
  const seen = new Set<number>();
  const ratings: Array<{ item: number; stars: number }> = [];
  data.users.forEach((u, j) => {
    if (u !== user) return;
    seen.add(data.items[j]!);
    if (Number.isFinite(data.ratings[j]!)) ratings.push({ item: data.items[j]!, stars: data.ratings[j]! });
  });
  const history = Int32Array.from(seen).sort();
  return { history, ratings, candidates: Int32Array.from({ length: N_ITEMS }, (_, i) => i).filter((i) => !seen.has(i)) };
}

/** Candidates sorted by implicit × multiplier (descending), ties to the lower position: the documented retrieval order. */
function retrievalOrder(implicit: Float32Array, candidates: ArrayLike<number>, multipliers: ArrayLike<number>): number[] {
  const retrieval = Array.from({ length: candidates.length }, (_, c) => (multipliers[c]! > 0 ? implicit[candidates[c]!]! * multipliers[c]! : Number.NEGATIVE_INFINITY));
  return Array.from({ length: candidates.length }, (_, c) => c)
    .filter((c) => retrieval[c]! > Number.NEGATIVE_INFINITY)
    .sort((a, b) => retrieval[b]! - retrieval[a]! || a - b);
}

describe('served ranking pipeline on planted groups', () => {
  const data = plantedData(1);
  let trained: TrainedPipeline;
  let bundle: PipelineBundle;
  let ranker: PipelineRanker;
  const stages: PipelineStage[] = [];

  beforeAll(async () => {
    trained = trainPipeline(data, OPTIONS, (stage) => stages.push(stage));
    bundle = exportPipeline(trained, 'test');
    ranker = await PipelineRanker.load(bundle);
  });
  afterAll(async () => {
    await ranker?.close();
  });

  it('trains through its stages and exports consistent metadata', () => {
    expect(stages).toEqual(['implicit', 'svd', 'rows', 'forest', 'implicit', 'svd']);
    expect(trained.forestPositives).toBeGreaterThan(0);
    expect(trained.forestPositives).toBeLessThan(trained.forestRows);
    expect(bundle.meta.nItems).toBe(N_ITEMS);
    expect(bundle.meta.shortlist).toBe(15);
    expect(bundle.meta.items.users).toHaveLength(N_ITEMS);
    // Item statistics count distinct users, on every event.
    for (let i = 0; i < N_ITEMS; i++) {
      const users = new Set(Array.from(data.users).filter((_, j) => data.items[j] === i));
      expect(ranker.interactions(i)).toBe(users.size);
    }
    for (const i of UNTOUCHED) expect(ranker.interactions(i)).toBe(0);
    for (const i of VIEW_ONLY) {
      expect(ranker.interactions(i)).toBeGreaterThan(0);
      expect(ranker.knowsStars(i)).toBe(false);
    }
    expect(ranker.knowsStars(0)).toBe(true);
    expect(ranker.knowsStars(-1)).toBe(false);
    expect(ranker.knowsStars(N_ITEMS)).toBe(false);
  });

  it('serves the implicit scores the TypeScript EASE computes (float32), ignoring out-of-range history', async () => {
    const expected = new Float64Array(N_ITEMS);
    for (const user of [0, 1, GROUP_USERS, N_USERS - 1]) {
      const { history } = userView(data, user);
      const served = await ranker.implicitScores(history);
      expect(served).toHaveLength(N_ITEMS);
      easeScores(trained.ease, history, expected);
      for (let i = 0; i < N_ITEMS; i++) expect(Math.abs(served[i]! - expected[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(expected[i]!)));
      const noisy = await ranker.implicitScores([...history, -1, N_ITEMS, N_ITEMS + 7, 2.5]);
      expect([...noisy]).toEqual([...served]);
    }
    expect([...(await ranker.implicitScores([]))]).toEqual(new Array(N_ITEMS).fill(0));
    expect([...(await ranker.implicitScores(UNTOUCHED))]).toEqual(new Array(N_ITEMS).fill(0));
  });

  it('ranks a group’s unseen items above the other group’s', async () => {
    let inGroupAtTop = 0;
    let slots = 0;
    for (let user = 0; user < N_USERS; user++) {
      const { history, ratings, candidates } = userView(data, user);
      const ranked = await ranker.rank({ history, ratings, candidates });
      const items = Array.from(ranked.positions, (p) => candidates[p]!);
      const inGroup = inGroupOf(user);
      const unseenInGroup = Array.from(candidates).filter(inGroup).length;
      // The best three are always the user's own group's; overall, the first (unseen in-group count)
      // places are almost all in-group.
      expect(items.slice(0, 3).every(inGroup), `user ${user}: ${items.join(',')}`).toBe(true);
      inGroupAtTop += items.slice(0, unseenInGroup).filter(inGroup).length;
      slots += unseenInGroup;
    }
    expect(inGroupAtTop / slots).toBeGreaterThan(0.9);
  });

  it('returns only candidates, each once, never a history item, within the limit; scores descend', async () => {
    for (const user of [0, 5, GROUP_USERS + 3]) {
      const { history, ratings, candidates } = userView(data, user);
      const all = await ranker.rank({ history, ratings, candidates });
      expect(all.positions).toHaveLength(candidates.length);
      expect(new Set(all.positions).size).toBe(candidates.length);
      for (const p of all.positions) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(candidates.length);
        expect(history).not.toContain(candidates[p]!);
      }
      for (let r = 1; r < all.scores.length; r++) expect(all.scores[r]!).toBeLessThanOrEqual(all.scores[r - 1]!);
      // The shortlist (15 here) scores above 1, the rest below.
      expect(all.scores.subarray(0, 15).every((s) => s >= 1)).toBe(true);
      expect(all.scores.subarray(15).every((s) => s < 1)).toBe(true);

      for (const limit of [1, 4, 15, 18]) {
        const top = await ranker.rank({ history, ratings, candidates, limit });
        expect(top.positions).toHaveLength(limit);
        expect([...top.positions]).toEqual([...all.positions.subarray(0, limit)]);
        expect([...top.scores]).toEqual([...all.scores.subarray(0, limit)]);
      }
      expect((await ranker.rank({ history, ratings, candidates, limit: 10_000 })).positions).toHaveLength(candidates.length);
      expect((await ranker.rank({ history, ratings, candidates: [] })).positions).toHaveLength(0);
    }
  });

  it('returns positions into `candidates`, whatever their order', async () => {
    const { history, ratings, candidates } = userView(data, 2);
    const sorted = await ranker.rank({ history, ratings, candidates, limit: 5 });
    const reversed = Int32Array.from(candidates).reverse();
    const fromReversed = await ranker.rank({ history, ratings, candidates: reversed, limit: 5 });
    expect(Array.from(fromReversed.positions, (p) => reversed[p]!)).toEqual(Array.from(sorted.positions, (p) => candidates[p]!));
    // A subset of candidates: positions index the subset.
    const subset = Int32Array.from(candidates.filter((_, c) => c % 2 === 1));
    const fromSubset = await ranker.rank({ history, ratings, candidates: subset });
    expect(fromSubset.positions).toHaveLength(subset.length);
    expect(new Set(Array.from(fromSubset.positions, (p) => subset[p]!))).toEqual(new Set(subset));
  });

  it('applies multipliers as documented: 0 excludes, the shortlist is the best implicit × multiplier, the rest follow in that order', async () => {
    const rng = createRng(9);
    // A short shortlist (a serving setting) leaves in-group items with positive scores in the tail.
    const short = await PipelineRanker.load({ ...bundle, meta: { ...bundle.meta, shortlist: 1 } });
    let reordered = 0;
    try {
      for (const user of [0, 7, GROUP_USERS, GROUP_USERS + 11]) {
        const { history, ratings, candidates } = userView(data, user);
        const implicit = await short.implicitScores(history);
        for (let trial = 0; trial < 3; trial++) {
          const multipliers = Float64Array.from(candidates, () => (rng.next() < 0.25 ? 0 : 0.2 + 3 * rng.next()));
          const ranked = await short.rank({ history, ratings, candidates, multipliers });
          const order = retrievalOrder(implicit, candidates, multipliers);
          expect(ranked.positions).toHaveLength(order.length);
          for (const p of ranked.positions) expect(multipliers[p]).toBeGreaterThan(0);
          expect(ranked.positions[0]).toBe(order[0]);
          expect([...ranked.positions.subarray(1)]).toEqual(order.slice(1));
          // Count the tails whose order differs from the plain implicit order (the multipliers matter there).
          const plainTail = retrievalOrder(implicit, candidates, Float64Array.from(multipliers, (m) => (m > 0 ? 1 : 0))).filter((c) => order.slice(1).includes(c));
          if (plainTail.join() !== order.slice(1).join()) reordered++;
        }
        // The weakest candidate with a positive score is not shortlisted, until a large multiplier puts it first.
        const plain = retrievalOrder(implicit, candidates, new Float64Array(candidates.length).fill(1));
        const weakest = plain.filter((c) => implicit[candidates[c]!]! > 0).at(-1)!;
        expect((await short.rank({ history, ratings, candidates })).positions[0]).not.toBe(weakest);
        const boost = new Float64Array(candidates.length).fill(1);
        boost[weakest] = 1000;
        expect((await short.rank({ history, ratings, candidates, multipliers: boost })).positions[0]).toBe(weakest);
      }
    } finally {
      await short.close();
    }
    expect(reordered).toBeGreaterThan(6);

    for (const user of [0, 7, GROUP_USERS, GROUP_USERS + 11]) {
      const { history, ratings, candidates } = userView(data, user);
      const implicit = await ranker.implicitScores(history);
      const multipliers = Float64Array.from(candidates, () => (rng.next() < 0.25 ? 0 : 0.2 + 3 * rng.next()));
      const ranked = await ranker.rank({ history, ratings, candidates, multipliers });
      const order = retrievalOrder(implicit, candidates, multipliers);
      expect(ranked.positions).toHaveLength(order.length);
      for (const p of ranked.positions) expect(multipliers[p]).toBeGreaterThan(0);
      const s = Math.min(15, order.length);
      expect(new Set(ranked.positions.subarray(0, s))).toEqual(new Set(order.slice(0, s)));
      expect([...ranked.positions.subarray(s)]).toEqual(order.slice(s));


      // All zero: nothing is returned.
      expect((await ranker.rank({ history, ratings, candidates, multipliers: new Float64Array(candidates.length) })).positions).toHaveLength(0);
    }
  });

  it('scales the shortlist’s scores by a uniform multiplier without changing the order', async () => {
    const { history, ratings, candidates } = userView(data, 3);
    const plain = await ranker.rank({ history, ratings, candidates });
    const doubled = await ranker.rank({ history, ratings, candidates, multipliers: new Float64Array(candidates.length).fill(2) });
    expect([...doubled.positions]).toEqual([...plain.positions]);
    for (let r = 0; r < 15; r++) expect(doubled.scores[r]! - 1).toBeCloseTo(2 * (plain.scores[r]! - 1), 6);
  });

  it('gives the SVD’s folded-in stars for shortlisted items it knows, NaN for the others', async () => {
    const side = float32ItemSide(trained.svd);
    let viewOnlyShortlisted = 0;
    for (let user = 0; user < GROUP_USERS; user += 4) {
      const request: RankRequest = userView(data, user);
      const { candidates } = request;
      const ranked = await ranker.rank(request);
      const vector = foldInUser(side, request.ratings, bundle.meta.foldIn);
      ranked.positions.forEach((p, r) => {
        const item = candidates[p]!;
        const stars = ranked.stars[r]!;
        if (r >= 15 || VIEW_ONLY.includes(item) || UNTOUCHED.includes(item)) {
          expect(stars, `item ${item} at ${r}`).toBeNaN();
          if (r < 15 && VIEW_ONLY.includes(item)) viewOnlyShortlisted++;
          return;
        }
        expect(stars).toBeGreaterThanOrEqual(1);
        expect(stars).toBeLessThanOrEqual(5);
        expect(Math.abs(stars - predictFromVector(side, vector?.factors ?? null, vector?.bias ?? 0, item))).toBeLessThan(1e-4);
      });
    }
    // The view-only items are retrieved for group A (they co-occur with its items).
    expect(viewOnlyShortlisted).toBeGreaterThan(0);
  });

  it('is deterministic: same data and options, same bytes and the same rankings', async () => {
    const again = exportPipeline(trainPipeline(plantedData(1), OPTIONS), 'test');
    expect(Buffer.from(again.ease).equals(Buffer.from(bundle.ease))).toBe(true);
    expect(Buffer.from(again.svd).equals(Buffer.from(bundle.svd))).toBe(true);
    expect(Buffer.from(again.ranker).equals(Buffer.from(bundle.ranker))).toBe(true);
    expect(again.meta).toEqual(bundle.meta);
    const other = await PipelineRanker.load(again);
    try {
      for (const user of [0, GROUP_USERS + 1]) {
        const request = userView(data, user);
        const a = await ranker.rank(request);
        const b = await other.rank(request);
        expect(b).toEqual(a);
        expect(await ranker.rank(request)).toEqual(a);
      }
    } finally {
      await other.close();
    }
  });

  it('rejects a bundle whose metadata disagrees with its graphs', async () => {
    const shortStats = { ...bundle, meta: { ...bundle.meta, items: { ...bundle.meta.items, users: bundle.meta.items.users.slice(1) } } };
    await expect(PipelineRanker.load(shortStats)).rejects.toThrow(/item statistics "users" has 27 entries for 28 items/);
    const shortQuality = { ...bundle, meta: { ...bundle.meta, items: { ...bundle.meta.items, quality: [] } } };
    await expect(PipelineRanker.load(shortQuality)).rejects.toThrow(/"quality"/);
    // Every item statistic padded to one more item: only the graphs disagree.
    const padded = Object.fromEntries(Object.entries(bundle.meta.items).map(([key, values]) => [key, [...values, 0]])) as PipelineBundle['meta']['items'];
    const moreItems = { ...bundle, meta: { ...bundle.meta, nItems: N_ITEMS + 1, items: padded } };
    await expect(PipelineRanker.load(moreItems)).rejects.toThrow(/SVD graph has 28 items, the pipeline 29/);
    await expect(PipelineRanker.load({ ...bundle, meta: { ...bundle.meta, shortlist: 0 } })).rejects.toThrow();
    // The graphs swapped: the implicit graph's I/O is checked on load.
    await expect(PipelineRanker.load({ ...bundle, ease: bundle.ranker })).rejects.toThrow(/implicit/);
  });
});

describe('pipeline training options', () => {
  it('needs timestamps for a time holdout, and trains with them', () => {
    const data = plantedData(2);
    const { timestamps: _timestamps, ...untimed } = data;
    expect(() => trainPipeline(untimed, { ...OPTIONS, holdoutBy: 'time' })).toThrow(/timestamps/);
    const byTime = trainPipeline(data, { ...OPTIONS, holdoutBy: 'time' });
    const byChance = trainPipeline(data, OPTIONS);
    expect(byTime.forestPositives).toBeGreaterThan(0);
    // The final models are refitted on every event either way; only the forest's labels differ.
    expect(byTime.ease).toEqual(byChance.ease);
    expect(byTime.forestRows === byChance.forestRows && byTime.forestPositives === byChance.forestPositives).toBe(false);
  });

  it('rejects bad options', () => {
    expect(() => resolvePipelineOptions({ shortlist: 0 })).toThrow(RangeError);
    expect(() => resolvePipelineOptions({ holdout: 1 })).toThrow(RangeError);
    expect(() => resolvePipelineOptions({ holdout: 0 })).toThrow(RangeError);
    expect(() => resolvePipelineOptions({ implicitBlend: -0.1 })).toThrow(RangeError);
    expect(() => resolvePipelineOptions({ ease: { lambda: 0 } })).toThrow(RangeError);
    expect(resolvePipelineOptions({ forest: { trees: 3 } }).forest).toMatchObject({ trees: 3, maxDepth: 6, minSamplesLeaf: 50 });
  });

  it('bestUnseen skips seen items and breaks ties by lower index', () => {
    expect(bestUnseen([5, 9, 9, 1, 9], new Set([2]), 3)).toEqual([1, 4, 0]);
    expect(bestUnseen([5, 9], new Set([0, 1]), 3)).toEqual([]);
    expect(bestUnseen([0, -1, 0], new Set(), 5)).toEqual([0, 2, 1]);
  });
});


describe('offline ranking goes through the bot’s TasteRanker (served-ranking.ts)', () => {
  /** The planted data as an ml100k file (ratings only), raw ids offset so they differ from dense indices. */
  const text = (() => {
    const data = plantedData(3);
    const lines: string[] = [];
    data.users.forEach((u, j) => {
      if (Number.isFinite(data.ratings[j]!)) lines.push(`${1000 + u}\t${500 + data.items[j]!}\t${data.ratings[j]}\t${880000000 + j}`);
    });
    // User 1000 re-rates item 500's first rating later: the latest rating counts.
    lines.push(`1000\t${lines[0]!.split('\t')[1]}\t1\t890000000`);
    return lines.join('\n');
  })();
  const ds = parseRatings(text, 'ml100k', 'planted');
  const all = Int32Array.from({ length: ds.ratings.length }, (_, j) => j);
  const movies = datasetMovies(ds);
  const tastes = tastesOf(ds, all, movies);
  /** The planted group test in the file's raw ids (the file has no view-only items). */
  const inGroup = (user: number) => (movie: number) => inGroupOf(Number(ds.userIds[user]) - 1000)(Number(ds.itemIds[movie]) - 500);
  let served: ServedModel;

  beforeAll(async () => {
    served = await trainServedModel(ds, all, movies, OPTIONS);
  });
  afterAll(async () => {
    await served?.ranker.close();
  });

  /** What TasteRanker does, spelled out: movies → the model's item indices, PipelineRanker.rank, back to positions in `movies`. */
  async function rankByHand(model: ServedModel, taste: UserTaste, multipliers: ArrayLike<number>, limit: number): Promise<number[]> {
    const itemOf = movies.map((movie) => model.itemIndex.get(movie.key) ?? -1);
    const known = movies.map((_, c) => c).filter((c) => itemOf[c]! >= 0 && multipliers[c]! > 0);
    const rated = taste.ratings.filter(({ movie }) => model.itemIndex.has(movie.key));
    const history = Int32Array.from(new Set(rated.map(({ movie }) => model.itemIndex.get(movie.key)!))).sort();
    const ranked = await model.ranker.pipeline.rank({
      history,
      ratings: rated.map(({ movie, stars }) => ({ item: model.itemIndex.get(movie.key)!, stars })),
      candidates: known.map((c) => itemOf[c]!),
      multipliers: known.map((c) => multipliers[c]!),
      limit,
    });
    return Array.from(ranked.positions, (p) => known[p]!);
  }

  it('maps the file onto frozen Movies keyed by raw id, the bot’s training data and its tastes', () => {
    expect(Object.isFrozen(movies)).toBe(true);
    expect(movies).toHaveLength(ds.itemIds.length);
    movies.forEach((movie, i) => {
      expect(movie).toMatchObject({ id: i + 1, key: `ratings:${ds.itemIds[i]}`, title: `#${ds.itemIds[i]}`, genres: [], emotions: {}, imdbRating: null });
    });
    // With the movie file's rows, by raw id.
    const row: CatalogMovie = {
      source: 'movielens', sourceId: ds.itemIds[1]!, title: 'Toy Story', year: 1995, runtimeMinutes: 81, genres: ['Animation', 'Comedy'],
      certificate: null, imdbRating: 8.3, imdbVotes: 1000, criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null,
      emotions: { happy: 0.9 },
    };
    const described = datasetMovies(ds, new Map([[row.sourceId, row]]));
    expect(described[1]).toMatchObject({ id: 2, key: `ratings:${row.sourceId}`, title: 'Toy Story', year: 1995, genres: ['Animation', 'Comedy'], emotions: { happy: 0.9 } });
    expect(described[0]).toEqual(movies[0]);

    const data = trainingDataOf(ds, all, movies);
    expect(data.movies).toEqual([...movies]);
    expect(data.interactions).toEqual([]);
    expect(data.favorites).toEqual([]);
    expect(data.ratings).toHaveLength(ds.ratings.length);
    data.ratings.forEach((rating, j) => {
      expect(rating).toEqual({ userKey: `user:${ds.userIds[ds.users[j]!]}`, movieKey: movies[ds.items[j]!]!.key, stars: ds.ratings[j], at: new Date(ds.timestamps[j]!) });
    });
    expect(data.ratings[0]!.at.getTime()).toBe(880000000 * 1000);
    expect(trainingDataOf(ds, all.subarray(5, 15), movies).ratings).toEqual(data.ratings.slice(5, 15));

    expect(tastes).toHaveLength(ds.userIds.length);
    const pairs = new Set(Array.from(all, (j) => `${ds.users[j]}:${ds.items[j]}`));
    expect(tastes.reduce((sum, taste) => sum + taste.ratings.length, 0)).toBe(pairs.size);
    tastes.forEach((taste, user) => {
      expect(taste.userId).toBe(user + 1);
      expect(taste.favorites).toEqual([]);
      expect(taste.viewCount).toBe(taste.ratings.length);
      expect(new Set(taste.ratings.map(({ movie }) => movie.key)).size).toBe(taste.ratings.length);
      for (const { movie } of taste.ratings) {
        expect(movies[movie.id - 1]).toBe(movie);
        expect(pairs.has(`${user}:${movie.id - 1}`)).toBe(true);
      }
    });
    // The re-rating replaced user 1000's first rating.
    expect(tastes[0]!.ratings.filter(({ movie }) => movie.id - 1 === ds.items[0])).toEqual([{ movie: movies[ds.items[0]!], stars: 1 }]);
  });

  it('clamps half stars to the bot’s 1–5 stars', () => {
    const halves = parseRatings('userId,movieId,rating,timestamp\n1,10,0.5,100\n1,11,4.5,200\n2,10,5,300\n', 'mlcsv', 'halves');
    const records = Int32Array.of(0, 1, 2);
    const halfMovies = datasetMovies(halves);
    expect(trainingDataOf(halves, records, halfMovies).ratings.map((r) => r.stars)).toEqual([1, 4.5, 5]);
    expect(tastesOf(halves, records, halfMovies).map((taste) => taste.ratings.map((r) => r.stars))).toEqual([[1, 4.5], [5]]);
  });

  it('trains as `npm run train` does: one item index by movie key, the full-data SVD inside the pipeline', () => {
    const keys = [...new Set(movies.map((movie) => movie.key))].sort();
    expect([...served.itemIndex]).toEqual(keys.map((key, i) => [key, i]));
    expect([...served.userIndex.keys()]).toEqual(ds.userIds.map((id) => `user:${id}`).sort());
    expect(served.trained.svd).toBe(served.svd);
    expect(served.svd.nItems).toBe(keys.length);
    expect(served.svd.factors).toBe(BEST_SVD_OPTIONS.factors);
    expect(served.trained.ease.nItems).toBe(keys.length);
    expect(served.ranker.pipeline.nItems).toBe(keys.length);
    // trainRankingPipeline's default holdout is by time; the given options reach the pipeline.
    expect(served.trained.options).toMatchObject({ holdoutBy: 'time', seed: 1, shortlist: 15 });
  });

  it('servedTopK is TasteRanker.rank over the movies with multiplier > 0, i.e. PipelineRanker over their item indices', async () => {
    const rng = createRng(4);
    for (let user = 0; user < ds.userIds.length; user += 7) {
      const taste = tastes[user]!;
      const unseen = unseenMultipliers(taste, movies.length);
      const rated = new Set(taste.ratings.map(({ movie }) => movie.id - 1));
      expect(Array.from(unseen)).toEqual(movies.map((_, c) => (rated.has(c) ? 0 : 1)));

      const top = await servedTopK(served, taste, movies, unseen, 5);
      expect(top).toHaveLength(5);
      expect([...top]).toEqual(Array.from((await served.ranker.rank({ user: taste, candidates: movies, multipliers: unseen, limit: 5 })).positions));
      expect([...top]).toEqual(await rankByHand(served, taste, unseen, 5));
      // The planted groups survive the mapping: the best three are the user's own group's.
      expect([...top].slice(0, 3).every(inGroup(user)), `user ${user}: ${[...top].join(',')}`).toBe(true);
      // A fresh (unfrozen) copy of the list ranks the same (the item-index cache is per frozen list).
      expect([...(await servedTopK(served, taste, [...movies], unseen, 5))]).toEqual([...top]);

      // Mood-like multipliers with zeros: only those > 0 come back, all of them, in the pipeline's order.
      const multipliers = Float64Array.from(unseen, (m) => (m > 0 && rng.next() >= 0.3 ? 0.5 + 0.5 * rng.next() : 0));
      const ranked = await servedTopK(served, taste, movies, multipliers, movies.length);
      expect(ranked).toHaveLength(multipliers.filter((m) => m > 0).length);
      for (const c of ranked) expect(multipliers[c]).toBeGreaterThan(0);
      expect([...ranked]).toEqual(await rankByHand(served, taste, multipliers, movies.length));
    }
    await expect(servedTopK(served, tastes[0]!, movies, new Float64Array(3), 5)).rejects.toThrow(/3 multipliers for/);
  });

  it('never ranks a movie the models never saw, whatever its multiplier', async () => {
    const hidden = ds.items[0]!;
    const records = all.filter((j) => ds.items[j] !== hidden);
    const partial = await trainServedModel(ds, records, movies, OPTIONS);
    try {
      expect(partial.itemIndex.has(movies[hidden]!.key)).toBe(false);
      expect(partial.itemIndex.size).toBe(movies.length - 1);
      const partialTastes = tastesOf(ds, records, movies);
      for (const user of [0, 9, GROUP_USERS + 2]) {
        const taste = partialTastes[user]!;
        const multipliers = unseenMultipliers(taste, movies.length);
        multipliers[hidden] = 1000;
        const ranked = await servedTopK(partial, taste, movies, multipliers, movies.length);
        expect([...ranked]).not.toContain(hidden);
        expect(ranked).toHaveLength(movies.length - 1 - taste.ratings.length);
        expect([...ranked]).toEqual(await rankByHand(partial, taste, multipliers, movies.length));
      }
    } finally {
      await partial.ranker.close();
    }
  });
});
