/**
 * The bot's ranking pipeline, offline, on a ratings file: the same training functions as
 * `npm run train` (indexRatings, the tuned SVD, trainRankingPipeline), the same export, and the same
 * TasteRanker the bot's scorer ranks with. Shared by `npm run recommend` and
 * `npm run evaluate -- --ranking`, so what they measure is what the bot serves.
 */
import type { CatalogMovie } from '../../catalog/catalog-movie.ts';
import { bareMovie, type Movie } from '../../core/domain/movie.ts';
import type { UserTaste } from '../../core/ports/scorer.ts';
import type { RatingsDataset } from '../datasets.ts';
import { PipelineRanker } from '../serve/pipeline-ranker.ts';
import { TasteRanker } from '../serve/taste-ranking.ts';
import { BEST_SVD_OPTIONS, resolveSvdOptions, trainSvd } from '../svd.ts';
import type { SvdModel } from '../svd.ts';
import { indexRatings, trainRankingPipeline } from '../train.ts';
import { exportPipeline } from '../train/pipeline.ts';
import type { PipelineOptions, TrainedPipeline } from '../train/pipeline.ts';
import type { TrainingData } from '../training-data.ts';

const MOVIE_SOURCE = 'ratings';

/**
 * One Movie per dataset item, index i ↔ `ds.itemIds[i]`, keyed `ratings:<raw id>`. Genres and mood
 * weights come from the movie file's rows (by raw id) when given; otherwise the movie is bare.
 * The list is frozen, like the catalog's mood lists, so the ranker caches its item indices.
 */
export function datasetMovies(ds: RatingsDataset, catalog?: ReadonlyMap<string, CatalogMovie>): readonly Movie[] {
  return Object.freeze(
    ds.itemIds.map((rawId, i): Movie => {
      const row = catalog?.get(rawId);
      const movie = bareMovie(i + 1, `${MOVIE_SOURCE}:${rawId}`, row?.title ?? `#${rawId}`);
      return row ? { ...movie, year: row.year, genres: row.genres, emotions: row.emotions } : movie;
    }),
  );
}

/** The records as the bot's training data: every rating is a pick (no separate favorites or views). */
export function trainingDataOf(ds: RatingsDataset, records: Int32Array, movies: readonly Movie[]): TrainingData {
  return {
    movies: [...movies],
    // Feelms' stars run 1–5; half stars below 1 (ml-latest) count as 1.
    ratings: Array.from(records, (j) => ({
      userKey: userKeyOf(ds, ds.users[j]!),
      movieKey: movies[ds.items[j]!]!.key,
      stars: Math.max(1, Math.min(5, ds.ratings[j]!)),
      at: new Date(ds.timestamps[j]!),
    })),
    interactions: [],
    favorites: [],
  };
}

function userKeyOf(ds: RatingsDataset, user: number): string {
  return `user:${ds.userIds[user]!}`;
}

/**
 * Each user's rated movies in these records, as the bot's UserTaste: the latest rating per movie by
 * time (ties: the later in the file), as training keeps it.
 */
export function tastesOf(ds: RatingsDataset, records: Int32Array, movies: readonly Movie[]): UserTaste[] {
  const latest = Array.from({ length: ds.userIds.length }, () => new Map<number, number>());
  const latestAt = Array.from({ length: ds.userIds.length }, () => new Map<number, number>());
  for (const j of records) {
    const user = ds.users[j]!;
    const item = ds.items[j]!;
    const at = ds.timestamps[j]!;
    if ((latestAt[user]!.get(item) ?? Number.NEGATIVE_INFINITY) > at) continue;
    latestAt[user]!.set(item, at);
    latest[user]!.set(item, Math.max(1, Math.min(5, ds.ratings[j]!)));
  }
  return latest.map((byItem, user) => ({
    userId: user + 1,
    ratings: [...byItem].map(([item, stars]) => ({ movie: movies[item]!, stars })),
    favorites: [],
    viewCount: byItem.size,
    shownCount: 0,
  }));
}

export interface ServedModel {
  ranker: TasteRanker;
  trained: TrainedPipeline;
  /** The tuned SVD fitted on every training rating (the "svd alone" baseline) and its user index. */
  svd: SvdModel;
  userIndex: ReadonlyMap<string, number>;
  /** Movie key → item index of the SVD and the pipeline. */
  itemIndex: ReadonlyMap<string, number>;
  trainSeconds: number;
}

/** Trains on `records` exactly as `npm run train` trains the bot's pipeline, and loads it through onnxruntime. */
export function trainServedModel(
  ds: RatingsDataset,
  records: Int32Array,
  movies: readonly Movie[],
  options: Partial<PipelineOptions> = {},
  onStage?: (stage: 'svd' | 'pipeline' | 'load') => void,
): Promise<ServedModel> {
  return trainServedModelOn(trainingDataOf(ds, records, movies), options, onStage);
}

/**
 * The bot's training steps for ranking, on any TrainingData: the same item index, the same tuned
 * SVD (`trainFeelmsModels` fits it with these options), the same pipeline training and export.
 * tests/ml/served-identity.test.ts checks that the result ranks exactly as the bot's scorer does.
 */
export async function trainServedModelOn(
  data: TrainingData,
  options: Partial<PipelineOptions> = {},
  onStage?: (stage: 'svd' | 'pipeline' | 'load') => void,
): Promise<ServedModel> {
  const started = performance.now();
  const seed = options.seed ?? 42;
  const { ratings, itemIndex, userKeys, matrix } = indexRatings(data);
  onStage?.('svd');
  const svd = trainSvd(matrix, resolveSvdOptions({ ...BEST_SVD_OPTIONS, seed }));
  onStage?.('pipeline');
  const trained = trainRankingPipeline(data, ratings, itemIndex, svd, { ...options, seed });
  if (trained === null) throw new RangeError('too few ratings to train the ranking pipeline');
  onStage?.('load');
  const ranker = new TasteRanker(await PipelineRanker.load(exportPipeline(trained, 'offline')), itemIndex);
  return {
    ranker,
    trained,
    svd,
    userIndex: new Map(userKeys.map((key, u) => [key, u])),
    itemIndex,
    trainSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * A user's top `k` among the movies whose multiplier is > 0, ranked as the bot ranks a warm
 * user's mood list (without the page's diversity cut), as dataset item indices.
 */
export async function servedTopK(model: ServedModel, taste: UserTaste, movies: readonly Movie[], multipliers: ArrayLike<number>, k: number): Promise<Int32Array> {
  const ranked = await model.ranker.rank({ user: taste, candidates: movies, multipliers, limit: k });
  return Int32Array.from(ranked.positions);
}

/** Multipliers that make every movie a candidate except the ones the user rated. */
export function unseenMultipliers(taste: UserTaste, n: number): Float64Array {
  const multipliers = new Float64Array(n).fill(1);
  for (const { movie } of taste.ratings) multipliers[movie.id - 1] = 0;
  return multipliers;
}
