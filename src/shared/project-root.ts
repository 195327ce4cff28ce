import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found by walking up from this file, so paths to prisma/ and
 * models/ work both from src/ (tsx) and from dist/src/ (the compiled container image).
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Could not find the Feelms project root (no package.json above src/).');
    dir = parent;
  }
  return dir;
}
