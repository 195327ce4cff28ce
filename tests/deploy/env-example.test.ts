/**
 * `.env.example` is meant to be copied to `.env` and either given to docker compose or sourced by a
 * shell (`set -a; . ./.env`). An unquoted value with spaces (a cron expression) breaks the shell.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/shared/project-root.ts';

describe('.env.example', () => {
  it('GIVEN a shell WHEN it sources the file THEN every line is an assignment and the cron expression keeps its spaces', () => {
    const file = join(projectRoot(), '.env.example');
    const out = execFileSync('bash', ['-c', 'set -euo pipefail; set -a; . "$1" 2>&1; printf "%s" "$RETRAIN_CRON"', 'bash', file], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(out).toBe('0 3 * * *');
  });
});
