import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The public datasets used for tests and benchmarks live outside the repository, in
 * `../shared/data` next to the checkout (DESIGN.md). They are never copied into the repo.
 */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export const SHARED_DATA_FILES = {
  ml100k: `${SHARED_DATA_DIR}ml-100k/u.data`,
  mlLatestSmall: `${SHARED_DATA_DIR}ml-latest-small/ratings.csv`,
  rfSynth: `${SHARED_DATA_DIR}rf-synth/rf_synth.csv`,
} as const;

export function sharedDataAvailable(file: keyof typeof SHARED_DATA_FILES): boolean {
  return existsSync(SHARED_DATA_FILES[file]);
}
