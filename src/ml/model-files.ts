/**
 * The trained models as files: the manifest plus every ONNX file it names, by file name. The one
 * type that training, the retrain job, model sync and the database store pass around; only the
 * manifest knows what each file is, so those layers move bytes without knowing what is inside.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, ManifestError, modelFilesOf, readManifest, sha256Hex } from './manifest.ts';
import type { ModelManifest } from './manifest.ts';

export interface ModelFiles {
  manifest: ModelManifest;
  /** File name (as the manifest names it) → bytes. */
  files: Readonly<Record<string, Uint8Array>>;
}

/** Throws a ManifestError when a file the manifest names is missing or its hash differs. */
export function checkModelFiles(models: ModelFiles): void {
  for (const { file, sha256 } of modelFilesOf(models.manifest)) {
    const bytes = models.files[file];
    if (bytes === undefined) throw new ManifestError(`model file ${file} is missing`);
    if (sha256Hex(bytes) !== sha256) throw new ManifestError(`model file ${file} does not match its SHA-256 in the manifest`);
  }
}

/**
 * Writes every model file, then `manifest.json` last, into `dir` (created if needed). Each file is
 * written beside its final name and renamed into place, so a reader never pairs a new manifest
 * with an old or half-written model.
 */
export async function writeModelFiles(dir: string, models: ModelFiles): Promise<void> {
  checkModelFiles(models);
  await mkdir(dir, { recursive: true });
  const put = async (name: string, content: Uint8Array | string) => {
    const temporary = join(dir, `.${name}.${process.pid}.tmp`);
    await writeFile(temporary, content);
    await rename(temporary, join(dir, name));
  };
  for (const { file } of modelFilesOf(models.manifest)) await put(file, models.files[file]!);
  await put(MANIFEST_FILE, `${JSON.stringify(models.manifest, null, 2)}\n`);
}

/** Reads the manifest and every file it names from `dir`, checking their hashes. */
export async function readModelFiles(dir: string): Promise<ModelFiles> {
  const manifest = await readManifest(join(dir, MANIFEST_FILE));
  const files: Record<string, Uint8Array> = {};
  for (const { file } of modelFilesOf(manifest)) {
    try {
      files[file] = new Uint8Array(await readFile(join(dir, file)));
    } catch (error) {
      throw new ManifestError(`cannot read model file ${join(dir, file)}: ${(error as Error).message}`);
    }
  }
  const models = { manifest, files };
  checkModelFiles(models);
  return models;
}
