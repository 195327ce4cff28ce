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
    // A hung process must not outlive the test (vitest does not kill children on timeout).
    const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
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

    it('GIVEN piped input THEN it prepares the database, answers each line, writes what the user did and exits 0', async () => {
      db = await fresh('start');
      const input = ['/feel happy', '/rate 1 5', '/fav 2', '/favorites', '/feel meh', '/rate 99 9', ''].join('\n');
      const { code, stdout, stderr } = await startFeelms(input, { DATABASE_URL: db.config.url });
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/importing the default catalog/);
      const cards = stdout.split('\n').filter((line) => /^\d+\. .+ \(\d{4}\)/.test(line));
      expect(cards.length).toBeGreaterThanOrEqual(6);
      expect(stdout).toMatch(/^Rated .+ ★5\./m);
      expect(stdout).toMatch(/^Saved .+ to your favorites/m);
      expect(stdout).toMatch(/^Your favorites \(1\):/m);
      expect(stdout).toMatch(/I don't know the mood "meh"/);
      expect(stdout).toMatch(/There's no movie number "99"|isn't a rating/);
      const bulk = await openBulkConnection(db.config);
      try {
        const count = async (sql: string) => Number((await bulk.all(sql))[0]?.['n']);
        expect(await count('SELECT COUNT(*) AS n FROM movies')).toBeGreaterThan(2800);
        expect(await count('SELECT COUNT(*) AS n FROM users')).toBe(1);
        expect(await count('SELECT COUNT(*) AS n FROM ratings WHERE stars = 5')).toBe(1);
        expect(await count('SELECT COUNT(*) AS n FROM favorites')).toBe(1);
        expect(await count("SELECT COUNT(*) AS n FROM interactions WHERE kind = 'shown'")).toBe(5);
        expect(await count("SELECT COUNT(*) AS n FROM interactions WHERE kind = 'view'")).toBe(2);
      } finally {
        await bulk.close();
      }
    }, 120_000);
  });
}
