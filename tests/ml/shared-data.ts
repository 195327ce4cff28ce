import { SHARED_DATA_FILES, sharedDataAvailable } from '../../src/ml/shared-data.ts';

/**
 * For `describe.skipIf(...)`: true when a ../shared/data file is missing, after saying so once, so
 * a skipped real-data suite is visible in the output (CI always has the data).
 */
export function missingSharedData(file: keyof typeof SHARED_DATA_FILES): boolean {
  const missing = !sharedDataAvailable(file);
  if (missing) console.warn(`[tests/ml] ${SHARED_DATA_FILES[file]} is absent: skipping the tests that need it`);
  return missing;
}
