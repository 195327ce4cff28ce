/**
 * The bot and `npm run recommend` / `evaluate --ranking` rank identically for the same user and data.
 *
 * (a) The bot: trainFeelmsModels → writeModelFiles → OnnxScorer.load → scorer.rank.
 * (b) Offline: trainServedModelOn (src/ml/evaluate/served-ranking.ts) → servedTopK / model.ranker.rank.
 *
 * Same TrainingData (with views and favorites, so the bot's favorite forest trains too), same
 * tastes, candidates and multipliers: the same positions, for every user and multiplier vector.
 * Then, through the Recommender with the in-memory repositories, a warm user's page is the first
 * diversified slice of that order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genreWeight } from '../../src/catalog/genres.ts';
import { EMOTIONS } from '../../src/core/domain/emotions.ts';
import type { Emotion } from '../../src/core/domain/emotions.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import type { UserTaste } from '../../src/core/ports/scorer.ts';
import { DEFAULT_RANKING, diversifyPage, Recommender, tasteFrom } from '../../src/core/recommend/recommend.ts';
import { servedTopK, trainServedModelOn, unseenMultipliers } from '../../src/ml/evaluate/served-ranking.ts';
import type { ServedModel } from '../../src/ml/evaluate/served-ranking.ts';
import { IMPLICIT_FILE, RANKER_FILE, SVD_FILE } from '../../src/ml/manifest.ts';
import { OnnxScorer } from '../../src/ml/onnx-scorer.ts';
import { exportEaseOnnx, exportForestOnnx, exportSvdOnnx } from '../../src/ml/onnx-export.ts';
import { syntheticCommunity } from '../../src/ml/synthetic.ts';
import { trainFeelmsModels, writeModelFiles } from '../../src/ml/train.ts';
import type { TrainedModels } from '../../src/ml/train.ts';
import { exportPipeline } from '../../src/ml/train/pipeline.ts';
import { createRng } from '../../src/shared/random.ts';
import { createInMemoryRepositories } from '../fakes/in-memory-repositories.ts';
import { DAY, FixedClock } from '../helpers/transcript.ts';

const data = syntheticCommunity({ users: 150, movies: 200, seed: 5 });
/** The candidates: every movie, frozen like the catalog's mood lists (index c ↔ movie id c + 1). */
const movies: readonly Movie[] = Object.freeze([...data.movies]);
const byKey = new Map(movies.map((movie) => [movie.key, movie]));

/** A synthetic user's taste as the bot reads it: their ratings (one per movie in this data) and favorites. */
function tasteOf(userKey: string): UserTaste {
  const ratings = data.ratings.filter((r) => r.userKey === userKey).map((r) => ({ movie: byKey.get(r.movieKey)!, stars: r.stars }));
  expect(new Set(ratings.map((r) => r.movie.key)).size).toBe(ratings.length);
  return {
    userId: Number(userKey),
    ratings,
    favorites: data.favorites.filter((f) => f.userKey === userKey).map((f) => byKey.get(f.movieKey)!),
    viewCount: data.interactions.filter((x) => x.userKey === userKey && x.kind === 'view').length,
    shownCount: data.interactions.filter((x) => x.userKey === userKey && x.kind === 'shown').length,
  };
}

const ratingCount = new Map<string, number>();
for (const r of data.ratings) ratingCount.set(r.userKey, (ratingCount.get(r.userKey) ?? 0) + 1);
/** Raters by rating count, most first (ties by key). */
const raters = [...ratingCount.keys()].sort((a, b) => ratingCount.get(b)! - ratingCount.get(a)! || (a < b ? -1 : 1));

/** A dozen users: the most active raters, some light ones, a favorites-only user and someone with no history at all. */
const users: Array<{ label: string; taste: UserTaste }> = [
  ...raters.slice(0, 6).map((key) => ({ label: `active ${key}`, taste: tasteOf(key) })),
  ...raters.slice(-4).map((key) => ({ label: `light ${key}`, taste: tasteOf(key) })),
  // Every synthetic user rates something, so this one is the most active user without their ratings.
  { label: 'favorites only', taste: { ...tasteOf(raters[0]!), ratings: [] } },
  { label: 'no history', taste: { userId: 0, ratings: [], favorites: [], viewCount: 0, shownCount: 0 } },
];

/** The bot's mood rule, as the Recommender passes it: factor (0 excluded, ½ recently shown) × (0.5 + 0.5 × weight). */
function moodMultipliers(taste: UserTaste, mood: Emotion, recentlyShown: ReadonlySet<number> = new Set()): Float64Array {
  const excluded = new Set([...taste.ratings.map((r) => r.movie.id), ...taste.favorites.map((m) => m.id)]);
  return Float64Array.from(movies, (movie) => {
    const weight = movie.emotions[mood] ?? 0;
    if (weight < DEFAULT_RANKING.minMoodWeight || excluded.has(movie.id)) return 0;
    return (recentlyShown.has(movie.id) ? DEFAULT_RANKING.recentPenalty : 1) * (0.5 + 0.5 * weight);
  });
}

describe('the bot’s scorer and the offline ranking rank identically', () => {
  let models: TrainedModels;
  let dir: string;
  let scorer: OnnxScorer;
  let served: ServedModel;

  beforeAll(async () => {
    models = await trainFeelmsModels(data, { folds: 0, createdAt: new Date('2025-01-01T00:00:00Z') });
    dir = await mkdtemp(join(tmpdir(), 'feelms-served-identity-'));
    await writeModelFiles(dir, models);
    scorer = await OnnxScorer.load(dir);
    served = await trainServedModelOn(data);
  });

  afterAll(async () => {
    await scorer?.close();
    await served?.ranker.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The three ways to rank one request; they must agree. */
  async function rankThreeWays(taste: UserTaste, multipliers: Float64Array, limit: number) {
    const rank = scorer.rank;
    expect(rank).toBeDefined();
    const bot = Array.from((await rank!({ user: taste, candidates: movies, multipliers, limit })).positions);
    const offline = Array.from(await servedTopK(served, taste, movies, multipliers, limit));
    const ranker = Array.from((await served.ranker.rank({ user: taste, candidates: movies, multipliers, limit })).positions);
    return { bot, offline, ranker };
  }

  it('trains the same models: one item index, the same SVD, EASE, ranking forest and item statistics', () => {
    const trained = models.pipeline;
    expect(trained).not.toBeNull();
    expect(models.manifest.implicit).toBeDefined();
    expect(models.manifest.ranker).toBeDefined();
    expect(models.manifest.svd.itemKeys).toEqual([...served.itemIndex.keys()]);
    expect([...served.itemIndex.values()]).toEqual(models.manifest.svd.itemKeys.map((_, i) => i));
    expect(models.manifest.svd.userKeys).toEqual([...served.userIndex.keys()]);

    const a = trained!.ease;
    const b = served.trained.ease;
    expect({ nItems: a.nItems, neighbours: a.neighbours, lambda: a.lambda }).toEqual({ nItems: b.nItems, neighbours: b.neighbours, lambda: b.lambda });
    expect(a.neighbourWeights.length).toBeGreaterThan(0);
    expect(a.neighbourWeights).toHaveLength(b.neighbourWeights.length);
    const firstDifference = (x: ArrayLike<number>, y: ArrayLike<number>) => {
      for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
      return x.length === y.length ? -1 : Math.min(x.length, y.length);
    };
    expect(firstDifference(a.neighbourWeights, b.neighbourWeights)).toBe(-1);
    expect(firstDifference(a.neighbourItems, b.neighbourItems)).toBe(-1);
    expect(firstDifference(a.itemOfRow, b.itemOfRow)).toBe(-1);
    expect(firstDifference(models.svd.itemFactors, served.svd.itemFactors)).toBe(-1);
    expect(firstDifference(models.svd.itemBias, served.svd.itemBias)).toBe(-1);
    expect(models.svd.globalMean).toBe(served.svd.globalMean);

    // Exported with the bot's version strings, the offline models are the bot's files byte for byte.
    const version = models.manifest.version;
    const same = (x: Uint8Array | undefined, y: Uint8Array) => x !== undefined && Buffer.from(x).equals(Buffer.from(y));
    expect(same(models.files[SVD_FILE], exportSvdOnnx(served.svd, { version: `svd-${version}`, description: 'Feelms SVD rating predictor' }))).toBe(true);
    expect(same(models.files[IMPLICIT_FILE], exportEaseOnnx(served.trained.ease, { version: `implicit-${version}`, description: 'Feelms implicit item model (EASE)' }))).toBe(true);
    expect(same(models.files[RANKER_FILE], exportForestOnnx(served.trained.forest, { version: `ranker-${version}`, description: 'Feelms shortlist ranking forest' }))).toBe(true);

    // The settings and statistics the scorer loads from the manifest are the offline bundle's.
    const meta = exportPipeline(served.trained, 'offline').meta;
    const { ranker } = models.manifest;
    expect({ shortlist: ranker!.shortlist, implicitBlend: ranker!.implicitBlend, foldIn: models.manifest.svd.foldIn, items: ranker!.itemStatistics }).toEqual({
      shortlist: meta.shortlist,
      implicitBlend: meta.implicitBlend,
      foldIn: meta.foldIn,
      items: meta.items,
    });
  });

  it('ranks every user’s unseen movies, mood lists and lists with zeros the same, position for position', async () => {
    expect(users).toHaveLength(12);
    expect(users.find(({ label }) => label === 'favorites only')!.taste.favorites.length).toBeGreaterThan(0);
    const rng = createRng(17);
    const tops = new Set<string>();
    let compared = 0;
    for (const [u, { label, taste }] of users.entries()) {
      const mood = EMOTIONS[u % EMOTIONS.length]!;
      const unseen = unseenMultipliers(taste, movies.length);
      const recentlyShown = new Set(movies.filter(() => rng.next() < 0.1).map((movie) => movie.id));
      const variants: Array<[string, Float64Array]> = [
        ['unseen', unseen],
        [`mood ${mood}`, moodMultipliers(taste, mood, recentlyShown)],
        ['unseen with zeros', Float64Array.from(unseen, (m) => (rng.next() < 0.3 ? 0 : m))],
        ['random weights', Float64Array.from(unseen, (m) => (m > 0 && rng.next() >= 0.2 ? 0.25 + 1.5 * rng.next() : 0))],
      ];
      for (const [name, multipliers] of variants) {
        const eligible = movies.filter((movie, c) => multipliers[c]! > 0 && served.itemIndex.has(movie.key)).length;
        expect(eligible, `${label}, ${name}`).toBeGreaterThan(0);
        for (const limit of [20, movies.length]) {
          const { bot, offline, ranker } = await rankThreeWays(taste, multipliers, limit);
          expect(bot, `${label}, ${name}, limit ${limit}`).toHaveLength(Math.min(limit, eligible));
          expect(offline, `${label}, ${name}, limit ${limit}`).toEqual(bot);
          expect(ranker, `${label}, ${name}, limit ${limit}`).toEqual(bot);
          for (const c of bot) expect(multipliers[c]).toBeGreaterThan(0);
          if (limit === 20 && name === 'unseen') tops.add(bot.join());
          compared++;
        }
      }
    }
    expect(compared).toBe(users.length * 4 * 2);
    // Not one list for everyone: the rankings are personal.
    expect(tops.size).toBeGreaterThan(users.length / 2);
  });

  describe('Recommender with this OnnxScorer', () => {
    it('serves a warm user the first diversified slice of the pipeline order for the mood', async () => {
      const clock = new FixedClock();
      const repos = createInMemoryRepositories([...data.movies], { now: () => clock.now() });
      const recommender = new Recommender({ ...repos, scorer, clock, logger: silentLogger }, DEFAULT_RANKING, genreWeight);
      const { userId } = await repos.users.findOrCreate({ platform: 'console', platformUserId: 'identity', displayName: 'Identity' });
      const source = tasteOf(raters[0]!);
      for (const { movie, stars } of source.ratings) await repos.ratings.rate(userId, movie.id, stars);
      for (const movie of source.favorites) await repos.favorites.add(userId, movie.id);

      for (const mood of ['happy', 'scared', 'thoughtful'] as const) {
        const list = await repos.catalog.moviesForMood(mood, DEFAULT_RANKING.minMoodWeight);
        const history = await repos.histories.historyOf(userId, new Date(clock.now().getTime() - DEFAULT_RANKING.recentDays * DAY));
        const taste = await tasteFrom(userId, history, repos.catalog);
        const excluded = new Set([...history.ratings.map((r) => r.movieId), ...history.favorites.map((f) => f.movieId)]);
        const multipliers = Float64Array.from(list, (movie) => {
          if (excluded.has(movie.id)) return 0;
          return (history.recentlyShown.has(movie.id) ? DEFAULT_RANKING.recentPenalty : 1) * (0.5 + 0.5 * (movie.emotions[mood] ?? 0));
        });
        const ranked = await scorer.rank!({ user: taste, candidates: list, multipliers, limit: list.length });
        const order = Array.from(ranked.positions, (p) => ({ movie: list[p]! }));
        const { page, overCap } = diversifyPage(order, DEFAULT_RANKING.pageSize, DEFAULT_RANKING.maxPerPrimaryGenre);
        expect(overCap, mood).toBe(false);
        expect(page, mood).toHaveLength(DEFAULT_RANKING.pageSize);

        const result = await recommender.recommend(userId, mood, new Set());
        expect(result.coldStart).toBe(false);
        expect(result.picks.map((pick) => pick.movie.id), mood).toEqual(page.map(({ movie }) => movie.id));
        for (const pick of result.picks) expect(pick.score?.personalized).toBe(true);

        // Showing the page pushes those movies down (× recentPenalty) for the next turn of another mood.
        await repos.interactions.recordShown(userId, result.picks.map((pick) => pick.movie.id), mood, clock.now());
        clock.advance(60_000);
      }
    });
  });
});
