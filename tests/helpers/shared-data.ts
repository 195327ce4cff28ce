/**
 * The real datasets in ../shared/data (see its SOURCES.md). Tests read them in place, never copy
 * them, and skip with a message when they are absent (CI always has them).
 * @example
 * describe.skipIf(missingSharedData('imdb_top_1000.csv'))('the IMDb top-1000 CSV', () => { … });
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tests/helpers/shared-data.ts). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** `../shared/data`, relative to the repository root. */
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');

/** Absolute path of a file under ../shared/data. */
export function sharedDataPath(relPath: string): string {
  return join(SHARED_DATA, relPath);
}

export function hasSharedData(relPath: string): boolean {
  return existsSync(sharedDataPath(relPath));
}

/** True (skip) when any of the files is absent, saying which, so a skipped suite is never silent. */
export function missingSharedData(...relPaths: string[]): boolean {
  const missing = relPaths.filter((relPath) => !hasSharedData(relPath));
  if (missing.length > 0) {
    console.warn(`skipping: ${missing.map((relPath) => sharedDataPath(relPath)).join(', ')} not found (see ../shared/data/SOURCES.md)`);
  }
  return missing.length > 0;
}
