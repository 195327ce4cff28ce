import { bayesianPrior } from '../core/recommend/recommend.ts';
import type { Emotion } from '../core/domain/emotions.ts';
import type { Movie } from '../core/domain/movie.ts';
import { kFoldSplits, stratifiedKFold } from './cross-validation.ts';
import { createFeatureSpec, genreVocabularyFor, movieColumns, UserProfile, writeFeatureRows } from './features.ts';
import type { FeatureSpec, MovieColumns } from './features.ts';
import { FoldInAccumulator, resolveFoldInOptions } from './fold-in.ts';
import type { FoldInOptions } from './fold-in.ts';
import { resolveForestOptions, trainForest } from './forest.ts';
import type { FeatureMatrix, ForestOptions, RandomForest } from './forest.ts';
import { FOREST_FILE, IMPLICIT_FILE, MANIFEST_SCHEMA_VERSION, parseManifest, RANKER_FILE, sha256Hex, SVD_FILE } from './manifest.ts';
import type { ModelFiles } from './model-files.ts';
import { RANKER_FEATURES } from './ranker-features.ts';
import { PipelineDataError, trainPipeline } from './train/pipeline.ts';
import type { PipelineData, PipelineOptions, TrainedPipeline } from './train/pipeline.ts';
import type { ModelManifest } from './manifest.ts';
import { binaryClassificationMetrics, mae, mean, rmse } from './metrics.ts';
import { exportEaseOnnx, exportForestOnnx, exportSvdOnnx, FOREST_GRAPH_IO, SVD_GRAPH_IO } from './onnx-export.ts';
import { BEST_SVD_OPTIONS, float32ItemSide, predictFromVector, resolveSvdOptions, trainSvd } from './svd.ts';
import type { RatingMatrix, SvdModel, SvdOptions } from './svd.ts';
import { RATING_MAX_STARS, RATING_MIN_STARS, TrainingDataError, trainingDataHash, validateTrainingData } from './training-data.ts';
import type { TrainingData, TrainingRating } from './training-data.ts';

/**
 * Trains the bot's two models from {@link TrainingData} and packages them for serving:
 *
 * 1. SVD on the ratings (tuned settings, {@link BEST_SVD_OPTIONS}), with k-fold RMSE/MAE.
 * 2. One forest row per first view of a (user, movie) pair, labelled 1 when the user favorited
 *    that movie. The row's user features and SVD fold-in use only events strictly before the
 *    view, replaying each user's history in time order, so training sees what serving will see
 *    (a candidate the user has not reacted to yet) and the label never leaks into its features.
 * 3. A random forest on those rows, with stratified k-fold accuracy/precision/recall/F1/AUC.
 * 4. ONNX export of both, and the manifest that ties them to the data and the feature spec.
 */

/**
 * The serving forest is far smaller than the 100-tree, depth-15 module default, on purpose.
 * onnxruntime's TreeEnsembleClassifier walks one row through one tree at a time: ≈ 9 ns per
 * (row, tree) plus ≈ 4–5 ns per level on this machine kind. 10,000 candidates through 100
 * depth-15 trees took 60–120 ms against the 5 ms budget; 8 depth-6 trees take ≈ 2.3 ms. On the
 * simulated community the small forest's cross-validated AUC equals the big one's (0.696 vs
 * 0.695; README: "Forest size for serving"): the favorite signal is smooth and low-dimensional.
 * A larger leaf minimum and 8 features per split (instead of √F) make each of the few trees
 * stronger and steadier.
 */
export const FEELMS_FOREST_OPTIONS: Readonly<Partial<ForestOptions>> = {
  trees: 8,
  maxDepth: 6,
  minSamplesLeaf: 20,
  maxFeatures: 8,
};

export interface TrainOptions {
  svd?: Partial<SvdOptions>;
  forest?: Partial<ForestOptions>;
  foldIn?: Partial<FoldInOptions>;
  /** Cross-validation folds for the recorded metrics; 0 skips cross-validation. Default 5. */
  folds?: number;
  /** Seeds the SVD, the forest and the folds unless their own options set a seed. Default 42. */
  seed?: number;
  /** Most frequent genres that get a one-hot column. Default 24. */
  maxGenres?: number;
  /** Recorded in the manifest and the model versions; defaults to now. Fix it for reproducible output. */
  createdAt?: Date;
  /** The ranking pipeline's settings (train/pipeline.ts); its holdout is by time. */
  pipeline?: Partial<PipelineOptions>;
}

export type TrainStage = 'svd-cv' | 'svd' | 'features' | 'forest-cv' | 'forest' | 'pipeline' | 'export';

export interface TrainProgress {
  stage: TrainStage;
  done: number;
  total: number;
}

export interface ForestRows {
  matrix: FeatureMatrix;
  labels: Uint8Array;
}

export interface TrainedModels extends ModelFiles {
  svdOnnx: Uint8Array;
  forestOnnx: Uint8Array;
  manifest: ModelManifest;
  /** Null when the data was too small for the ranking pipeline. */
  pipeline: TrainedPipeline | null;
  metrics: ModelManifest['metrics'];
  /** The in-memory models the ONNX files were exported from (parity tests, diagnostics). */
  svd: SvdModel;
  forest: RandomForest;
  forestRows: ForestRows;
}

export async function trainFeelmsModels(
  data: TrainingData,
  options: TrainOptions = {},
  onProgress?: (progress: TrainProgress) => void,
): Promise<TrainedModels> {
  validateTrainingData(data);
  const seed = options.seed ?? 42;
  const folds = options.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 0 || folds === 1) throw new RangeError(`folds must be 0 or an integer ≥ 2, got ${folds}`);
  const svdOptions = resolveSvdOptions({ ...BEST_SVD_OPTIONS, seed, ...options.svd });
  const forestOptions = resolveForestOptions({ ...FEELMS_FOREST_OPTIONS, seed, ...options.forest });
  const foldInOptions = resolveFoldInOptions(options.foldIn ?? {});
  const createdAt = options.createdAt ?? new Date();
  const progress = (stage: TrainStage, done: number, total: number) => onProgress?.({ stage, done, total });
  const dataSha256 = trainingDataHash(data);

  // --- SVD -------------------------------------------------------------------------------------
  const { ratings, itemKeys, userKeys, itemIndex, matrix } = indexRatings(data);

  let svdMetrics: ModelManifest['metrics']['svd'] = null;
  if (folds >= 2 && ratings.length >= folds * 2) {
    const rmses: number[] = [];
    const maes: number[] = [];
    const splits = kFoldSplits(ratings.length, folds, seed);
    for (let f = 0; f < splits.length; f++) {
      progress('svd-cv', f, folds);
      const split = splits[f]!;
      const model = trainSvd(matrix, svdOptions, split.train);
      const predicted = Float64Array.from(split.test, (j) => model.predict(matrix.users[j]!, matrix.items[j]!));
      const actual = Float64Array.from(split.test, (j) => matrix.ratings[j]!);
      rmses.push(rmse(predicted, actual));
      maes.push(mae(predicted, actual));
      await yieldToEventLoop();
    }
    progress('svd-cv', folds, folds);
    svdMetrics = { folds, rmse: mean(rmses), mae: mean(maes), ratings: ratings.length };
  }
  progress('svd', 0, svdOptions.epochs);
  const svd = trainSvd(matrix, svdOptions, undefined, ({ epoch, epochs }) => progress('svd', epoch, epochs));
  await yieldToEventLoop();

  // --- Forest rows -------------------------------------------------------------------------------
  const spec = createFeatureSpec(genreVocabularyFor(data.movies, options.maxGenres ?? 24));
  const forestRows = buildForestRows(data, spec, svd, itemIndex, foldInOptions, (done, total) => progress('features', done, total));
  const { labels } = forestRows;
  let positives = 0;
  for (const label of labels) positives += label;
  if (positives === 0 || positives === labels.length) {
    throw new TrainingDataError(`the forest needs favorited and non-favorited views; got ${positives} favorited of ${labels.length} views`);
  }
  await yieldToEventLoop();

  let forestMetrics: ModelManifest['metrics']['forest'] = null;
  if (folds >= 2 && positives >= folds && labels.length - positives >= folds) {
    const perFold: Array<ReturnType<typeof binaryClassificationMetrics>> = [];
    const splits = stratifiedKFold(labels, folds, seed);
    for (let f = 0; f < splits.length; f++) {
      progress('forest-cv', f, folds);
      const split = splits[f]!;
      const forest = trainForest(selectRows(forestRows.matrix, split.train), selectLabels(labels, split.train), forestOptions);
      const probabilities = forest.predictProba(selectRows(forestRows.matrix, split.test));
      perFold.push(binaryClassificationMetrics(probabilities, selectLabels(labels, split.test)));
      await yieldToEventLoop();
    }
    progress('forest-cv', folds, folds);
    const auc = mean(perFold.map((m) => m.auc));
    forestMetrics = {
      folds,
      rows: labels.length,
      positiveRate: positives / labels.length,
      accuracy: mean(perFold.map((m) => m.accuracy)),
      precision: mean(perFold.map((m) => m.precision)),
      recall: mean(perFold.map((m) => m.recall)),
      f1: mean(perFold.map((m) => m.f1)),
      auc: Number.isFinite(auc) ? auc : null,
    };
  }
  const forest = trainForest(forestRows.matrix, labels, forestOptions, ({ tree, trees }) => progress('forest', tree, trees));
  await yieldToEventLoop();

  // --- Ranking pipeline --------------------------------------------------------------------------
  progress('pipeline', 0, 1);
  // The pipeline folds users in as the scorer will serve them: with this training's fold-in settings.
  const pipeline = trainRankingPipeline(data, ratings, itemIndex, svd, { seed, foldIn: foldInOptions, ...options.pipeline });
  progress('pipeline', 1, 1);
  await yieldToEventLoop();

  // --- Export ------------------------------------------------------------------------------------
  progress('export', 0, 1);
  const version = `${compactTimestamp(createdAt)}-${dataSha256.slice(0, 8)}`;
  const svdOnnx = exportSvdOnnx(svd, { version: `svd-${version}`, description: 'Feelms SVD rating predictor' });
  const forestOnnx = exportForestOnnx(forest, { version: `forest-${version}`, description: 'Feelms will-favorite random forest' });
  const implicitOnnx = pipeline && exportEaseOnnx(pipeline.ease, { version: `implicit-${version}`, description: 'Feelms implicit item model (EASE)' });
  const rankerOnnx = pipeline && exportForestOnnx(pipeline.forest, { version: `ranker-${version}`, description: 'Feelms shortlist ranking forest' });
  const metrics = { svd: svdMetrics, forest: forestMetrics };
  const manifest = parseManifest({
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    version,
    createdAt: createdAt.toISOString(),
    dataSha256,
    ratingScale: matrix.scale,
    svd: {
      file: SVD_FILE,
      sha256: sha256Hex(svdOnnx),
      version: `svd-${version}`,
      inputs: { ...SVD_GRAPH_IO.inputs },
      outputs: { ...SVD_GRAPH_IO.outputs },
      factors: svd.factors,
      globalMean: svd.globalMean,
      itemKeys,
      userKeys,
      hyperparameters: svdOptions,
      foldIn: foldInOptions,
    },
    forest: {
      file: FOREST_FILE,
      sha256: sha256Hex(forestOnnx),
      version: `forest-${version}`,
      inputs: { ...FOREST_GRAPH_IO.inputs },
      outputs: { ...FOREST_GRAPH_IO.outputs },
      hyperparameters: forestOptions,
      nodeCount: forest.nodeCount(),
    },
    ...(pipeline && implicitOnnx && rankerOnnx
      ? {
        implicit: {
          file: IMPLICIT_FILE,
          sha256: sha256Hex(implicitOnnx),
          version: `implicit-${version}`,
          lambda: pipeline.ease.lambda,
          neighbours: pipeline.ease.neighbours,
          modelledItems: pipeline.ease.itemOfRow.length,
        },
        ranker: {
          file: RANKER_FILE,
          sha256: sha256Hex(rankerOnnx),
          version: `ranker-${version}`,
          hyperparameters: resolveForestOptions({ seed, ...pipeline.options.forest }),
          nodeCount: pipeline.forest.nodeCount(),
          features: [...RANKER_FEATURES],
          shortlist: pipeline.options.shortlist,
          implicitBlend: pipeline.options.implicitBlend,
          itemStatistics: {
            users: Array.from(pipeline.items.users),
            meanRating: Array.from(pipeline.items.meanRating),
            quality: Array.from(pipeline.items.quality),
            recentUsers: Array.from(pipeline.items.recentUsers),
          },
        },
        }
      : {}),
    features: spec,
    metrics,
  });
  progress('export', 1, 1);
  const files: Record<string, Uint8Array> = { [SVD_FILE]: svdOnnx, [FOREST_FILE]: forestOnnx };
  if (implicitOnnx && rankerOnnx) Object.assign(files, { [IMPLICIT_FILE]: implicitOnnx, [RANKER_FILE]: rankerOnnx });
  return { files, svdOnnx, forestOnnx, manifest, metrics, svd, forest, forestRows, pipeline };
}


/** The training ratings (the latest per user and movie) and the item and user indices every model shares. */
export function indexRatings(data: TrainingData): {
  ratings: TrainingRating[];
  itemKeys: string[];
  userKeys: string[];
  itemIndex: Map<string, number>;
  matrix: RatingMatrix;
} {
  const ratings = latestRatings(data);
  if (ratings.length === 0) throw new TrainingDataError('no ratings: the SVD needs at least one');
  // Rated and favorited movies: the SVD learns from the ratings, the implicit model from both, and
  // the two share this item index (favorited-only movies get the SVD's empty "unknown" rows).
  const itemKeys = [...new Set([...ratings.map((r) => r.movieKey), ...data.favorites.map((f) => f.movieKey)])].sort(compare);
  const userKeys = [...new Set(ratings.map((r) => r.userKey))].sort(compare);
  const itemIndex = new Map(itemKeys.map((key, i) => [key, i]));
  const userIndex = new Map(userKeys.map((key, i) => [key, i]));
  const matrix: RatingMatrix = {
    nUsers: userKeys.length,
    nItems: itemKeys.length,
    users: Int32Array.from(ratings, (r) => userIndex.get(r.userKey)!),
    items: Int32Array.from(ratings, (r) => itemIndex.get(r.movieKey)!),
    ratings: Float64Array.from(ratings, (r) => r.stars),
    scale: { min: RATING_MIN_STARS, max: RATING_MAX_STARS },
  };
  return { ratings, itemKeys, userKeys, itemIndex, matrix };
}

/**
 * The ranking pipeline on the bot's data (ratings and favorites over the SVD's item index, held out
 * by time unless `options.holdoutBy` says otherwise), with the already fitted SVD. Null when the
 * history is too small for a ranker: the models still serve, and the bot ranks with the blend.
 * `npm run recommend` and `evaluate --ranking` train through this same function.
 */
export function trainRankingPipeline(
  data: TrainingData,
  ratings: readonly TrainingRating[],
  itemIndex: ReadonlyMap<string, number>,
  svd: SvdModel,
  options: Partial<PipelineOptions> = {},
): TrainedPipeline | null {
  try {
    return trainPipeline(pipelineDataOf(data, ratings, itemIndex), { holdoutBy: 'time', ...options }, undefined, svd);
  } catch (error) {
    if (error instanceof PipelineDataError) return null;
    throw error;
  }
}

/**
 * The pipeline's events: every rating (with its stars) and every favorite (an implicit pick), over
 * the SVD's item index; users indexed in key order. Quality is the catalog's IMDb prior, the one
 * the cold start ranks by.
 */
function pipelineDataOf(data: TrainingData, ratings: readonly TrainingRating[], itemIndex: ReadonlyMap<string, number>): PipelineData {
  const favorites = data.favorites.filter((f) => itemIndex.has(f.movieKey));
  const userKeys = [...new Set([...ratings.map((r) => r.userKey), ...favorites.map((f) => f.userKey)])].sort(compare);
  const userIndex = new Map(userKeys.map((key, u) => [key, u]));
  const events = [
    ...ratings.map((r) => ({ user: r.userKey, movie: r.movieKey, stars: r.stars, at: r.at.getTime() })),
    ...favorites.map((f) => ({ user: f.userKey, movie: f.movieKey, stars: Number.NaN, at: f.at.getTime() })),
  ];
  const byKey = new Map(data.movies.map((movie) => [movie.key, movie]));
  const prior = bayesianPrior(data.movies, 25_000);
  const itemQuality = new Float32Array(itemIndex.size);
  for (const [key, i] of itemIndex) {
    const movie = byKey.get(key);
    // NaN: no IMDb figures (MovieLens titles); the pipeline then uses the movie's own mean rating.
    itemQuality[i] = movie && movie.imdbRating !== null ? prior(movie) : Number.NaN;
  }
  return {
    nUsers: userKeys.length,
    nItems: itemIndex.size,
    users: Int32Array.from(events, (e) => userIndex.get(e.user)!),
    items: Int32Array.from(events, (e) => itemIndex.get(e.movie)!),
    ratings: Float64Array.from(events, (e) => e.stars),
    timestamps: Float64Array.from(events, (e) => e.at),
    scale: { min: RATING_MIN_STARS, max: RATING_MAX_STARS },
    itemQuality,
  };
}

/** One rating per (user, movie): the latest, as the bot's database keeps it. Sorted by time for a stable SGD order. */
function latestRatings(data: TrainingData): TrainingData['ratings'] {
  const latest = new Map<string, TrainingData['ratings'][number]>();
  for (const rating of data.ratings) {
    const key = pairKey(rating.userKey, rating.movieKey);
    const previous = latest.get(key);
    if (previous === undefined || rating.at.getTime() >= previous.at.getTime()) latest.set(key, rating);
  }
  return [...latest.values()].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || compare(a.userKey, b.userKey) || compare(a.movieKey, b.movieKey),
  );
}

type TimelineEvent =
  | { at: number; order: 0; kind: 'view'; movie: Movie; emotion: Emotion | null }
  | { at: number; order: 1; kind: 'favorite'; movie: Movie }
  | { at: number; order: 1; kind: 'rating'; movie: Movie; stars: number };

/**
 * Replays every user's history in time order. At each first view of a movie the row is written
 * from the state so far; then the view is counted. Events at the same instant as a view come after
 * it, so nothing simultaneous leaks into the row.
 */
export function buildForestRows(
  data: TrainingData,
  spec: FeatureSpec,
  svd: SvdModel,
  itemIndex: ReadonlyMap<string, number>,
  foldIn: FoldInOptions,
  onProgress?: (done: number, total: number) => void,
): ForestRows {
  const movies = new Map(data.movies.map((movie) => [movie.key, movie]));
  const columns = new Map<string, MovieColumns>();
  const columnsOf = (movie: Movie) => {
    let value = columns.get(movie.key);
    if (value === undefined) {
      value = movieColumns(movie, spec);
      columns.set(movie.key, value);
    }
    return value;
  };
  const favorited = new Set(data.favorites.map((f) => pairKey(f.userKey, f.movieKey)));
  const timelines = new Map<string, TimelineEvent[]>();
  const push = (userKey: string, event: TimelineEvent) => {
    let events = timelines.get(userKey);
    if (events === undefined) timelines.set(userKey, (events = []));
    events.push(event);
  };
  for (const x of data.interactions) {
    if (x.kind === 'view') push(x.userKey, { at: x.at.getTime(), order: 0, kind: 'view', movie: movies.get(x.movieKey)!, emotion: x.emotion });
  }
  for (const f of data.favorites) push(f.userKey, { at: f.at.getTime(), order: 1, kind: 'favorite', movie: movies.get(f.movieKey)! });
  for (const r of latestRatings(data)) push(r.userKey, { at: r.at.getTime(), order: 1, kind: 'rating', movie: movies.get(r.movieKey)!, stars: r.stars });

  const side = float32ItemSide(svd);
  const width = spec.names.length;
  const userKeys = [...timelines.keys()].sort(compare);
  let capacity = 1024;
  let values = new Float32Array(capacity * width);
  const labels: number[] = [];
  const single = new Array<MovieColumns>(1);
  const prediction = new Float64Array(1);
  let done = 0;
  for (const userKey of userKeys) {
    const events = timelines.get(userKey)!;
    events.sort((a, b) => a.at - b.at || a.order - b.order);
    const profile = new UserProfile(spec);
    const accumulator = new FoldInAccumulator(side, foldIn);
    const seen = new Set<string>();
    for (const event of events) {
      if (event.kind === 'view') {
        if (!seen.has(event.movie.key)) {
          seen.add(event.movie.key);
          const vector = accumulator.solve();
          prediction[0] = predictFromVector(side, vector?.factors ?? null, vector?.bias ?? 0, itemIndex.get(event.movie.key) ?? -1);
          single[0] = columnsOf(event.movie);
          if (labels.length === capacity) {
            capacity *= 2;
            const grown = new Float32Array(capacity * width);
            grown.set(values);
            values = grown;
          }
          writeFeatureRows(spec, event.emotion, profile, single, prediction, values, labels.length);
          labels.push(favorited.has(pairKey(userKey, event.movie.key)) ? 1 : 0);
        }
        profile.addView();
      } else if (event.kind === 'favorite') {
        profile.addFavorite(event.movie);
      } else {
        profile.addRating(event.movie, event.stars);
        const item = itemIndex.get(event.movie.key);
        if (item !== undefined) accumulator.add(item, event.stars);
      }
    }
    onProgress?.(++done, userKeys.length);
  }
  return { matrix: { rows: labels.length, features: width, values: values.slice(0, labels.length * width) }, labels: Uint8Array.from(labels) };
}

export function selectRows(matrix: FeatureMatrix, rows: Int32Array): FeatureMatrix {
  const { features } = matrix;
  const values = new Float32Array(rows.length * features);
  for (let r = 0; r < rows.length; r++) values.set(matrix.values.subarray(rows[r]! * features, (rows[r]! + 1) * features), r * features);
  return { rows: rows.length, features, values };
}

export function selectLabels(labels: Uint8Array, rows: Int32Array): Uint8Array {
  return Uint8Array.from(rows, (r) => labels[r]!);
}

function pairKey(userKey: string, movieKey: string): string {
  return `${userKey}\u0000${movieKey}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Lets timers and progress output run between long synchronous stages. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export { writeModelFiles } from './model-files.ts';
