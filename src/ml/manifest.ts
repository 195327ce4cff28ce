import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * `manifest.json`, written beside `svd.onnx` and `forest.onnx`: everything needed to serve the two
 * models correctly and to tell which data and settings produced them. Validated with zod whenever
 * it is loaded; the scorer also checks it against the ONNX sessions and this build's feature module.
 */
export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const SVD_FILE = 'svd.onnx';
export const FOREST_FILE = 'forest.onnx';
export const IMPLICIT_FILE = 'implicit.onnx';
export const RANKER_FILE = 'ranker.onnx';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');
const finite = z.number().finite();
const nonEmpty = z.string().min(1);

const svdHyperparameters = z.object({
  factors: z.number().int().positive(),
  epochs: z.number().int().nonnegative(),
  learningRate: finite.positive(),
  regularization: finite.nonnegative(),
  initMean: finite,
  initStdDev: finite.nonnegative(),
  seed: finite,
});

const foldInParameters = z
  .object({
    factorRegularization: finite.positive(),
    biasRegularization: finite.nonnegative(),
    priorCount: finite.nonnegative(),
    /** Absent in manifests written before it existed: those models scaled the bias penalty by priorCount too. */
    biasPriorCount: finite.nonnegative().optional(),
  })
  .transform((p) => ({ ...p, biasPriorCount: p.biasPriorCount ?? p.priorCount }));

const forestHyperparameters = z.object({
  trees: z.number().int().positive(),
  maxDepth: z.number().int().nonnegative(),
  minSamplesLeaf: z.number().int().positive(),
  maxFeatures: z.union([z.literal('sqrt'), z.literal('all'), z.number().int().positive()]),
  maxBins: z.number().int().min(2).max(255),
  bootstrap: z.boolean(),
  seed: finite,
});

const regressionMetrics = z.object({ folds: z.number().int(), rmse: finite, mae: finite, ratings: z.number().int().nonnegative() });
const classificationMetrics = z.object({
  folds: z.number().int(),
  rows: z.number().int().nonnegative(),
  positiveRate: finite,
  accuracy: finite,
  precision: finite,
  recall: finite,
  f1: finite,
  // NaN cannot be written to JSON: a single-class fold set records null.
  auc: finite.nullable(),
});

export const modelManifestSchema = z
  .object({
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    /** Combined version of the pair, e.g. `20250101T120000Z-1a2b3c4d`; the scorer's name is `onnx:<version>`. */
    version: nonEmpty,
    createdAt: z.iso.datetime(),
    /** SHA-256 of the canonical training data (see trainingDataHash). */
    dataSha256: sha256,
    ratingScale: z.object({ min: finite, max: finite }).refine((s) => s.min < s.max, 'min must be below max'),
    svd: z.object({
      file: nonEmpty,
      sha256,
      version: nonEmpty,
      inputs: z.object({ userFactors: nonEmpty, userBias: nonEmpty, itemIndex: nonEmpty }),
      outputs: z.object({ predictedRating: nonEmpty }),
      factors: z.number().int().positive(),
      globalMean: finite,
      /** Item index → movie key; index `itemKeys.length` is the unknown-item row. */
      itemKeys: z.array(nonEmpty),
      /** User index → user key, for the users the SVD was trained on. */
      userKeys: z.array(nonEmpty),
      hyperparameters: svdHyperparameters,
      foldIn: foldInParameters,
    }),
    forest: z.object({
      file: nonEmpty,
      sha256,
      version: nonEmpty,
      inputs: z.object({ features: nonEmpty }),
      outputs: z.object({ label: nonEmpty, probabilities: nonEmpty }),
      hyperparameters: forestHyperparameters,
      nodeCount: z.number().int().positive(),
    }),
    features: z.object({
      version: z.number().int().positive(),
      names: z.array(nonEmpty).min(1),
      genreVocabulary: z.array(nonEmpty),
      missingValue: finite,
      likedMinStars: finite,
    }),
    /**
     * The ranking pipeline (retrieval by the implicit model, ranking by the ranker forest; see
     * serve/pipeline-ranker.ts). It shares the SVD and its item index. Absent in models trained
     * before it existed: the bot then ranks with the SVD + favorite-forest blend.
     */
    implicit: z
      .object({
        file: nonEmpty,
        sha256,
        version: nonEmpty,
        lambda: finite.positive(),
        neighbours: z.number().int().positive(),
        /** Movies the model holds rows for. */
        modelledItems: z.number().int().nonnegative(),
      })
      .optional(),
    ranker: z
      .object({
        file: nonEmpty,
        sha256,
        version: nonEmpty,
        hyperparameters: forestHyperparameters,
        nodeCount: z.number().int().positive(),
        features: z.array(nonEmpty).min(1),
        shortlist: z.number().int().positive(),
        implicitBlend: finite.nonnegative(),
        /** Per SVD item index: distinct users, shrunk mean rating, 0–1 quality. */
        itemStatistics: z.object({ users: z.array(finite), meanRating: z.array(finite), quality: z.array(finite), recentUsers: z.array(finite) }),
      })
      .optional(),
    metrics: z.object({
      svd: regressionMetrics.nullable(),
      forest: classificationMetrics.nullable(),
      /** The served pipeline on each user's newest quarter of picks (absent before the pipeline existed). */
      ranking: z.object({ ndcg10: finite, users: z.number().int().nonnegative() }).nullable().optional(),
    }),
  })
  .superRefine((manifest, ctx) => {
    const duplicates = (keys: string[]) => keys.length !== new Set(keys).size;
    if (duplicates(manifest.svd.itemKeys)) ctx.addIssue({ code: 'custom', path: ['svd', 'itemKeys'], message: 'item keys must be unique' });
    if (duplicates(manifest.svd.userKeys)) ctx.addIssue({ code: 'custom', path: ['svd', 'userKeys'], message: 'user keys must be unique' });
    const files = modelFilesOf(manifest).map((entry) => entry.file);
    if (files.length !== new Set(files).size) ctx.addIssue({ code: 'custom', path: ['forest', 'file'], message: 'every model needs its own file' });
    if ((manifest.implicit === undefined) !== (manifest.ranker === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ranker'], message: 'the implicit model and the ranker come together' });
    }
    const items = manifest.svd.itemKeys.length;
    for (const key of ['users', 'meanRating', 'quality', 'recentUsers'] as const) {
      const length = manifest.ranker?.itemStatistics[key].length;
      if (length !== undefined && length !== items) {
        ctx.addIssue({ code: 'custom', path: ['ranker', 'itemStatistics', key], message: `has ${length} entries for ${items} items` });
      }
    }
  });

/** The model files a manifest names, by role. */
export function modelFilesOf(manifest: {
  svd: { file: string; sha256: string };
  forest: { file: string; sha256: string };
  implicit?: { file: string; sha256: string } | undefined;
  ranker?: { file: string; sha256: string } | undefined;
}): Array<{ role: 'svd' | 'forest' | 'implicit' | 'ranker'; file: string; sha256: string }> {
  const entries: Array<{ role: 'svd' | 'forest' | 'implicit' | 'ranker'; file: string; sha256: string }> = [
    { role: 'svd', file: manifest.svd.file, sha256: manifest.svd.sha256 },
    { role: 'forest', file: manifest.forest.file, sha256: manifest.forest.sha256 },
  ];
  if (manifest.implicit) entries.push({ role: 'implicit', file: manifest.implicit.file, sha256: manifest.implicit.sha256 });
  if (manifest.ranker) entries.push({ role: 'ranker', file: manifest.ranker.file, sha256: manifest.ranker.sha256 });
  return entries;
}

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export class ManifestError extends Error {
  readonly code = 'MODEL_MANIFEST';
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Validates a parsed manifest; the error lists every issue with its path. */
export function parseManifest(value: unknown, source = MANIFEST_FILE): ModelManifest {
  const result = modelManifestSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ManifestError(`${source} is not a valid model manifest: ${issues}`);
  }
  return result.data;
}

export async function readManifest(path: string): Promise<ModelManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${path} is not JSON: ${(error as Error).message}`);
  }
  return parseManifest(json, path);
}

/** Lowercase hex SHA-256, the form the manifest records model files in. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
