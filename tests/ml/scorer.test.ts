import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Movie } from '../../src/core/domain/movie.ts';
import type { UserTaste } from '../../src/core/ports/scorer.ts';
import { FeatureInputError, movieColumns, UserProfile, writeFeatureRows } from '../../src/ml/features.ts';
import { foldInUser } from '../../src/ml/fold-in.ts';
import { sha256Hex } from '../../src/ml/manifest.ts';
import type { ModelManifest } from '../../src/ml/manifest.ts';
import { readSvdGraphParameters } from '../../src/ml/onnx-export.ts';
import { loadScorer, OnnxScorer, PopularityScorer } from '../../src/ml/onnx-scorer.ts';
import type { MlLogger } from '../../src/ml/onnx-scorer.ts';
import { predictFromVector } from '../../src/ml/svd.ts';
import { syntheticCommunity } from '../../src/ml/synthetic.ts';
import { trainFeelmsModels, writeModelFiles } from '../../src/ml/train.ts';
import type { TrainedModels } from '../../src/ml/train.ts';
import { movie } from './fixtures.ts';

function recordingLogger() {
  const warnings: Array<{ obj: object; msg: string }> = [];
  const infos: Array<{ obj: object; msg: string }> = [];
  const logger: MlLogger = { warn: (obj, msg) => warnings.push({ obj, msg }), info: (obj, msg) => infos.push({ obj, msg }) };
  return { logger, warnings, infos };
}

describe('OnnxScorer', () => {
  const data = syntheticCommunity({ users: 120, movies: 250, seed: 4 });
  const byKey = new Map(data.movies.map((m) => [m.key, m]));
  let models: TrainedModels;
  let dir: string;
  let scorer: OnnxScorer;

  const tasteOf = (userKey: string): UserTaste => ({
    userId: Number(userKey),
    ratings: data.ratings.filter((r) => r.userKey === userKey).map((r) => ({ movie: byKey.get(r.movieKey)!, stars: r.stars })),
    favorites: data.favorites.filter((f) => f.userKey === userKey).map((f) => byKey.get(f.movieKey)!),
    viewCount: data.interactions.filter((x) => x.userKey === userKey && x.kind === 'view').length,
    shownCount: data.interactions.filter((x) => x.userKey === userKey && x.kind === 'shown').length,
  });
  const activeUser = () => [...new Set(data.ratings.map((r) => r.userKey))].sort((a, b) => tasteOf(b).ratings.length - tasteOf(a).ratings.length)[0]!;

  beforeAll(async () => {
    models = await trainFeelmsModels(data, { folds: 0, seed: 2, forest: { trees: 15, maxDepth: 8 } });
    dir = await mkdtemp(join(tmpdir(), 'feelms-models-'));
    await writeModelFiles(dir, models);
    const { logger, infos } = recordingLogger();
    const loaded = await loadScorer(dir, logger);
    expect(loaded).toBeInstanceOf(OnnxScorer);
    expect(infos[0]?.msg).toBe('loaded ONNX models');
    scorer = loaded as OnnxScorer;
  });

  afterAll(async () => {
    await scorer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is named after the model version', () => {
    expect(scorer.name).toBe(`onnx:${models.manifest.version}`);
  });

  it('matches the TypeScript models: fold-in + SVD within 1e-4, forest within 1e-5', async () => {
    const user = tasteOf(activeUser());
    expect(user.ratings.length).toBeGreaterThan(3);
    const candidates = data.movies.slice(0, 200);
    const scores = await scorer.score({ mood: 'romantic', user, candidates });
    const stars = await scorer.predictStars({ mood: 'romantic', user, candidates });
    expect(scores.map((s) => s.movieId)).toEqual(candidates.map((m) => m.id));

    // SVD: fold in against the served (float32) item side, predict in double precision. Movies the
    // SVD never saw are scored null; the stars-only stage gives them the unknown-item estimate.
    const side = { ...readSvdGraphParameters(models.svdOnnx) };
    const itemIndex = new Map(models.manifest.svd.itemKeys.map((key, i) => [key, i]));
    const vector = foldInUser(side, user.ratings.flatMap((r) => (itemIndex.has(r.movie.key) ? [{ item: itemIndex.get(r.movie.key)!, stars: r.stars }] : [])), models.manifest.svd.foldIn);
    expect(vector).not.toBeNull();
    candidates.forEach((candidate, j) => {
      const expected = predictFromVector(side, vector!.factors, vector!.bias, itemIndex.get(candidate.key) ?? -1);
      expect(Math.abs(stars[j]! - expected)).toBeLessThan(1e-4);
      const known = itemIndex.has(candidate.key) && side.knownItems[itemIndex.get(candidate.key)!] === 1;
      if (known) expect(Math.abs(scores[j]!.predictedStars! - expected)).toBeLessThan(1e-4);
      else expect(scores[j]).toEqual({ movieId: candidate.id, predictedStars: null, favoriteProbability: null, personalized: true });
    });
    expect(scores.filter((score) => score.predictedStars !== null).length).toBeGreaterThan(100);

    // Forest: the same feature module on the same inputs, through the in-memory forest.
    const spec = models.manifest.features;
    const features = new Float32Array(candidates.length * spec.names.length);
    writeFeatureRows(spec, 'romantic', UserProfile.fromTaste(user, spec), candidates.map((m) => movieColumns(m, spec)), stars, features);
    const expected = models.forest.predictProba({ rows: candidates.length, features: spec.names.length, values: features });
    scores.forEach((score, j) => {
      if (score.favoriteProbability !== null) expect(Math.abs(score.favoriteProbability - expected[j]!)).toBeLessThan(1e-5);
    });
  });

  it('notices when a movie with a known key changes, and re-encodes it', async () => {
    const user = tasteOf(activeUser());
    const spec = models.manifest.features;
    const expectedProbability = async (candidate: Movie) => {
      const [score] = await scorer.score({ mood: 'excited', user, candidates: [candidate] });
      const features = new Float32Array(spec.names.length);
      writeFeatureRows(spec, 'excited', UserProfile.fromTaste(user, spec), [movieColumns(candidate, spec)], [score!.predictedStars!], features);
      return { actual: score!.favoriteProbability!, expected: models.forest.predictProba({ rows: 1, features: spec.names.length, values: features })[0]! };
    };
    const original = data.movies.find((m) => models.manifest.svd.itemKeys.includes(m.key))!;
    const copies = [
      { ...original }, // fresh but equal
      { ...original, imdbRating: 1.5, imdbVotes: 5 }, // changed: must not reuse the cached columns
      { ...original, genres: ['Horror'], emotions: { scared: 1 } },
    ];
    for (const candidate of [original, ...copies]) {
      const { actual, expected } = await expectedProbability(candidate);
      expect(Math.abs(actual - expected)).toBeLessThan(1e-5);
    }
    await expect(scorer.score({ mood: 'happy', user, candidates: [{ ...original, runtimeMinutes: Number.NaN }] })).rejects.toThrow('runtimeMinutes is NaN');
  });

  it('predictStars agrees with score, and keeps item indices per frozen list without mixing lists up', async () => {
    const user = tasteOf(activeUser());
    const first = Object.freeze(data.movies.slice(0, 120));
    const second = Object.freeze(data.movies.slice(100, 250)); // overlaps the first, different positions
    const starsOf = async (candidates: readonly Movie[]) => Array.from(await scorer.predictStars({ mood: 'happy', user, candidates }));
    const fromScore = async (candidates: readonly Movie[]) => (await scorer.score({ mood: 'happy', user, candidates })).map((x) => x.predictedStars);
    for (const list of [first, second, first, second]) {
      const stars = await starsOf(list);
      const expected = await fromScore([...list]);
      expect(stars).toHaveLength(list.length);
      // score has no number for a movie the SVD never saw; predictStars has its fallback estimate.
      stars.forEach((value, j) => {
        if (expected[j] !== null) expect(Math.abs(value - expected[j]!)).toBeLessThan(1e-6);
      });
      expect(expected.filter((value) => value !== null).length).toBeGreaterThan(list.length / 2);
    }
    // A list that is not frozen is never cached: changing it in place changes the answer.
    const mutable = data.movies.slice(0, 50);
    const before = await starsOf(mutable);
    mutable.reverse();
    expect(await starsOf(mutable)).toEqual([...before].reverse());
  });

  it('scores users without ratings; says "no opinion" (null) for movies the models never saw instead of a default number', async () => {
    const newcomer: UserTaste = { userId: 999, ratings: [], favorites: [], viewCount: 0, shownCount: 0 };
    const stranger = movie(10_001, { key: 'imdb:tt999', genres: ['Western'] });
    const other = movie(10_002, { key: 'imdb:tt998', genres: ['Drama'], imdbRating: 8.8, imdbVotes: 2_000_000 });
    const known = data.movies.find((m) => models.manifest.svd.itemKeys.includes(m.key))!;
    const [forStranger, forKnown] = await scorer.score({ mood: 'happy', user: newcomer, candidates: [stranger, known] });
    const side = readSvdGraphParameters(models.svdOnnx);
    // An item the SVD never saw: no opinion, for a newcomer and for a known user alike (it used to be
    // the same unknown-item number, μ or μ + b_u, for every such movie).
    const noOpinion = (id: number) => ({ movieId: id, predictedStars: null, favoriteProbability: null, personalized: true });
    expect(forStranger).toEqual(noOpinion(stranger.id));
    expect(await scorer.score({ mood: 'happy', user: tasteOf(activeUser()), candidates: [stranger, other] })).toEqual([noOpinion(stranger.id), noOpinion(other.id)]);
    // Unknown user, known item: μ + b_i, and a probability.
    expect(forKnown!.predictedStars).toBeCloseTo(predictFromVector(side, null, 0, models.manifest.svd.itemKeys.indexOf(known.key)), 5);
    expect(forKnown!.favoriteProbability).toBeGreaterThanOrEqual(0);
    expect(forKnown!.favoriteProbability).toBeLessThanOrEqual(1);
    expect(forKnown!.personalized).toBe(true);
    // The stars-only stage still has a number for it (μ + b_u), to shortlist by.
    const [estimate] = await scorer.predictStars({ mood: 'happy', user: newcomer, candidates: [stranger] });
    expect(estimate).toBeCloseTo(side.globalMean, 5);
  });

  it('moves predictions toward the user’s own ratings', async () => {
    const rated = data.movies.filter((m) => models.manifest.svd.itemKeys.includes(m.key)).slice(0, 12);
    const lover: UserTaste = { userId: 1, ratings: rated.map((m) => ({ movie: m, stars: 5 })), favorites: [], viewCount: 12, shownCount: 0 };
    const hater: UserTaste = { ...lover, ratings: rated.map((m) => ({ movie: m, stars: 1 })) };
    const loved = await scorer.score({ mood: 'happy', user: lover, candidates: rated });
    const hated = await scorer.score({ mood: 'happy', user: hater, candidates: rated });
    const mean = (scores: typeof loved) => scores.reduce((sum, s) => sum + s.predictedStars!, 0) / scores.length;
    expect(mean(loved) - mean(hated)).toBeGreaterThan(1);
  });

  it('rejects NaN inputs and unknown moods with clear errors, and returns nothing for no candidates', async () => {
    const user = tasteOf(activeUser());
    const broken: Movie = movie(77, { imdbRating: Number.NaN });
    await expect(scorer.score({ mood: 'happy', user, candidates: [data.movies[0]!, broken] })).rejects.toThrow(FeatureInputError);
    await expect(scorer.score({ mood: 'happy', user, candidates: [broken] })).rejects.toThrow('movie test:77: imdbRating is NaN');
    await expect(scorer.score({ mood: 'happy', user: { ...user, ratings: [{ movie: data.movies[0]!, stars: Number.NaN }] }, candidates: data.movies.slice(0, 3) })).rejects.toThrow('is NaN');
    await expect(scorer.score({ mood: 'hangry' as never, user, candidates: data.movies.slice(0, 3) })).rejects.toThrow('unknown mood "hangry"');
    expect(await scorer.score({ mood: 'happy', user, candidates: [] })).toEqual([]);
  });

  describe('loadScorer falls back to popularity, with a warning, when', () => {
    const fallback = async (prepare: (copy: string) => Promise<void>) => {
      const copy = await mkdtemp(join(tmpdir(), 'feelms-broken-'));
      try {
        await cp(dir, copy, { recursive: true });
        await prepare(copy);
        const { logger, warnings } = recordingLogger();
        const loaded = await loadScorer(copy, logger);
        expect(loaded).toBeInstanceOf(PopularityScorer);
        expect(loaded.name).toBe('popularity');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]!.msg).toBe('cannot load ONNX models; falling back to popularity scoring');
        return (warnings[0]!.obj as { err: string }).err;
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    };
    const editManifest = (copy: string, edit: (manifest: ModelManifest) => void) => async () => {
      const path = join(copy, 'manifest.json');
      const manifest = JSON.parse(await readFile(path, 'utf8')) as ModelManifest;
      edit(manifest);
      await writeFile(path, JSON.stringify(manifest));
    };

    it('a model file is missing', async () => {
      expect(await fallback((copy) => unlink(join(copy, 'forest.onnx')))).toMatch(/cannot read .*forest\.onnx/);
    });

    it('a model file is corrupt', async () => {
      const message = await fallback(async (copy) => {
        const bytes = await readFile(join(copy, 'svd.onnx'));
        const middle = bytes.length >> 1;
        bytes[middle] = bytes[middle]! ^ 0xff;
        await writeFile(join(copy, 'svd.onnx'), bytes);
      });
      expect(message).toMatch(/svd\.onnx is corrupt or from another training run/);
    });

    it('a model file is garbage even though the manifest vouches for it', async () => {
      const message = await fallback(async (copy) => {
        const garbage = Buffer.from('not an onnx model');
        await writeFile(join(copy, 'forest.onnx'), garbage);
        await editManifest(copy, (m) => (m.forest.sha256 = sha256Hex(garbage)))();
      });
      expect(message).toMatch(/forest: cannot load ONNX model/);
    });

    it('the manifest names inputs the model does not have', async () => {
      const message = await fallback((copy) => editManifest(copy, (m) => (m.svd.inputs.userFactors = 'user_vector'))());
      expect(message).toMatch(/svd: model inputs are \[user_factors, user_bias, item_index\] but the manifest expects \[user_vector, user_bias, item_index\]/);
    });

    it('the manifest’s feature spec differs from this build’s', async () => {
      const message = await fallback((copy) => editManifest(copy, (m) => (m.features.names = [...m.features.names].reverse()))());
      expect(message).toMatch(/feature spec does not match this build/);
    });

    it('the manifest and the model disagree on the number of features', async () => {
      const message = await fallback((copy) =>
        editManifest(copy, (m) => {
          m.features.genreVocabulary = [...m.features.genreVocabulary, 'Extra'];
          m.features.names = [...m.features.names, 'genre_is_Extra'];
        })(),
      );
      expect(message).toMatch(/input "features" has shape \[N, \d+\], the manifest expects \[N, \d+\]/);
    });

    it('the manifest is invalid', async () => {
      expect(await fallback((copy) => editManifest(copy, (m) => delete (m.svd as Partial<ModelManifest['svd']>).itemKeys)())).toMatch(/not a valid model manifest: svd\.itemKeys/);
      expect(await fallback((copy) => writeFile(join(copy, 'manifest.json'), '{"schemaVersion":'))).toMatch(/is not JSON/);
    });

    it('the directory does not exist', async () => {
      const { logger, warnings } = recordingLogger();
      expect(await loadScorer(join(tmpdir(), 'feelms-no-such-dir'), logger)).toBeInstanceOf(PopularityScorer);
      expect(warnings).toHaveLength(1);
    });
  });
});

describe('PopularityScorer', () => {
  it('has no opinion about anyone: null stars and favorite chance, not personalized (cards show the film\'s own figures)', async () => {
    const candidates = [movie(1, { imdbRating: 9.5, imdbVotes: 50 }), movie(2, { imdbRating: 8.5, imdbVotes: 2_000_000 }), movie(4, { imdbRating: null, imdbVotes: null })];
    const scorer = new PopularityScorer();
    const user: UserTaste = { userId: 1, ratings: [{ movie: candidates[0]!, stars: 5 }], favorites: [], viewCount: 1, shownCount: 0 };
    expect(await scorer.score({ mood: 'happy', user, candidates })).toEqual(
      candidates.map((m) => ({ movieId: m.id, predictedStars: null, favoriteProbability: null, personalized: false })),
    );
    expect(scorer.name).toBe('popularity');
  });
});
