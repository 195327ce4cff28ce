/**
 * Trained models in the database (model_artifacts), so every replica can load the newest active
 * one. One version = three rows (svd, forest, manifest) written and activated in one transaction.
 */
import type { Prisma, PrismaDb } from './client.ts';
import { withStorage } from './repositories/storage-errors.ts';

export interface ModelBundle {
  version: string;
  svd: Uint8Array;
  forest: Uint8Array;
  /** manifest.json as text */
  manifest: string;
  metrics: Record<string, unknown>;
  dataHash: string;
}

const KINDS = ['svd', 'forest', 'manifest'] as const;

export class ModelArtifactStore {
  constructor(private readonly prisma: PrismaDb) {}

  /** Stores the bundle and makes it the only active version. */
  publish(bundle: ModelBundle): Promise<void> {
    return withStorage(async () => {
      const bytes = { svd: Buffer.from(bundle.svd), forest: Buffer.from(bundle.forest), manifest: Buffer.from(bundle.manifest, 'utf8') };
      await this.prisma.$transaction([
        this.prisma.modelArtifact.updateMany({ where: { active: true }, data: { active: false } }),
        ...KINDS.map((kind) =>
          this.prisma.modelArtifact.create({
            data: { kind, version: bundle.version, bytes: bytes[kind], metrics: JSON.parse(JSON.stringify(bundle.metrics)) as Prisma.InputJsonObject, dataHash: bundle.dataHash, active: true },
          }),
        ),
      ]);
    });
  }

  /** The version of the active bundle, or null. Cheap: the replicas poll it. */
  activeVersion(): Promise<string | null> {
    return withStorage(async () => {
      const row = await this.prisma.modelArtifact.findFirst({ where: { kind: 'manifest', active: true }, orderBy: { createdAt: 'desc' }, select: { version: true } });
      return row?.version ?? null;
    });
  }

  load(version: string): Promise<ModelBundle | null> {
    return withStorage(async () => {
      const rows = await this.prisma.modelArtifact.findMany({ where: { version } });
      const byKind = new Map(rows.map((row) => [row.kind, row]));
      const svd = byKind.get('svd');
      const forest = byKind.get('forest');
      const manifest = byKind.get('manifest');
      if (!svd || !forest || !manifest) return null;
      return {
        version,
        svd: new Uint8Array(svd.bytes),
        forest: new Uint8Array(forest.bytes),
        manifest: Buffer.from(manifest.bytes).toString('utf8'),
        metrics: (manifest.metrics ?? {}) as Record<string, unknown>,
        dataHash: manifest.dataHash,
      };
    });
  }
}
