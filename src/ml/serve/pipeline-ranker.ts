/**
 * The served ranking pipeline, through onnxruntime-node: the bot, `npm run recommend` and
 * `npm run evaluate -- --ranking` all rank with this class, so what is measured is what is served.
 *
 * Per user: EASE scores every item from the user's history (one run); the best `shortlist`
 * candidates by implicit score × their multiplier (the bot's mood fit and "seen lately" penalty;
 * 1 offline) go to the forest, with the SVD's prediction from the user's folded-in ratings; the
 * shortlist is ordered by (P(pick) + implicitBlend × relative implicit score) × multiplier, and the
 * remaining candidates follow in implicit order.
 */
import { z } from 'zod';
import { foldInUser } from '../fold-in.ts';
import type { ItemRating } from '../fold-in.ts';
import { EASE_GRAPH_IO, FOREST_GRAPH_IO, readSvdGraphParameters, SVD_GRAPH_IO } from '../onnx-export.ts';
import { RANKER_FEATURE_COUNT, userStatistics, writeRankerRows } from '../ranker-features.ts';
import type { ItemStatistics } from '../ranker-features.ts';
import { OnnxModel } from '../runtime.ts';
import type { ModelSpec, RuntimeOptions } from '../runtime.ts';
import type { ScoringItemSide } from '../svd.ts';
import { topIndices } from '../../shared/top-indices.ts';

/** The pipeline's settings and item statistics: `pipeline.json` beside the three ONNX files. */
export const pipelineMetaSchema = z.object({
  nItems: z.number().int().positive(),
  shortlist: z.number().int().positive(),
  implicitBlend: z.number().min(0),
  foldIn: z.object({ factorRegularization: z.number(), biasRegularization: z.number(), priorCount: z.number(), biasPriorCount: z.number().optional() }),
  items: z.object({ users: z.array(z.number()), meanRating: z.array(z.number()), quality: z.array(z.number()), recentUsers: z.array(z.number()) }),
});
export type PipelineMeta = z.infer<typeof pipelineMetaSchema>;

/** The pipeline as bytes: what is written to disk, stored in the database and loaded by replicas. */
export interface PipelineBundle {
  ease: Uint8Array;
  svd: Uint8Array;
  ranker: Uint8Array;
  meta: PipelineMeta;
}

export interface RankRequest {
  /** Distinct items the user interacted with (viewed, rated, favorited). */
  history: ArrayLike<number>;
  /** Their ratings, for the SVD's fold-in. */
  ratings: readonly ItemRating[];
  candidates: ArrayLike<number>;
  /** Per candidate, ≥ 0; 0 keeps a candidate out of the shortlist. Absent: all 1. */
  multipliers?: ArrayLike<number>;
  /** How many ranked candidates to return (default: all). */
  limit?: number;
}

export interface RankedCandidates {
  /** Candidate positions (indices into `candidates`), best first. */
  positions: Int32Array;
  /** The pipeline's score per returned position; shortlisted candidates score above the rest. */
  scores: Float64Array;
  /** Per returned position: the SVD's predicted stars, NaN when it was not shortlisted or the SVD never saw the item. */
  stars: Float64Array;
}

const easeSpec = (n: number): ModelSpec => ({
  label: 'implicit',
  inputs: [{ name: EASE_GRAPH_IO.inputs.history, type: 'int64', shape: ['H'] }],
  outputs: [{ name: EASE_GRAPH_IO.outputs.scores, type: 'float32', shape: [n + 1] }],
});

const svdSpec = (k: number): ModelSpec => ({
  label: 'svd',
  inputs: [
    { name: SVD_GRAPH_IO.inputs.userFactors, type: 'float32', shape: [k] },
    { name: SVD_GRAPH_IO.inputs.userBias, type: 'float32', shape: [1] },
    { name: SVD_GRAPH_IO.inputs.itemIndex, type: 'int64', shape: ['N'] },
  ],
  outputs: [{ name: SVD_GRAPH_IO.outputs.predictedRating, type: 'float32', shape: ['N'] }],
});

const rankerSpec: ModelSpec = {
  label: 'ranker',
  inputs: [{ name: FOREST_GRAPH_IO.inputs.features, type: 'float32', shape: ['N', RANKER_FEATURE_COUNT], finiteGuaranteed: true }],
  outputs: [
    { name: FOREST_GRAPH_IO.outputs.label, type: 'int64', shape: ['N'] },
    { name: FOREST_GRAPH_IO.outputs.probabilities, type: 'float32', shape: ['N', 2] },
  ],
};

export class PipelineRanker {
  private readonly items: ItemStatistics;

  private constructor(
    readonly meta: PipelineMeta,
    private readonly ease: OnnxModel,
    private readonly svd: OnnxModel,
    private readonly ranker: OnnxModel,
    private readonly side: ScoringItemSide,
  ) {
    this.items = {
      users: Float32Array.from(meta.items.users),
      meanRating: Float32Array.from(meta.items.meanRating),
      quality: Float32Array.from(meta.items.quality),
      recentUsers: Float32Array.from(meta.items.recentUsers),
    };
  }

  get nItems(): number {
    return this.meta.nItems;
  }

  /** Whether the SVD was trained on ratings of this item (otherwise its ★ is only the global mean). */
  knowsStars(item: number): boolean {
    return item >= 0 && item < this.side.knownItems.length && this.side.knownItems[item] === 1;
  }

  /** How many users interacted with the item in training (0: the implicit model cannot retrieve it). */
  interactions(item: number): number {
    return this.items.users[item] ?? 0;
  }

  static async load(bundle: PipelineBundle, options: RuntimeOptions = {}): Promise<PipelineRanker> {
    const meta = pipelineMetaSchema.parse(bundle.meta);
    const n = meta.nItems;
    for (const key of ['users', 'meanRating', 'quality', 'recentUsers'] as const) {
      if (meta.items[key].length !== n) throw new RangeError(`pipeline item statistics "${key}" has ${meta.items[key].length} entries for ${n} items`);
    }
    const parameters = readSvdGraphParameters(bundle.svd);
    if (parameters.items !== n) throw new RangeError(`the SVD graph has ${parameters.items} items, the pipeline ${n}`);
    const ease = new OnnxModel(bundle.ease, easeSpec(n), options);
    const svd = new OnnxModel(bundle.svd, svdSpec(parameters.factors), options);
    const ranker = new OnnxModel(bundle.ranker, rankerSpec, options);
    try {
      await Promise.all([ease.init(), svd.init(), ranker.init()]);
    } catch (error) {
      // Sessions that did open must not outlive a failed load.
      await Promise.all([ease.release(), svd.release(), ranker.release()]);
      throw error;
    }
    return new PipelineRanker(meta, ease, svd, ranker, parameters);
  }

  async close(): Promise<void> {
    await Promise.all([this.ease.release(), this.svd.release(), this.ranker.release()]);
  }

  /** Every item's implicit score for a history (the last, padding score is dropped). */
  async implicitScores(history: ArrayLike<number>): Promise<Float32Array> {
    const n = this.meta.nItems;
    const known: number[] = [];
    for (let h = 0; h < history.length; h++) {
      const item = history[h]!;
      if (Number.isInteger(item) && item >= 0 && item < n) known.push(item);
    }
    if (known.length === 0) return new Float32Array(n);
    const out = await this.ease.run({ [EASE_GRAPH_IO.inputs.history]: { type: 'int64', data: BigInt64Array.from(known, BigInt), dims: [known.length] } });
    return (out[EASE_GRAPH_IO.outputs.scores]!.data as Float32Array).subarray(0, n);
  }

  async rank(request: RankRequest): Promise<RankedCandidates> {
    const { candidates, multipliers } = request;
    const count = candidates.length;
    if (request.limit !== undefined && !(Number.isInteger(request.limit) && request.limit >= 0)) throw new RangeError(`limit must be a non-negative integer, got ${request.limit}`);
    if (multipliers && multipliers.length !== count) throw new RangeError(`${multipliers.length} multipliers for ${count} candidates`);
    for (let c = 0; c < count; c++) {
      const item = candidates[c]!;
      // An index outside the model would reach the forest as NaN features: the caller maps movies the model does not know.
      if (!(Number.isInteger(item) && item >= 0 && item < this.meta.nItems)) throw new RangeError(`candidate ${c} is item ${item}, outside the model's ${this.meta.nItems} items`);
    }
    const limit = Math.min(count, request.limit ?? count);
    const implicit = await this.implicitScores(request.history);
    const retrieval = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const item = candidates[c]!;
      const multiplier = multipliers ? multipliers[c]! : 1;
      retrieval[c] = multiplier > 0 ? (implicit[item] ?? 0) * multiplier : Number.NEGATIVE_INFINITY;
    }
    const byRetrieval = (i: number, j: number) => retrieval[i]! > retrieval[j]! || (retrieval[i] === retrieval[j] && i < j);
    const shortlist = Int32Array.from(topIndices(count, Math.min(this.meta.shortlist, count), byRetrieval).filter((c) => retrieval[c]! > Number.NEGATIVE_INFINITY));
    const s = shortlist.length;

    const final = new Float64Array(s);
    const stars = new Float64Array(s);
    if (s > 0) {
      const items = Int32Array.from(shortlist, (c) => candidates[c]!);
      const vector = foldInUser(this.side, request.ratings.filter((r) => this.knowsStars(r.item)), this.meta.foldIn);
      const predicted = await this.predictStars(vector, items);
      const rows = new Float32Array(s * RANKER_FEATURE_COUNT);
      const implicitOfShortlist = Float64Array.from(items, (item) => implicit[item]!);
      writeRankerRows(rows, items, implicitOfShortlist, predicted, this.side, this.items, userStatistics(request.ratings, request.history.length, this.side.globalMean, vector?.bias ?? 0));
      const out = await this.ranker.run({ [FOREST_GRAPH_IO.inputs.features]: { type: 'float32', data: rows, dims: [s, RANKER_FEATURE_COUNT] } });
      const probabilities = out[FOREST_GRAPH_IO.outputs.probabilities]!.data as Float32Array;
      for (let r = 0; r < s; r++) {
        const multiplier = multipliers ? multipliers[shortlist[r]!]! : 1;
        final[r] = (probabilities[r * 2 + 1]! + this.meta.implicitBlend * rows[r * RANKER_FEATURE_COUNT + 1]!) * multiplier;
        stars[r] = this.knowsStars(items[r]!) ? predicted[r]! : Number.NaN;
      }
    }
    // The shortlist by its final score (ties keep implicit order), then everyone else by retrieval.
    const order = Array.from({ length: s }, (_, r) => r).sort((a, b) => final[b]! - final[a]! || a - b);
    const positions = new Int32Array(limit);
    const scores = new Float64Array(limit);
    const starsOut = new Float64Array(limit).fill(Number.NaN);
    let written = 0;
    for (const r of order) {
      if (written >= limit) break;
      positions[written] = shortlist[r]!;
      scores[written] = 1 + final[r]!; // above every non-shortlisted candidate (those score < 1)
      starsOut[written] = stars[r]!;
      written++;
    }
    if (written < limit) {
      // The shortlisted are placed: rank the others by retrieval alone.
      for (const c of shortlist) retrieval[c] = Number.NEGATIVE_INFINITY;
      const rest = topIndices(count, limit - written, byRetrieval);
      for (const c of rest) {
        if (written >= limit) break;
        if (retrieval[c] === Number.NEGATIVE_INFINITY) continue;
        positions[written] = c;
        scores[written] = Math.tanh(Math.max(0, retrieval[c]!)) * 0.999;
        written++;
      }
    }
    return { positions: positions.subarray(0, written), scores: scores.subarray(0, written), stars: starsOut.subarray(0, written) };
  }

  /** The SVD's stars for items, from a folded-in vector (null: the unknown-user estimate). */
  async predictStars(vector: { factors: Float64Array; bias: number } | null, items: Int32Array): Promise<Float64Array> {
    if (items.length === 0) return new Float64Array(0);
    const k = this.side.factors;
    const out = await this.svd.run({
      [SVD_GRAPH_IO.inputs.userFactors]: { type: 'float32', data: vector ? Float32Array.from(vector.factors) : new Float32Array(k), dims: [k] },
      [SVD_GRAPH_IO.inputs.userBias]: { type: 'float32', data: Float32Array.of(vector?.bias ?? 0), dims: [1] },
      [SVD_GRAPH_IO.inputs.itemIndex]: { type: 'int64', data: BigInt64Array.from(items, (i) => BigInt(this.knowsStars(i) ? i : this.side.knownItems.length)), dims: [items.length] },
    });
    return Float64Array.from(out[SVD_GRAPH_IO.outputs.predictedRating]!.data as Float32Array);
  }
}
