/**
 * Keeps a replica on the newest published model: when model_artifacts has an active version this
 * process does not serve, download it, load it (rejecting it if it does not load), write it to
 * models/ and swap it in.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/ports/logger.ts';
import { parseManifest } from '../ml/manifest.ts';
import { writeModelFiles } from '../ml/model-files.ts';
import { OnnxScorer } from '../ml/onnx-scorer.ts';
import type { SwappableScorer } from '../ml/swappable-scorer.ts';
import type { ModelArtifactStore } from '../infra/db/model-artifacts.ts';

export interface ModelSyncDeps {
  modelsDir: string;
  scorer: SwappableScorer;
  store: ModelArtifactStore;
  logger: Logger;
  onnxThreads?: number;
}

export type SyncOutcome = 'up to date' | 'no published model' | 'swapped' | 'rejected';

export async function syncModel(deps: ModelSyncDeps): Promise<SyncOutcome> {
  const version = await deps.store.activeVersion();
  if (version === null) return 'no published model';
  if (deps.scorer.name === `onnx:${version}`) return 'up to date';
  const bundle = await deps.store.load(version);
  if (!bundle) return 'no published model';
  const scratch = await mkdtemp(join(tmpdir(), 'feelms-sync-'));
  try {
    let models;
    try {
      models = { manifest: parseManifest(JSON.parse(bundle.manifest) as unknown), files: bundle.files };
      await writeModelFiles(scratch, models);
    } catch (error) {
      deps.logger.warn({ version, err: error }, 'published model is incomplete or corrupt; keeping the current one');
      return 'rejected';
    }
    let scorer: OnnxScorer;
    try {
      scorer = await OnnxScorer.load(scratch, { intraOpNumThreads: deps.onnxThreads ?? 1 });
    } catch (error) {
      deps.logger.warn({ version, err: error }, 'published model does not load; keeping the current one');
      return 'rejected';
    }
    await writeModelFiles(deps.modelsDir, models);
    await deps.scorer.swap(scorer);
    deps.logger.info({ version }, 'switched to the published model');
    return 'swapped';
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
