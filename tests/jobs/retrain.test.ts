import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultTrainingData } from '../../src/app/training-sources.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import type { MovieScore, ScoreRequest, Scorer } from '../../src/core/ports/scorer.ts';
import { openDatabase, type Database } from '../../src/infra/db/client.ts';
import { runExclusively } from '../../src/infra/db/exclusive-lock.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { ModelArtifactStore } from '../../src/infra/db/model-artifacts.ts';
import { OnnxScorer, PopularityScorer } from '../../src/ml/onnx-scorer.ts';
import { SwappableScorer } from '../../src/ml/swappable-scorer.ts';
import { trainFeelmsModels, writeModelFiles } from '../../src/ml/train.ts';
import type { TrainingData } from '../../src/ml/training-data.ts';
import { syncModel } from '../../src/jobs/model-sync.ts';
import { retrain, type RetrainDeps } from '../../src/jobs/retrain.ts';
import { splitHoldout } from '../../src/ml/holdout.ts';
import { trainInWorker } from '../../src/jobs/train-in-worker.ts';
import type { ModelFiles } from '../../src/ml/model-files.ts';
import { freshSqlite, hasMysql, freshMysql, TEST_MYSQL_URL, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const SMALL = defaultTrainingData({ users: 1000, seed: 5 });
const noData = (): Promise<TrainingData> => Promise.resolve({ movies: [], ratings: [], interactions: [], favorites: [] });
const trainHere = async (data: TrainingData): Promise<ModelFiles> => {
  const models = await trainFeelmsModels(data, { folds: 0 });
  return { files: models.files, manifest: models.manifest };
};

/**
 * Every scorer a test serves from, closed after it: onnxruntime sessions still open when the test
 * worker exits can crash it (seen once as "Worker exited unexpectedly" in a full run).
 */
const serving: SwappableScorer[] = [];
const swappable = (): SwappableScorer => {
  const scorer = new SwappableScorer(new PopularityScorer());
  serving.push(scorer);
  return scorer;
};
afterEach(async () => {
  for (const scorer of serving.splice(0)) {
    const active = scorer.active as { close?: () => Promise<void> };
    if (active.close) await active.close();
  }
});

describe('retraining', () => {
  let testDb: TestDatabase;
  let database: Database;
  let store: ModelArtifactStore;

  beforeAll(async () => {
    testDb = freshSqlite();
    await migrateDatabase(testDb.config, silentLogger);
    database = await openDatabase(testDb.config);
    store = new ModelArtifactStore(database.prisma);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });
  afterEach(async () => {
    await database.prisma.modelArtifact.deleteMany({});
  });

  const deps = (overrides: Partial<RetrainDeps>): RetrainDeps => ({
    database: testDb.config,
    modelsDir: scratchDir('models'),
    scorer: swappable(),
    store,
    logger: silentLogger,
    exportData: noData,
    bundledData: () => SMALL,
    train: trainHere,
    ...overrides,
  });

  it('GIVEN the popularity fallback is serving WHEN a model trains THEN it is written, published and swapped in without a restart', async () => {
    const d = deps({});
    const outcome = await retrain(d);
    expect(outcome.status).toBe('swapped');
    if (outcome.status !== 'swapped') return;
    // The popularity fallback predicts no stars: there is nothing to compare, any model that loads beats it.
    expect(outcome.servingRmse).toBeNull();
    expect(Number.isFinite(outcome.candidateRmse)).toBe(true);
    expect(d.scorer.name).toBe(`onnx:${outcome.version}`);
    expect(JSON.parse(readFileSync(join(d.modelsDir, 'manifest.json'), 'utf8')).version).toBe(outcome.version);
    expect(await store.activeVersion()).toBe(outcome.version);
    expect(await database.prisma.modelArtifact.count({ where: { active: true } })).toBe(5); // svd, forest, implicit, ranker, manifest
    // The swapped-in model serves requests.
    const movie = SMALL.movies.find((m) => m.key === SMALL.ratings[0]!.movieKey)!;
    const [score] = await d.scorer.score({ mood: 'happy', user: { userId: 1, ratings: [], favorites: [], viewCount: 0, shownCount: 0 }, candidates: [movie] });
    expect(score!.predictedStars).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('GIVEN a candidate much worse than the serving model THEN it is rejected and nothing changes', async () => {
    const d = deps({});
    const good = await trainHere(SMALL);
    await writeModelFiles(d.modelsDir, good);
    await d.scorer.swap(await OnnxScorer.load(d.modelsDir));
    const before = readFileSync(join(d.modelsDir, 'svd.onnx'));
    // A model trained on ratings with their stars scrambled predicts the holdout badly.
    const scrambled: TrainingData = { ...SMALL, ratings: SMALL.ratings.map((r, i) => ({ ...r, stars: 1 + ((i * 7) % 5) })) };
    const outcome = await retrain({ ...d, train: () => trainHere(scrambled) });
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.reason).toMatch(/worse than the serving model/);
    expect(readFileSync(join(d.modelsDir, 'svd.onnx')).equals(before)).toBe(true);
    expect(d.scorer.name).toBe(`onnx:${good.manifest.version}`);
    expect(await store.activeVersion()).toBeNull();
  }, 60_000);

  it('GIVEN a candidate whose stars are as good but whose ranking is worse THEN the NDCG gate rejects it and the serving model stays', async () => {
    const d = deps({});
    // Serving: the same training data the retrain job will use (its holdout left out), so the two
    // SVDs are identical and only the ranking differs.
    const good = await trainHere(splitHoldout(SMALL, 0.1).train);
    await writeModelFiles(d.modelsDir, good);
    await d.scorer.swap(await OnnxScorer.load(d.modelsDir));
    // The same SVD (same ratings and seed), but an implicit model that keeps one neighbour per
    // movie and a ranker told to ignore it: its stars match, its picks do not.
    const crippled = async (data: TrainingData): Promise<ModelFiles> => {
      const models = await trainFeelmsModels(data, { folds: 0, pipeline: { ease: { neighbours: 1 }, implicitBlend: 0, forest: { trees: 1, maxDepth: 1 } } });
      return { files: models.files, manifest: models.manifest };
    };
    const outcome = await retrain({ ...d, train: crippled });
    expect(outcome.status).toBe('rejected');
    if (outcome.status !== 'rejected') return;
    expect(outcome.reason).toMatch(/holdout NDCG@10 .* is worse than the serving model's/);
    expect(outcome.candidateNdcg!).toBeLessThan(outcome.servingNdcg!);
    expect(d.scorer.name).toBe(`onnx:${good.manifest.version}`);
    expect(await store.activeVersion()).toBeNull();
  }, 120_000);

  it('GIVEN a candidate that does not load THEN it is rejected and the serving model stays', async () => {
    const d = deps({});
    const broken = async (data: TrainingData): Promise<ModelFiles> => {
      const good = await trainHere(data);
      return { ...good, files: { ...good.files, [good.manifest.forest.file]: new Uint8Array([1, 2, 3]) } };
    };
    const outcome = await retrain({ ...d, train: broken });
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.reason).toMatch(/does not load/);
    expect(d.scorer.name).toBe('popularity');
    expect(existsSync(join(d.modelsDir, 'manifest.json'))).toBe(false);
  }, 60_000);

  it('GIVEN a published model WHEN another replica syncs THEN it serves the same version; a second sync does nothing', async () => {
    const published = await retrain(deps({}));
    expect(published.status).toBe('swapped');
    const replica = { modelsDir: scratchDir('replica'), scorer: swappable(), store, logger: silentLogger };
    expect(await syncModel(replica)).toBe('swapped');
    expect(replica.scorer.name).toBe(published.status === 'swapped' ? `onnx:${published.version}` : '');
    expect(existsSync(join(replica.modelsDir, 'svd.onnx'))).toBe(true);
    expect(await syncModel(replica)).toBe('up to date');
  }, 60_000);

  it('GIVEN training in a worker thread THEN the bundle loads as an ONNX scorer', async () => {
    const bundle = await trainInWorker(defaultTrainingData({ users: 60, seed: 9 }), { folds: 0 });
    const dir = scratchDir('worker');
    await writeModelFiles(dir, bundle);
    const scorer = await OnnxScorer.load(dir);
    expect(scorer.name).toBe(`onnx:${bundle.manifest.version}`);
    await scorer.close();
  }, 60_000);
});

describe('SwappableScorer', () => {
  class SlowScorer implements Scorer {
    closed = false;
    constructor(readonly name: string, private readonly gate: Promise<void>) {}
    async score(request: ScoreRequest): Promise<MovieScore[]> {
      await this.gate;
      return request.candidates.map((movie) => ({ movieId: movie.id, predictedStars: 3, favoriteProbability: 0.5, personalized: true }));
    }
    close() {
      this.closed = true;
      return Promise.resolve();
    }
  }

  it('GIVEN a request in flight WHEN the model is swapped THEN the request finishes on the old model, which is closed afterwards', async () => {
    let release: () => void = () => undefined;
    const old = new SlowScorer('old', new Promise((resolve) => (release = resolve)));
    const next = new SlowScorer('new', Promise.resolve());
    const scorer = new SwappableScorer(old);
    const movie = SMALL.movies[0]!;
    const request = { mood: 'happy' as const, user: { userId: 1, ratings: [], favorites: [], viewCount: 0, shownCount: 0 }, candidates: [movie] };
    const inFlight = scorer.score(request);
    await scorer.swap(next);
    expect(scorer.name).toBe('new');
    expect(old.closed).toBe(false);
    release();
    expect(await inFlight).toHaveLength(1);
    expect(old.closed).toBe(true);
    expect(next.closed).toBe(false);
  });
});

describe.skipIf(!hasMysql)('one retrain at a time across replicas (MySQL GET_LOCK)', () => {
  it('GIVEN another connection holds the lock THEN the job is skipped; WHEN that holder dies THEN the next run proceeds', async () => {
    const db = await freshMysql('lock');
    try {
      const holder = await mysql.createConnection({ uri: TEST_MYSQL_URL });
      const [rows] = await holder.query<mysql.RowDataPacket[]>("SELECT GET_LOCK('feelms:retrain', 0) AS ok");
      expect(rows[0]?.['ok']).toBe(1);
      let ran = 0;
      expect(await runExclusively(db.config, 'feelms:retrain', () => Promise.resolve(++ran))).toEqual({ ran: false });
      holder.destroy(); // a killed replica: its connection goes, and the lock with it
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await runExclusively(db.config, 'feelms:retrain', () => Promise.resolve(++ran))).toEqual({ ran: true, result: 1 });
    } finally {
      await db.drop();
    }
  });
});
