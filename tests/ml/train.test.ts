import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, featureNames, MISSING_VALUE } from '../../src/ml/features.ts';
import { parseManifest, sha256Hex } from '../../src/ml/manifest.ts';
import { describeOnnx } from '../../src/ml/onnx-export.ts';
import { syntheticCommunity } from '../../src/ml/synthetic.ts';
import { trainFeelmsModels } from '../../src/ml/train.ts';
import type { TrainedModels } from '../../src/ml/train.ts';
import { readCommunityDir, trainingDataHash, TrainingDataError } from '../../src/ml/training-data.ts';
import type { TrainingData } from '../../src/ml/training-data.ts';
import { movie } from './fixtures.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const at = (minutes: number) => new Date(Date.UTC(2024, 0, 1, 0, minutes));

describe('trainFeelmsModels on a hand-built history', () => {
  // User "a": views m1, favorites it, rates it 5, then views m2 (never favorited) and m1 again.
  // User "b": views m2 and favorites it; rates m1 2 (no view), to give the SVD a second user.
  const movies = [movie(1, { key: 'vega:1', genres: ['Comedy'], emotions: { happy: 0.9 } }), movie(2, { key: 'vega:2', genres: ['Horror'], emotions: { scared: 0.8 } })];
  const data: TrainingData = {
    movies,
    interactions: [
      { userKey: 'a', movieKey: 'vega:1', emotion: 'happy', kind: 'view', at: at(0) },
      { userKey: 'a', movieKey: 'vega:2', emotion: 'scared', kind: 'shown', at: at(1) },
      { userKey: 'a', movieKey: 'vega:2', emotion: null, kind: 'view', at: at(10) },
      { userKey: 'a', movieKey: 'vega:1', emotion: 'happy', kind: 'view', at: at(11) },
      { userKey: 'b', movieKey: 'vega:2', emotion: 'scared', kind: 'view', at: at(0) },
    ],
    favorites: [
      { userKey: 'a', movieKey: 'vega:1', at: at(2) },
      { userKey: 'b', movieKey: 'vega:2', at: at(1) },
    ],
    ratings: [
      { userKey: 'a', movieKey: 'vega:1', stars: 5, at: at(3) },
      { userKey: 'b', movieKey: 'vega:1', stars: 2, at: at(5) },
    ],
  };
  let models: TrainedModels;
  beforeAll(async () => {
    models = await trainFeelmsModels(data, { folds: 0, svd: { factors: 2, epochs: 5 }, forest: { trees: 3 }, createdAt: at(100) });
  });

  it('makes one row per first view, labelled by whether that movie was favorited', () => {
    const { matrix, labels } = models.forestRows;
    expect(matrix.rows).toBe(3);
    expect([...labels]).toEqual([1, 0, 1]); // a:vega:1, a:vega:2, b:vega:2 (users in key order)
  });

  it('builds each row only from what happened before the view', () => {
    const { matrix } = models.forestRows;
    const names = featureNames(models.manifest.features.genreVocabulary);
    const value = (row: number, name: string) => matrix.values[row * matrix.features + names.indexOf(name)]!;
    // a's first view: no history at all.
    expect(value(0, 'user_log_views')).toBe(0);
    expect(value(0, 'user_mean_rating')).toBe(MISSING_VALUE);
    expect(value(0, 'user_favorite_rate')).toBe(0);
    expect(value(0, 'user_emotion_affinity')).toBe(MISSING_VALUE);
    expect(value(0, 'movie_mood_weight')).toBeCloseTo(0.9, 6);
    // a's view of vega:2 comes after one view, one favorite and a 5-star rating of vega:1.
    expect(value(1, 'user_log_views')).toBeCloseTo(Math.log1p(1), 6);
    expect(value(1, 'user_mean_rating')).toBe(5);
    expect(value(1, 'user_favorite_rate')).toBe(1);
    expect(value(1, 'user_emotion_affinity')).toBe(0); // liked a happy movie; this one is scared
    expect(value(1, 'movie_mood_weight')).toBe(MISSING_VALUE); // viewed without a mood
    // Fold-in saw a's 5 on vega:1, so a's SVD feature differs from b's unknown-user one.
    expect(value(1, 'pair_svd_prediction')).not.toBe(value(2, 'pair_svd_prediction'));
  });

  it('records the id maps, the feature spec and hashes in a valid manifest', () => {
    const { manifest } = models;
    expect(() => parseManifest(JSON.parse(JSON.stringify(manifest)))).not.toThrow();
    expect(manifest.svd.itemKeys).toEqual(['vega:1', 'vega:2']); // rated or favorited movies: the SVD and the implicit model share this index
    expect(manifest.svd.userKeys).toEqual(['a', 'b']);
    expect(manifest.features.names.slice(0, FEATURE_NAMES.length)).toEqual([...FEATURE_NAMES]);
    expect(manifest.svd.sha256).toBe(sha256Hex(models.svdOnnx));
    expect(manifest.forest.sha256).toBe(sha256Hex(models.forestOnnx));
    expect(manifest.dataSha256).toBe(trainingDataHash(data));
    expect(manifest.createdAt).toBe(at(100).toISOString());
    expect(manifest.version).toBe(`20240101T014000Z-${manifest.dataSha256.slice(0, 8)}`);
    expect(describeOnnx(models.svdOnnx).version).toBe(manifest.svd.version);
    expect(manifest.metrics).toEqual({ svd: null, forest: null });
  });

  it('fails clearly without ratings or without both labels', async () => {
    await expect(trainFeelmsModels({ ...data, ratings: [] })).rejects.toThrow('no ratings');
    await expect(trainFeelmsModels({ ...data, favorites: [] }, { folds: 0 })).rejects.toThrow('favorited and non-favorited views');
    await expect(trainFeelmsModels({ ...data, ratings: [{ ...data.ratings[0]!, movieKey: 'vega:404' }] })).rejects.toThrow(TrainingDataError);
    await expect(trainFeelmsModels({ ...data, ratings: [{ ...data.ratings[0]!, stars: 9 }] })).rejects.toThrow('stars 9 outside [1, 5]');
  });
});

describe('trainFeelmsModels on a synthetic community', () => {
  const data = syntheticCommunity({ users: 150, movies: 300, seed: 3 });
  const createdAt = new Date('2025-02-03T04:05:06Z');
  let models: TrainedModels;
  beforeAll(async () => {
    models = await trainFeelmsModels(data, { folds: 3, seed: 5, createdAt });
  });

  it('cross-validates both models and learns the planted signal', () => {
    const { svd, forest } = models.metrics;
    expect(svd?.folds).toBe(3);
    expect(svd?.ratings).toBe(new Set(data.ratings.map((r) => `${r.userKey}|${r.movieKey}`)).size);
    // Stars are taste-driven: far better than their spread (SD ≈ 1.2 here).
    const stars = data.ratings.map((r) => r.stars);
    const meanStars = stars.reduce((a, b) => a + b, 0) / stars.length;
    const sd = Math.sqrt(stars.reduce((a, b) => a + (b - meanStars) ** 2, 0) / stars.length);
    expect(svd!.rmse).toBeLessThan(sd);
    expect(forest!.auc).toBeGreaterThan(0.65);
    expect(forest!.rows).toBe(models.forestRows.labels.length);
    for (const metric of [forest!.accuracy, forest!.precision, forest!.recall, forest!.f1]) expect(metric).toBeGreaterThan(0);
  });

  it('is reproducible: same data, seed and time → byte-identical models', async () => {
    const again = await trainFeelmsModels(data, { folds: 3, seed: 5, createdAt });
    expect(sha256Hex(again.svdOnnx)).toBe(sha256Hex(models.svdOnnx));
    expect(sha256Hex(again.forestOnnx)).toBe(sha256Hex(models.forestOnnx));
    expect(again.manifest).toEqual(models.manifest);
  });

  it('reports progress through every stage', async () => {
    const stages = new Set<string>();
    await trainFeelmsModels(data, { folds: 2, svd: { epochs: 2 }, forest: { trees: 2 } }, ({ stage, done, total }) => {
      expect(done).toBeLessThanOrEqual(total);
      stages.add(stage);
    });
    expect([...stages]).toEqual(['svd-cv', 'svd', 'features', 'forest-cv', 'forest', 'pipeline', 'export']);
  });
});

describe('trainingDataHash', () => {
  it('ignores the order the data was loaded in and changes with the data', () => {
    const data = syntheticCommunity({ users: 20, movies: 40, seed: 1 });
    const shuffled: TrainingData = { ...data, ratings: [...data.ratings].reverse(), movies: [...data.movies].reverse() };
    expect(trainingDataHash(shuffled)).toBe(trainingDataHash(data));
    const changed: TrainingData = { ...data, ratings: data.ratings.map((r, i) => (i === 0 ? { ...r, stars: r.stars === 5 ? 4 : 5 } : r)) };
    expect(trainingDataHash(changed)).not.toBe(trainingDataHash(data));
  });
});

describe('readCommunityDir', () => {
  let dir: string;
  const catalog = [movie(1, { key: 'vega:1' }), movie(2, { key: 'vega:2' })];
  const files = {
    'users.csv': 'userId,segment\n1,active\n2,casual\n',
    'interactions.csv': 'userId,movieId,emotion,kind,at\n1,vega:1,happy,view,2024-05-01T10:00:00Z\n2,vega:2,,shown,2024-05-02T10:00:00.000Z\n',
    'favorites.csv': 'userId,movieId,at\n1,vega:1,2024-05-01T11:00:00Z\n',
    'ratings.csv': 'userId,movieId,emotion,rating,at\r\n1,vega:1,happy,5,2024-05-01T12:00:00Z\r\n',
  };
  const write = async (overrides: Partial<Record<keyof typeof files, string>> = {}) => {
    for (const [name, text] of Object.entries({ ...files, ...overrides })) await writeFile(join(dir, name), text);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feelms-community-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the four files into TrainingData', async () => {
    await write();
    const data = await readCommunityDir(dir, catalog);
    expect(data.movies).toEqual(catalog);
    expect(data.interactions).toEqual([
      { userKey: '1', movieKey: 'vega:1', emotion: 'happy', kind: 'view', at: new Date('2024-05-01T10:00:00Z') },
      { userKey: '2', movieKey: 'vega:2', emotion: null, kind: 'shown', at: new Date('2024-05-02T10:00:00Z') },
    ]);
    expect(data.favorites).toEqual([{ userKey: '1', movieKey: 'vega:1', at: new Date('2024-05-01T11:00:00Z') }]);
    expect(data.ratings).toEqual([{ userKey: '1', movieKey: 'vega:1', stars: 5, at: new Date('2024-05-01T12:00:00Z') }]);
  });

  it.each([
    [{ 'interactions.csv': 'userId,movieId,emotion,kind,at\n1,vega:9,happy,view,2024-05-01T10:00:00Z\n' }, 'interactions.csv:2: movie "vega:9" is not in the catalog'],
    [{ 'interactions.csv': 'userId,movieId,emotion,kind,at\n1,vega:1,happy,click,2024-05-01T10:00:00Z\n' }, 'interactions.csv:2: kind "click"'],
    [{ 'interactions.csv': 'userId,movieId,emotion,kind,at\n1,vega:1,grumpy,view,2024-05-01T10:00:00Z\n' }, 'interactions.csv:2: emotion "grumpy"'],
    [{ 'favorites.csv': 'userId,movieId,at\n3,vega:1,2024-05-01T11:00:00Z\n' }, 'favorites.csv:2: user "3" is not in users.csv'],
    [{ 'ratings.csv': 'userId,movieId,emotion,rating,at\n1,vega:1,happy,7,2024-05-01T12:00:00Z\n' }, 'ratings.csv:2: rating "7"'],
    [{ 'ratings.csv': 'userId,movieId,emotion,rating,at\n1,vega:1,happy,4,05/01/2024\n' }, 'ratings.csv:2: time "05/01/2024"'],
    [{ 'favorites.csv': 'user,movieId,at\n' }, 'favorites.csv:1: missing column "userId"'],
  ])('names the file and line of bad data %#', async (overrides, message) => {
    await write(overrides);
    await expect(readCommunityDir(dir, catalog)).rejects.toThrow(message);
  });

  it('says which file is missing', async () => {
    await expect(readCommunityDir(scratchDir('empty'), catalog)).rejects.toThrow(/cannot read .*users\.csv/);
  });
});
