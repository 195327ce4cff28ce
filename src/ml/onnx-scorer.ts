import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMOTIONS, isEmotion } from '../core/domain/emotions.ts';
import type { Movie } from '../core/domain/movie.ts';
import type { MovieScore, RankedCandidates, RankRequest, ScoreRequest, Scorer, SimilarRequest } from '../core/ports/scorer.ts';
import { FeatureInputError, featureSpecMismatch, movieColumns, UserProfile, writeFeatureRows } from './features.ts';
import type { FeatureSpec, MovieColumns } from './features.ts';
import { FoldInAccumulator } from './fold-in.ts';
import type { FoldInOptions, ItemSide } from './fold-in.ts';
import { MANIFEST_FILE, ManifestError, readManifest, sha256Hex } from './manifest.ts';
import type { ModelManifest } from './manifest.ts';
import { readSvdGraphParameters } from './onnx-export.ts';
import { OnnxModel } from './runtime.ts';
import { PipelineRanker } from './serve/pipeline-ranker.ts';
import { TasteRanker } from './serve/taste-ranking.ts';
import type { ModelSpec, RuntimeOptions } from './runtime.ts';

/** The logging the scorers need; pino's logger satisfies it. */
export interface MlLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

interface MovieEntry {
  /** The object the entry was last confirmed against. */
  movie: Movie;
  columns: MovieColumns;
  itemIndex: number;
}

/** Whether two movies agree on every field the features read. */
function sameFeatureFields(a: Movie, b: Movie): boolean {
  if (a.runtimeMinutes !== b.runtimeMinutes || a.imdbRating !== b.imdbRating || a.imdbVotes !== b.imdbVotes || a.year !== b.year) return false;
  if (a.genres.length !== b.genres.length) return false;
  for (let g = 0; g < a.genres.length; g++) if (a.genres[g] !== b.genres[g]) return false;
  for (const emotion of EMOTIONS) if (a.emotions[emotion] !== b.emotions[emotion]) return false;
  return true;
}

/**
 * int64 indices are written as two little-endian 32-bit words through an Int32Array view, which
 * avoids creating 10,000 BigInts per request (≈ 0.25–0.8 ms). Indices are < 2³¹, so the high word
 * stays 0. On a big-endian host the words swap, so the BigInt path is kept for it.
 */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function int64Indices(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  if (LITTLE_ENDIAN) {
    const words = new Int32Array(out.buffer);
    for (let j = 0; j < values.length; j++) words[2 * j] = values[j]!;
  } else {
    for (let j = 0; j < values.length; j++) out[j] = BigInt(values[j]!);
  }
  return out;
}

export class ModelLoadError extends Error {
  readonly code = 'MODEL_LOAD';
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/**
 * Scores candidates with the trained SVD and forest through onnxruntime-node.
 *
 * Per request: fold the user's ratings into a user vector (ridge least squares against the served
 * item factors, see fold-in.ts; no usable ratings → the unknown-user estimate), ONE SVD run over
 * all candidates, the forest's feature rows from the same feature module training used, ONE forest
 * run. Candidates the SVD never saw are scored null (no opinion), not an error; `predictStars`
 * gives them the unknown-item estimate μ + b_u, which is only used to shortlist.
 */
export class OnnxScorer implements Scorer {
  readonly name: string;
  private readonly itemIndex: ReadonlyMap<string, number>;
  private readonly unknownItem: number;
  /**
   * Per-movie work (feature columns, item index) cached by movie key. Encoding a movie costs
   * ≈ 1.7 µs (17 ms for 10,000 candidates); a cache hit costs a map lookup when the caller passes
   * the same Movie object again, plus a comparison of the feature fields when it passes a fresh
   * but equal object (e.g. re-read from the database), so a changed movie is re-encoded.
   */
  private readonly movieCache = new Map<string, MovieEntry>();
  /**
   * The SVD's item-index input per frozen candidate list. The core passes a mood's whole catalog list
   * (the same array until the catalog reloads) to predictStars, so this saves 3,500 lookups and two
   * arrays per /feel; a reload's new lists get new entries and the old ones go with their arrays.
   */
  private readonly listIndices = new WeakMap<readonly Movie[], BigInt64Array>();
  /**
   * Reused feature buffers: allocating a fresh 10,000 × 23 float32 matrix per request cost 0.5 ms
   * at the median and up to 8 ms at p99 (zeroing plus GC). Concurrent requests each take their own.
   */
  private readonly freeBuffers: Float32Array[] = [];

  private constructor(
    readonly manifest: ModelManifest,
    private readonly svd: OnnxModel,
    private readonly forest: OnnxModel,
    private readonly itemSide: ItemSide,
    private readonly spec: FeatureSpec,
    private readonly foldIn: FoldInOptions,
    /** The ranking pipeline, when the models include it. */
    private readonly pipeline: TasteRanker | null,
  ) {
    this.name = `onnx:${manifest.version}`;
    this.itemIndex = new Map(manifest.svd.itemKeys.map((key, i) => [key, i]));
    this.unknownItem = manifest.svd.itemKeys.length;
  }

  /**
   * Loads `manifest.json`, `svd.onnx` and `forest.onnx` from `modelsDir`, verifies the files'
   * hashes, the manifest against this build's feature module, and both sessions' inputs and
   * outputs against the manifest. Throws a ModelLoadError (or ManifestError / ModelRuntimeError)
   * describing the first problem.
   */
  static async load(modelsDir: string, options: RuntimeOptions = {}): Promise<OnnxScorer> {
    const manifest = await readManifest(join(modelsDir, MANIFEST_FILE));
    const mismatch = featureSpecMismatch(manifest.features);
    if (mismatch !== null) throw new ManifestError(`manifest feature spec does not match this build: ${mismatch}`);
    const [svdBytes, forestBytes] = await Promise.all([
      readModelFile(modelsDir, manifest.svd.file, manifest.svd.sha256),
      readModelFile(modelsDir, manifest.forest.file, manifest.forest.sha256),
    ]);
    const parameters = readSvdGraphParameters(svdBytes);
    if (parameters.factors !== manifest.svd.factors || parameters.items !== manifest.svd.itemKeys.length) {
      throw new ManifestError(
        `${manifest.svd.file} holds ${parameters.items} items × ${parameters.factors} factors, the manifest says ${manifest.svd.itemKeys.length} × ${manifest.svd.factors}`,
      );
    }
    const svd = new OnnxModel(svdBytes, svdModelSpec(manifest), options);
    const forest = new OnnxModel(forestBytes, forestModelSpec(manifest), options);
    let pipeline: TasteRanker | null = null;
    try {
      await Promise.all([svd.init(), forest.init()]);
      if (manifest.implicit && manifest.ranker) {
        const [implicitBytes, rankerBytes] = await Promise.all([
          readModelFile(modelsDir, manifest.implicit.file, manifest.implicit.sha256),
          readModelFile(modelsDir, manifest.ranker.file, manifest.ranker.sha256),
        ]);
        const ranker = await PipelineRanker.load(
          {
            ease: implicitBytes,
            svd: svdBytes,
            ranker: rankerBytes,
            meta: {
              nItems: manifest.svd.itemKeys.length,
              shortlist: manifest.ranker.shortlist,
              implicitBlend: manifest.ranker.implicitBlend,
              foldIn: manifest.svd.foldIn,
              items: manifest.ranker.itemStatistics,
            },
          },
          options,
        );
        pipeline = new TasteRanker(ranker, new Map(manifest.svd.itemKeys.map((key, i) => [key, i])));
      }
    } catch (error) {
      await Promise.all([svd.release(), forest.release()]);
      throw error;
    }
    const itemSide: ItemSide = {
      factors: parameters.factors,
      globalMean: parameters.globalMean,
      itemBias: parameters.itemBias,
      itemFactors: parameters.itemFactors,
      knownItems: parameters.knownItems,
    };
    return new OnnxScorer(manifest, svd, forest, itemSide, manifest.features, manifest.svd.foldIn, pipeline);
  }

  /** The served ranking pipeline (see serve/pipeline-ranker.ts); absent when the models lack it. */
  get rank(): ((request: RankRequest) => Promise<RankedCandidates>) | undefined {
    const pipeline = this.pipeline;
    return pipeline ? (request) => pipeline.rank(request) : undefined;
  }

  /** "More like this" through the implicit model and the pipeline; absent when the models lack it. */
  get similar(): ((request: SimilarRequest) => Promise<RankedCandidates>) | undefined {
    const pipeline = this.pipeline;
    return pipeline ? (request) => pipeline.similar(request) : undefined;
  }

  /**
   * The SVD stage alone: predicted stars for every candidate, in one run. The core uses it to
   * shortlist a large mood before asking `score` (SVD + forest) about the shortlist only.
   */
  async predictStars(request: ScoreRequest): Promise<Float32Array> {
    const { mood, candidates } = request;
    if (!isEmotion(mood)) throw new FeatureInputError(`unknown mood ${JSON.stringify(mood)}`);
    if (candidates.length === 0) return new Float32Array(0);
    let indices = this.listIndices.get(candidates);
    if (indices === undefined) {
      const items = new Int32Array(candidates.length);
      for (let j = 0; j < candidates.length; j++) items[j] = this.movieEntry(candidates[j]!).itemIndex;
      indices = int64Indices(items);
      // A frozen list cannot change under the cache (the catalog's mood lists are frozen and shared).
      if (Object.isFrozen(candidates)) this.listIndices.set(candidates, indices);
    }
    return this.runSvd(request, indices);
  }

  async score(request: ScoreRequest): Promise<MovieScore[]> {
    const { mood, user, candidates } = request;
    if (!isEmotion(mood)) throw new FeatureInputError(`unknown mood ${JSON.stringify(mood)}`);
    if (candidates.length === 0) return [];

    const n = candidates.length;
    const indices = new Int32Array(n);
    const columns = new Array<MovieColumns>(n);
    for (let j = 0; j < n; j++) {
      const entry = this.movieEntry(candidates[j]!);
      indices[j] = entry.itemIndex;
      columns[j] = entry.columns;
    }
    const predicted = await this.runSvd(request, int64Indices(indices));

    const width = this.spec.names.length;
    const buffer = this.takeBuffer(n * width);
    try {
      const features = buffer.subarray(0, n * width);
      writeFeatureRows(this.spec, mood, UserProfile.fromTaste(user, this.spec), columns, predicted, features);
      const { inputs: forestIn, outputs: forestOut } = this.manifest.forest;
      const forestResult = await this.forest.run({ [forestIn.features]: { type: 'float32', data: features, dims: [n, width] } });
      const probabilities = forestResult[forestOut.probabilities]!.data as Float32Array;
      const scores = new Array<MovieScore>(n);
      for (let j = 0; j < n; j++) {
        // A movie the SVD never saw gets the unknown-item estimate μ + b_u, the same number for every
        // such movie: no opinion, so null. P(favorite) goes with it: without the SVD feature the forest
        // adds little beyond the IMDb figures the prior already ranks by, and its level is not
        // calibrated for these movies (src/ml/README.md, "Serving").
        scores[j] = this.knowsItem(indices[j]!)
          ? { movieId: candidates[j]!.id, predictedStars: predicted[j]!, favoriteProbability: probabilities[j * 2 + 1]!, personalized: true }
          : { movieId: candidates[j]!.id, predictedStars: null, favoriteProbability: null, personalized: true };
      }
      return scores;
    } finally {
      this.freeBuffers.push(buffer);
    }
  }

  /** Folds the user in (ratings on movies the SVD never saw carry no information) and runs the SVD once. */
  private async runSvd(request: ScoreRequest, indices: BigInt64Array): Promise<Float32Array> {
    const accumulator = new FoldInAccumulator(this.itemSide, this.foldIn);
    for (const rating of request.user.ratings) {
      if (!Number.isFinite(rating.stars)) throw new FeatureInputError(`rating of ${rating.movie.key} is ${rating.stars}`);
      const item = this.itemIndex.get(rating.movie.key);
      if (item !== undefined) accumulator.add(item, rating.stars);
    }
    const vector = accumulator.solve();
    const k = this.itemSide.factors;
    const userFactors = new Float32Array(k);
    if (vector !== null) userFactors.set(vector.factors);
    const userBias = Float32Array.of(vector?.bias ?? 0);
    const { inputs: svdIn, outputs: svdOut } = this.manifest.svd;
    const svdResult = await this.svd.run({
      [svdIn.userFactors]: { type: 'float32', data: userFactors, dims: [k] },
      [svdIn.userBias]: { type: 'float32', data: userBias, dims: [1] },
      [svdIn.itemIndex]: { type: 'int64', data: indices, dims: [indices.length] },
    });
    return svdResult[svdOut.predictedRating]!.data as Float32Array;
  }

  async close(): Promise<void> {
    await Promise.all([this.svd.release(), this.forest.release(), this.pipeline?.close()]);
  }

  /** Whether the SVD has learned this movie from ratings (its cards then carry a prediction). */
  knowsStars(movie: Movie): boolean {
    const index = this.itemIndex.get(movie.key);
    return index !== undefined && this.knowsItem(index);
  }

  /** Whether the SVD was trained on ratings of this item (the unknown-item row and rating-less items are not). */
  private knowsItem(index: number): boolean {
    return index < this.unknownItem && this.itemSide.knownItems[index] === 1;
  }

  private movieEntry(movie: Movie): MovieEntry {
    const cached = this.movieCache.get(movie.key);
    if (cached !== undefined) {
      if (cached.movie === movie) return cached;
      if (sameFeatureFields(cached.movie, movie)) {
        cached.movie = movie;
        return cached;
      }
    }
    const entry: MovieEntry = { movie, columns: movieColumns(movie, this.spec), itemIndex: this.itemIndex.get(movie.key) ?? this.unknownItem };
    // Bounded by the catalog in practice; the cap only guards against unbounded key churn.
    if (this.movieCache.size >= 500_000) this.movieCache.clear();
    this.movieCache.set(movie.key, entry);
    return entry;
  }

  private takeBuffer(size: number): Float32Array {
    const buffer = this.freeBuffers.pop();
    if (buffer !== undefined && buffer.length >= size) return buffer;
    // Round up so slightly larger requests reuse the buffer too.
    return new Float32Array(Math.max(size, Math.ceil(size * 1.25)));
  }
}

export function svdModelSpec(manifest: ModelManifest): ModelSpec {
  const { inputs, outputs, factors } = manifest.svd;
  return {
    label: 'svd',
    inputs: [
      { name: inputs.userFactors, type: 'float32', shape: [factors] },
      { name: inputs.userBias, type: 'float32', shape: [1] },
      { name: inputs.itemIndex, type: 'int64', shape: ['N'] },
    ],
    outputs: [{ name: outputs.predictedRating, type: 'float32', shape: ['N'] }],
  };
}

export function forestModelSpec(manifest: ModelManifest): ModelSpec {
  const { inputs, outputs } = manifest.forest;
  return {
    label: 'forest',
    inputs: [{ name: inputs.features, type: 'float32', shape: ['N', manifest.features.names.length], finiteGuaranteed: true }],
    outputs: [
      { name: outputs.label, type: 'int64', shape: ['N'] },
      { name: outputs.probabilities, type: 'float32', shape: ['N', 2] },
    ],
  };
}

async function readModelFile(dir: string, file: string, expectedSha256: string): Promise<Uint8Array> {
  const path = join(dir, file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ModelLoadError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw new ModelLoadError(`${path} is corrupt or from another training run: sha256 ${actual}, the manifest expects ${expectedSha256}`);
  }
  return bytes;
}

/**
 * The fallback when no trained models can be loaded: it knows no one, so it has no opinion about
 * any movie for anyone (null stars and favorite chance, `personalized: false`). The core then ranks
 * by its quality prior (the Bayesian-averaged IMDb rating, times the mood weight) and the cards show
 * each film's own IMDb figures instead of a "for you" number.
 */
export class PopularityScorer implements Scorer {
  readonly name = 'popularity';

  score(request: ScoreRequest): Promise<MovieScore[]> {
    return Promise.resolve(request.candidates.map((movie) => ({ movieId: movie.id, predictedStars: null, favoriteProbability: null, personalized: false })));
  }
}

/**
 * The scorer the bot should use: the ONNX models in `modelsDir`, or — when a file is missing or
 * corrupt, or the manifest does not match the models or this build — a warning and the
 * popularity fallback, so the bot keeps answering.
 */
export async function loadScorer(modelsDir: string, logger: MlLogger, options: RuntimeOptions = {}): Promise<Scorer> {
  try {
    const scorer = await OnnxScorer.load(modelsDir, options);
    logger.info(
      { modelsDir, version: scorer.manifest.version, items: scorer.manifest.svd.itemKeys.length, features: scorer.manifest.features.names.length },
      'loaded ONNX models',
    );
    return scorer;
  } catch (error) {
    const err = error as Error & { code?: string };
    logger.warn({ modelsDir, code: err.code, err: err.message }, 'cannot load ONNX models; falling back to popularity scoring');
    return new PopularityScorer();
  }
}
