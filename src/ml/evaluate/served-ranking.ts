/**
 * Offline use of the served pipeline on a ratings file: train it on some records, load it through
 * onnxruntime exactly as the bot does (PipelineRanker), and rank every user's unseen items. Shared by
 * `npm run recommend` and `npm run evaluate -- --ranking`.
 */
import type { RatingsDataset } from '../datasets.ts';
import { PipelineRanker } from '../serve/pipeline-ranker.ts';
import type { ItemRating } from '../fold-in.ts';
import { exportPipeline, trainPipeline } from '../train/pipeline.ts';
import type { PipelineData, PipelineOptions, PipelineStage, TrainedPipeline } from '../train/pipeline.ts';

/** The records as pipeline events: every rating is an interaction, and its stars train the SVD. */
export function pipelineDataOf(ds: RatingsDataset, records: Int32Array): PipelineData {
  return {
    nUsers: ds.userIds.length,
    nItems: ds.itemIds.length,
    users: Int32Array.from(records, (j) => ds.users[j]!),
    items: Int32Array.from(records, (j) => ds.items[j]!),
    ratings: Float64Array.from(records, (j) => ds.ratings[j]!),
    timestamps: Float64Array.from(records, (j) => ds.timestamps[j]!),
    scale: ds.scale,
  };
}

export interface UserHistories {
  /** Per user: distinct items, ascending. */
  items: Int32Array[];
  ratings: ItemRating[][];
}

/** Each user's history in these records; a re-rated item keeps its latest rating (file order). */
export function historiesOf(ds: RatingsDataset, records: Int32Array): UserHistories {
  const latest = Array.from({ length: ds.userIds.length }, () => new Map<number, number>());
  for (const j of records) latest[ds.users[j]!]!.set(ds.items[j]!, ds.ratings[j]!);
  return {
    items: latest.map((m) => Int32Array.from(m.keys()).sort()),
    ratings: latest.map((m) => [...m].map(([item, stars]) => ({ item, stars }))),
  };
}

export interface ServedModel {
  trained: TrainedPipeline;
  ranker: PipelineRanker;
  trainSeconds: number;
}

/** Trains the pipeline on `records` and loads it the way the bot does (ONNX bytes → onnxruntime). */
export async function trainServedModel(
  ds: RatingsDataset,
  records: Int32Array,
  options: Partial<PipelineOptions> = {},
  onStage?: (stage: PipelineStage) => void,
): Promise<ServedModel> {
  const started = performance.now();
  const trained = trainPipeline(pipelineDataOf(ds, records), options, onStage);
  const ranker = await PipelineRanker.load(exportPipeline(trained, 'offline'));
  return { trained, ranker, trainSeconds: (performance.now() - started) / 1000 };
}

/** The user's top `k` items among those not in their history, as the bot ranks a list. */
export async function servedTopK(ranker: PipelineRanker, histories: UserHistories, user: number, k: number, candidatesOf?: (user: number) => Int32Array): Promise<Int32Array> {
  const history = histories.items[user]!;
  const candidates = candidatesOf ? candidatesOf(user) : unseenItems(ranker.nItems, history);
  const ranked = await ranker.rank({ history, ratings: histories.ratings[user]!, candidates, limit: k });
  return Int32Array.from(ranked.positions, (position) => candidates[position]!);
}

/** Items 0..n−1 not in a sorted history. */
export function unseenItems(n: number, sortedHistory: Int32Array): Int32Array {
  const out = new Int32Array(n - sortedHistory.length);
  let h = 0;
  let w = 0;
  for (let item = 0; item < n; item++) {
    if (h < sortedHistory.length && sortedHistory[h] === item) {
      h++;
      continue;
    }
    out[w++] = item;
  }
  return out.subarray(0, w);
}
