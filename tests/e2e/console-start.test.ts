/**
 * The README's quickstart, end to end: `npm start` with piped input on a fresh database creates,
 * migrates and fills it, answers each line, and exits at end of input.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBulkConnection } from '../../src/infra/db/bulk.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export function startFeelms(input: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

for (const { kind, fresh, skip } of databaseKinds) {
  describe.skipIf(skip)(`npm start on a fresh ${kind} database`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('GIVEN piped input THEN it prepares the database, answers each line and exits 0 at end of input', async () => {
      db = await fresh('start');
      const { code, stdout, stderr } = await startFeelms('/start\n/feel happy\n/feel nonsense\n', { DATABASE_URL: db.config.url });
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/importing the default catalog/);
      expect(stdout).toMatch(/^1\. .+ \(\d{4}\)/m);
      expect(stdout).toMatch(/not a mood I know/);
      const bulk = await openBulkConnection(db.config);
      try {
        const [row] = await bulk.all('SELECT COUNT(*) AS n FROM movies');
        expect(Number(row?.['n'])).toBeGreaterThan(2800);
      } finally {
        await bulk.close();
      }
    }, 120_000);
  });
}
