/**
 * Retraining from what users did (the use case behind the nightly job):
 * 1. only one replica at a time (runExclusively: MySQL GET_LOCK on a dedicated connection);
 * 2. training data = the bundled simulated community + the database's ratings, favorites and
 *    interactions; the newest 10 % of ratings are held out;
 * 3. train in a worker thread, write the candidate to a scratch folder and load it: a model that
 *    does not load cleanly is rejected;
 * 4. compare candidate and serving model on the holdout through the Scorer port: the candidate
 *    replaces the serving one only when its RMSE is within 2 % of it (or better) and its served
 *    ranking's NDCG@10 within 2 % of it (or better);
 * 5. publish: models/ on disk (atomic renames), model_artifacts in the database (so other replicas
 *    pick it up), and a hot swap of the scorer, without a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '../config.ts';
import type { Movie } from '../core/domain/movie.ts';
import type { Logger } from '../core/ports/logger.ts';
import { holdoutNdcg, holdoutRmse, splitHoldout } from '../ml/holdout.ts';
import { OnnxScorer } from '../ml/onnx-scorer.ts';
import type { SwappableScorer } from '../ml/swappable-scorer.ts';
import { writeModelFiles } from '../ml/model-files.ts';
import type { ModelFiles } from '../ml/model-files.ts';
import type { TrainingData } from '../ml/training-data.ts';
import type { ModelArtifactStore } from '../infra/db/model-artifacts.ts';
import { runExclusively } from '../infra/db/exclusive-lock.ts';

/** The candidate may be at most this much worse than the serving model on the holdout. */
export const MAX_RMSE_REGRESSION = 0.02;
/**
 * Nor may its ranking (holdout NDCG@10 of the served pipeline) be more than this much worse: the
 * same holdout measured twice differs by about this much between equally good models.
 */
export const MAX_NDCG_REGRESSION = 0.02;

export interface RetrainDeps {
  database: DatabaseConfig;
  modelsDir: string;
  scorer: SwappableScorer;
  store: ModelArtifactStore;
  logger: Logger;
  /** The database's own history. */
  exportData: () => Promise<TrainingData>;
  /** The bundled training set (the simulated community). */
  bundledData: () => TrainingData;
  train: (data: TrainingData) => Promise<ModelFiles>;
  onnxThreads?: number;
}

export type RetrainOutcome =
  | { status: 'skipped'; reason: 'another replica is retraining' }
  | { status: 'rejected'; reason: string; candidateRmse: number | null; servingRmse: number | null; candidateNdcg?: number | null; servingNdcg?: number | null }
  /**
   * servingRmse / servingNdcg are null when the serving scorer predicts no stars or has no ranking
   * pipeline (the popularity fallback, older models): any model that loads beats it there.
   */
  | { status: 'swapped'; version: string; candidateRmse: number; servingRmse: number | null; candidateNdcg: number | null; servingNdcg: number | null };

function merge(base: TrainingData, extra: TrainingData): TrainingData {
  const movies = new Map<string, Movie>(base.movies.map((movie) => [movie.key, movie]));
  for (const movie of extra.movies) movies.set(movie.key, movie);
  return {
    movies: [...movies.values()],
    ratings: [...base.ratings, ...extra.ratings],
    interactions: [...base.interactions, ...extra.interactions],
    favorites: [...base.favorites, ...extra.favorites],
  };
}

export async function retrain(deps: RetrainDeps): Promise<RetrainOutcome> {
  const outcome = await runExclusively(deps.database, 'feelms:retrain', () => retrainLocked(deps));
  return outcome.ran ? outcome.result : { status: 'skipped', reason: 'another replica is retraining' };
}

async function retrainLocked(deps: RetrainDeps): Promise<RetrainOutcome> {
  const log = deps.logger;
  const fromDatabase = await deps.exportData();
  // Only movies the bundled set or the database's history mention matter; the catalog can be large.
  const data = merge(deps.bundledData(), fromDatabase);
  const split = splitHoldout(data, 0.1);
  log.info({ ratings: data.ratings.length, fromDatabase: fromDatabase.ratings.length, holdout: split.holdout.length }, 'retraining');

  let trained: ModelFiles;
  try {
    trained = await deps.train(split.train);
  } catch (error) {
    return { status: 'rejected', reason: `training failed: ${(error as Error).message}`, candidateRmse: null, servingRmse: null };
  }
  const scratch = await mkdtemp(join(tmpdir(), 'feelms-candidate-'));
  let candidate: OnnxScorer | null = null;
  try {
    try {
      await writeModelFiles(scratch, trained);
      candidate = await OnnxScorer.load(scratch, { intraOpNumThreads: deps.onnxThreads ?? 1 });
    } catch (error) {
      return { status: 'rejected', reason: `the new model does not load: ${(error as Error).message}`, candidateRmse: null, servingRmse: null };
    }
    const candidateRmse = await holdoutRmse(candidate, split, data.movies);
    const servingHoldout = await holdoutRmse(deps.scorer.active, split, data.movies);
    const servingRmse = Number.isFinite(servingHoldout) ? servingHoldout : null;
    if (!Number.isFinite(candidateRmse)) {
      return { status: 'rejected', reason: 'the new model gives no usable predictions on the holdout', candidateRmse: null, servingRmse };
    }
    if (servingRmse !== null && candidateRmse > servingRmse * (1 + MAX_RMSE_REGRESSION)) {
      return {
        status: 'rejected',
        reason: `holdout RMSE ${candidateRmse.toFixed(4)} is worse than the serving model's ${servingRmse.toFixed(4)} by more than ${MAX_RMSE_REGRESSION * 100} %`,
        candidateRmse,
        servingRmse,
      };
    }
    const candidateRanking = await holdoutNdcg(candidate, split, data.movies);
    const servingRanking = await holdoutNdcg(deps.scorer.active, split, data.movies);
    const candidateNdcg = Number.isFinite(candidateRanking) ? candidateRanking : null;
    const servingNdcg = Number.isFinite(servingRanking) ? servingRanking : null;
    if (servingNdcg !== null && (candidateNdcg === null || candidateNdcg < servingNdcg * (1 - MAX_NDCG_REGRESSION))) {
      return {
        status: 'rejected',
        reason:
          candidateNdcg === null
            ? `the new model has no ranking pipeline (too little history?) while the serving one ranks at NDCG@10 ${servingNdcg.toFixed(4)}`
            : `holdout NDCG@10 ${candidateNdcg.toFixed(4)} is worse than the serving model's ${servingNdcg.toFixed(4)} by more than ${MAX_NDCG_REGRESSION * 100} %`,
        candidateRmse,
        servingRmse,
        candidateNdcg,
        servingNdcg,
      };
    }
    await writeModelFiles(deps.modelsDir, trained);
    await deps.store.publish({
      version: trained.manifest.version,
      files: trained.files,
      manifest: `${JSON.stringify(trained.manifest, null, 2)}\n`,
      metrics: { ...trained.manifest.metrics, holdoutRmse: candidateRmse, servingHoldoutRmse: servingRmse, holdoutNdcg: candidateNdcg, servingHoldoutNdcg: servingNdcg },
      dataHash: trained.manifest.dataSha256,
    });
    await deps.scorer.swap(candidate);
    candidate = null;
    log.info({ version: trained.manifest.version, candidateRmse, servingRmse, candidateNdcg, servingNdcg }, 'new model in service');
    return { status: 'swapped', version: trained.manifest.version, candidateRmse, servingRmse, candidateNdcg, servingNdcg };
  } finally {
    await candidate?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
