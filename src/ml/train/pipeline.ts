/**
 * Trains the served ranking pipeline: retrieval by the implicit item model (EASE), ranking of the
 * shortlist by a random forest, and the SVD whose prediction is a ranking feature and the ★ on
 * each card.
 *
 * The forest learns what the user picks next: the events are split once more (a seeded random
 * quarter held out), EASE and the SVD are fitted on the rest, and every user's shortlist of that
 * inner fit becomes rows labelled by whether the held-out quarter holds the movie. The final models
 * are then refitted on every event.
 */
import type { RatingScale } from '../datasets.ts';
import { foldInUser, resolveFoldInOptions } from '../fold-in.ts';
import type { FoldInOptions } from '../fold-in.ts';
import { resolveForestOptions, trainForest } from '../forest.ts';
import { exportEaseOnnx, exportForestOnnx, exportSvdOnnx } from '../onnx-export.ts';
import type { PipelineBundle } from '../serve/pipeline-ranker.ts';
import type { ForestOptions, RandomForest } from '../forest.ts';
import { RANKER_FEATURE_COUNT, shrunkMean, userStatistics, writeRankerRows } from '../ranker-features.ts';
import type { ItemStatistics } from '../ranker-features.ts';
import { BEST_SVD_OPTIONS, float32ItemSide, predictFromVector, resolveSvdOptions, trainSvd } from '../svd.ts';
import type { SvdModel, SvdOptions } from '../svd.ts';
import { createRng } from '../../shared/random.ts';
import { topIndices } from '../../shared/top-indices.ts';
import { easeScores, itemsByUser, resolveEaseOptions, trainEase } from './ease.ts';
import type { EaseModel, EaseOptions } from './ease.ts';

/** Events over dense user and item indices. */
export interface PipelineData {
  nUsers: number;
  nItems: number;
  users: Int32Array;
  items: Int32Array;
  /** Stars where the event is a rating; NaN for views and favorites. */
  ratings: Float64Array;
  scale: RatingScale;
  /** Per item 0–1; absent or NaN → the shrunk mean rating, rescaled. */
  itemQuality?: Float32Array;
  /** When each event happened (ms); needed for a `time` holdout. */
  timestamps?: Float64Array;
}

export interface PipelineOptions {
  ease: Partial<EaseOptions>;
  svd: Partial<SvdOptions>;
  forest: Partial<ForestOptions>;
  foldIn: Partial<FoldInOptions>;
  /** Movies the forest ranks per user; the rest keep the implicit order below them. */
  shortlist: number;
  /** Share of events held out to label the forest's rows. */
  holdout: number;
  /**
   * Which events are held out: a seeded random share (`random`: the user's next pick is any unseen
   * movie), or each user's latest share (`time`: what they turn to next; the bot's case).
   */
  holdoutBy: 'random' | 'time';
  /** Weight of the relative implicit score added to the forest's probability (see README). */
  implicitBlend: number;
  seed: number;
}

/**
 * The forest: shallow trees with large leaves give smooth probabilities; deep ones ranked worse
 * than EASE alone on the ML-100K protocol (NDCG@10 0.477 against 0.482).
 */
export const DEFAULT_PIPELINE_OPTIONS: Readonly<PipelineOptions> = {
  ease: {},
  svd: {},
  forest: { trees: 100, maxDepth: 6, minSamplesLeaf: 50, maxFeatures: 3 },
  foldIn: {},
  shortlist: 50,
  holdout: 0.25,
  holdoutBy: 'random',
  implicitBlend: 0.3,
  seed: 42,
};

export interface TrainedPipeline {
  ease: EaseModel;
  svd: SvdModel;
  forest: RandomForest;
  items: ItemStatistics;
  options: PipelineOptions;
  /** Rows and positives the forest learned from. */
  forestRows: number;
  forestPositives: number;
}

export type PipelineStage = 'implicit' | 'svd' | 'rows' | 'forest';

/** The data is too small or too uniform to train the pipeline (the bot then ranks without it). */
export class PipelineDataError extends RangeError {
  readonly code = 'PIPELINE_DATA';
}

export function resolvePipelineOptions(options: Partial<PipelineOptions> = {}): PipelineOptions {
  const o: PipelineOptions = { ...DEFAULT_PIPELINE_OPTIONS, ...options, forest: { ...DEFAULT_PIPELINE_OPTIONS.forest, ...options.forest } };
  resolveEaseOptions(o.ease);
  if (!Number.isInteger(o.shortlist) || o.shortlist < 1) throw new RangeError(`shortlist must be a positive integer, got ${o.shortlist}`);
  if (!(o.holdout > 0 && o.holdout < 1)) throw new RangeError(`holdout must be in (0, 1), got ${o.holdout}`);
  if (!(o.implicitBlend >= 0)) throw new RangeError(`implicitBlend must be ≥ 0, got ${o.implicitBlend}`);
  return o;
}

/**
 * `finalSvd`: an SVD already fitted on every rating with the same item indices (the bot trains one
 * for its cards); it is used instead of a second identical fit.
 */
export function trainPipeline(
  data: PipelineData,
  options: Partial<PipelineOptions> = {},
  onStage?: (stage: PipelineStage) => void,
  finalSvd?: SvdModel,
): TrainedPipeline {
  const o = resolvePipelineOptions(options);
  const all = Int32Array.from({ length: data.users.length }, (_, j) => j);
  const { inner, heldOut } = holdoutSplit(data, o);

  const stage = fitStage(data, Int32Array.from(inner), o, onStage);
  onStage?.('rows');
  const future = new Array<Set<number> | undefined>(data.nUsers);
  for (const j of heldOut) {
    const user = data.users[j]!;
    const item = data.items[j]!;
    if (stage.histories[user]!.includes(item)) continue; // seen in the inner part already: not a new pick
    (future[user] ??= new Set()).add(item);
  }
  const width = RANKER_FEATURE_COUNT;
  const values: number[] = [];
  const labels: number[] = [];
  const rowBuffer = new Float32Array(o.shortlist * width);
  const scores = new Float64Array(data.nItems);
  let positives = 0;
  for (let user = 0; user < data.nUsers; user++) {
    const liked = future[user];
    if (liked === undefined) continue;
    const shortlist = stage.shortlistFor(user, scores, o.shortlist);
    stage.writeRows(user, shortlist, scores, rowBuffer);
    for (let r = 0; r < shortlist.length; r++) {
      for (let f = 0; f < width; f++) values.push(rowBuffer[r * width + f]!);
      const label = liked.has(shortlist[r]!) ? 1 : 0;
      labels.push(label);
      positives += label;
    }
  }
  onStage?.('forest');
  const forestOptions = resolveForestOptions({ seed: o.seed, ...o.forest });
  if (positives === 0 || positives === labels.length) {
    throw new PipelineDataError(`the ranking forest needs picked and unpicked shortlist movies; got ${positives} of ${labels.length}`);
  }
  const forest = trainForest({ rows: labels.length, features: width, values: Float32Array.from(values) }, Uint8Array.from(labels), forestOptions);

  const final = fitStage(data, all, o, onStage, finalSvd);
  return { ease: final.ease, svd: final.svd, forest, items: final.items, options: o, forestRows: labels.length, forestPositives: positives };
}

function holdoutSplit(data: PipelineData, o: PipelineOptions): { inner: number[]; heldOut: number[] } {
  const inner: number[] = [];
  const heldOut: number[] = [];
  if (o.holdoutBy === 'random') {
    const rng = createRng(o.seed);
    for (let j = 0; j < data.users.length; j++) (rng.next() < o.holdout ? heldOut : inner).push(j);
    return { inner, heldOut };
  }
  const { timestamps } = data;
  if (!timestamps) throw new RangeError('a time holdout needs event timestamps');
  const byUser: number[][] = Array.from({ length: data.nUsers }, () => []);
  for (let j = 0; j < data.users.length; j++) byUser[data.users[j]!]!.push(j);
  for (const events of byUser) {
    events.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
    const cut = events.length - (events.length < 2 ? 0 : Math.max(1, Math.round(events.length * o.holdout)));
    for (let x = 0; x < events.length; x++) (x < cut ? inner : heldOut).push(events[x]!);
  }
  return { inner: inner.sort((a, b) => a - b), heldOut };
}

/** EASE, SVD and statistics fitted on some events, and how they turn a user into ranker rows. */
function fitStage(data: PipelineData, records: Int32Array, o: PipelineOptions, onStage?: (stage: PipelineStage) => void, fitted?: SvdModel) {
  onStage?.('implicit');
  const ease = trainEase(data, o.ease, records);
  const histories = itemsByUser(data, records);
  onStage?.('svd');
  const rated = records.filter((j) => Number.isFinite(data.ratings[j]!));
  if (rated.length === 0 && !fitted) throw new PipelineDataError('the pipeline needs ratings before its holdout; there are none');
  const svdOptions = resolveSvdOptions({ ...BEST_SVD_OPTIONS, seed: o.seed, ...o.svd });
  const svd = fitted ?? trainSvd({ nUsers: data.nUsers, nItems: data.nItems, users: data.users, items: data.items, ratings: data.ratings, scale: data.scale }, svdOptions, rated);
  if (svd.nItems !== data.nItems) throw new RangeError(`the SVD has ${svd.nItems} items, the pipeline data ${data.nItems}`);
  const side = float32ItemSide(svd);
  const items = itemStatistics(data, records, histories);
  const ratingsOf: Array<Array<{ item: number; stars: number }>> = Array.from({ length: data.nUsers }, () => []);
  for (const j of rated) ratingsOf[data.users[j]!]!.push({ item: data.items[j]!, stars: data.ratings[j]! });
  const foldIn = resolveFoldInOptions(o.foldIn);
  const globalMean = svd.globalMean;

  return {
    ease,
    svd,
    items,
    histories,
    /** The user's shortlist: the best implicit scores among the items they have not touched. */
    shortlistFor(user: number, scores: Float64Array, size: number): Int32Array {
      easeScores(ease, histories[user]!, scores);
      const seen = new Set(histories[user]);
      return Int32Array.from(bestUnseen(scores, seen, size));
    },
    writeRows(user: number, shortlist: Int32Array, scores: Float64Array, out: Float32Array): void {
      const vector = foldInUser(side, ratingsOf[user]!, foldIn);
      const svdPredictions = Float64Array.from(shortlist, (item) => predictFromVector(side, vector?.factors ?? null, vector?.bias ?? 0, item));
      const implicit = Float64Array.from(shortlist, (item) => scores[item]!);
      writeRankerRows(out, shortlist, implicit, svdPredictions, side, items, userStatistics(ratingsOf[user]!, histories[user]!.length, globalMean, vector?.bias ?? 0));
    },
  };
}

/** The pipeline as the bytes and metadata PipelineRanker loads. */
export function exportPipeline(trained: TrainedPipeline, version: string): PipelineBundle {
  return {
    ease: exportEaseOnnx(trained.ease, { version: `implicit-${version}`, description: 'Feelms implicit item model (EASE)' }),
    svd: exportSvdOnnx(trained.svd, { version: `svd-${version}`, description: 'Feelms SVD rating predictor' }),
    ranker: exportForestOnnx(trained.forest, { version: `ranker-${version}`, description: 'Feelms shortlist ranking forest' }),
    meta: {
      nItems: trained.ease.nItems,
      shortlist: trained.options.shortlist,
      implicitBlend: trained.options.implicitBlend,
      foldIn: resolveFoldInOptions(trained.options.foldIn),
      items: {
        users: Array.from(trained.items.users),
        meanRating: Array.from(trained.items.meanRating),
        quality: Array.from(trained.items.quality),
        recentUsers: Array.from(trained.items.recentUsers),
      },
    },
  };
}


function itemStatistics(data: PipelineData, records: Int32Array, histories: readonly Int32Array[]): ItemStatistics {
  const users = new Float32Array(data.nItems);
  for (const history of histories) for (const item of history) users[item]!++;
  const sum = new Float64Array(data.nItems);
  const count = new Float64Array(data.nItems);
  let total = 0;
  let n = 0;
  for (const j of records) {
    const stars = data.ratings[j]!;
    if (!Number.isFinite(stars)) continue;
    sum[data.items[j]!]! += stars;
    count[data.items[j]!]!++;
    total += stars;
    n++;
  }
  const globalMean = n > 0 ? total / n : (data.scale.min + data.scale.max) / 2;
  const meanRating = Float32Array.from(sum, (s, i) => shrunkMean(s, count[i]!, globalMean));
  const span = data.scale.max - data.scale.min;
  const fromRatings = (i: number) => (meanRating[i]! - data.scale.min) / span;
  const quality = Float32Array.from(meanRating, (_, i) => {
    const given = data.itemQuality?.[i];
    return given !== undefined && Number.isFinite(given) ? given : fromRatings(i);
  });
  return { users, meanRating, quality, recentUsers: recentUsers(data, records) };
}

/** Distinct users per item among the events in the newest fifth of the records' time span (zeros without timestamps). */
function recentUsers(data: PipelineData, records: Int32Array): Float32Array {
  const counts = new Float32Array(data.nItems);
  const { timestamps } = data;
  if (!timestamps || records.length === 0) return counts;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const j of records) {
    first = Math.min(first, timestamps[j]!);
    last = Math.max(last, timestamps[j]!);
  }
  const since = last - 0.2 * (last - first);
  const seen = new Set<number>();
  for (const j of records) {
    if (timestamps[j]! < since) continue;
    const pair = data.users[j]! * data.nItems + data.items[j]!;
    if (seen.has(pair)) continue;
    seen.add(pair);
    counts[data.items[j]!]!++;
  }
  return counts;
}

/** The `k` best scores among items not in `seen`, best first; ties go to the lower index. */
export function bestUnseen(scores: ArrayLike<number>, seen: ReadonlySet<number>, k: number): number[] {
  const better = (i: number, j: number) => {
    const a = seen.has(i) ? Number.NEGATIVE_INFINITY : scores[i]!;
    const b = seen.has(j) ? Number.NEGATIVE_INFINITY : scores[j]!;
    return a > b || (a === b && i < j);
  };
  return topIndices(scores.length, k, better).filter((item) => !seen.has(item));
}

