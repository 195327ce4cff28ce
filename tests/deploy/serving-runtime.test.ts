/**
 * The turn benchmark measures a process started with scripts/serving-runtime.ts's settings; the
 * image must start the bot with the same ones, or the benchmark's memory figures say nothing about it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVING_ENV, SERVING_NODE_FLAGS } from '../../scripts/serving-runtime.ts';
import { projectRoot } from '../../src/shared/project-root.ts';

const dockerfile = readFileSync(join(projectRoot(), 'Dockerfile'), 'utf8');
/** The runtime stage: everything after the last FROM. */
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('the image starts the bot as the turn benchmark measured it', () => {
  it('GIVEN the Dockerfile THEN its CMD runs node with the serving flags on the compiled entry point', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(runtimeStage);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...SERVING_NODE_FLAGS, 'dist/src/main.js']);
  });

  it('GIVEN the Dockerfile THEN the runtime stage sets the serving environment', () => {
    const env = [...runtimeStage.matchAll(/^ENV (.+)$/gm)].flatMap((line) => line[1]!.split(/\s+/));
    for (const [name, value] of Object.entries(SERVING_ENV)) expect(env).toContain(`${name}=${value}`);
  });

  it('GIVEN the flags THEN each is one node accepts', async () => {
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync(process.execPath, [...SERVING_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });
});
