/**
 * Trained models in the database (model_artifacts), so every replica can load the newest active
 * one. One version = one row per model file plus one for the manifest, written and activated in
 * one transaction. Rows are keyed by file name; the store does not know what the files are.
 */
import type { Prisma, PrismaDb } from './client.ts';
import { withStorage } from './repositories/storage-errors.ts';

export interface ModelBundle {
  version: string;
  /** File name → bytes, every file the manifest names. */
  files: Readonly<Record<string, Uint8Array>>;
  /** manifest.json as text */
  manifest: string;
  metrics: Record<string, unknown>;
  dataHash: string;
}

const MANIFEST_KIND = 'manifest';
/** Versions published before rows were keyed by file name used these kinds. */
const LEGACY_KINDS: Readonly<Record<string, string>> = { svd: 'svd.onnx', forest: 'forest.onnx' };

export class ModelArtifactStore {
  constructor(private readonly prisma: PrismaDb) {}

  /** Stores the bundle and makes it the only active version. */
  publish(bundle: ModelBundle): Promise<void> {
    return withStorage(async () => {
      const metrics = JSON.parse(JSON.stringify(bundle.metrics)) as Prisma.InputJsonObject;
      const rows = [...Object.entries(bundle.files).map(([name, bytes]) => ({ kind: name, bytes: Buffer.from(bytes) })), { kind: MANIFEST_KIND, bytes: Buffer.from(bundle.manifest, 'utf8') }];
      await this.prisma.$transaction([
        this.prisma.modelArtifact.updateMany({ where: { active: true }, data: { active: false } }),
        ...rows.map((row) => this.prisma.modelArtifact.create({ data: { ...row, version: bundle.version, metrics, dataHash: bundle.dataHash, active: true } })),
      ]);
    });
  }

  /** The version of the active bundle, or null. Cheap: the replicas poll it. */
  activeVersion(): Promise<string | null> {
    return withStorage(async () => {
      const row = await this.prisma.modelArtifact.findFirst({ where: { kind: MANIFEST_KIND, active: true }, orderBy: { createdAt: 'desc' }, select: { version: true } });
      return row?.version ?? null;
    });
  }

  /** The version's files and manifest, or null when it has no manifest row. */
  load(version: string): Promise<ModelBundle | null> {
    return withStorage(async () => {
      const rows = await this.prisma.modelArtifact.findMany({ where: { version } });
      const manifest = rows.find((row) => row.kind === MANIFEST_KIND);
      if (!manifest) return null;
      const files: Record<string, Uint8Array> = {};
      for (const row of rows) if (row.kind !== MANIFEST_KIND) files[LEGACY_KINDS[row.kind] ?? row.kind] = new Uint8Array(row.bytes);
      return {
        version,
        files,
        manifest: Buffer.from(manifest.bytes).toString('utf8'),
        metrics: (manifest.metrics ?? {}) as Record<string, unknown>,
        dataHash: manifest.dataHash,
      };
    });
  }
}
