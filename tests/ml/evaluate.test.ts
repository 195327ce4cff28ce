import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvaluateArgs, runEvaluateCli, UsageError } from '../../src/ml/evaluate.ts';
import { createRng } from '../../src/shared/random.ts';

const run = promisify(execFile);
const CONTRACT_KEYS = ['model', 'folds', 'ratings', 'rmse', 'mae', 'fitSeconds', 'testSeconds'];

async function cli(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runEvaluateCli(argv, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) });
  return { code, stdout, stderr };
}

describe('evaluate CLI', () => {
  let dir: string;
  let fixture: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feelms-evaluate-'));
    fixture = join(dir, 'u.data');
    // 40 users × 30 items, ratings driven by a user offset and an item offset.
    const rng = createRng(12);
    const lines: string[] = [];
    for (let u = 1; u <= 40; u++) {
      for (let i = 1; i <= 30; i++) {
        if (rng.next() < 0.5) continue;
        const stars = Math.min(5, Math.max(1, Math.round(3 + (u % 3) - 1 + ((i % 5) - 2) * 0.6 + rng.normal(0, 0.5))));
        lines.push(`${u}\t${i}\t${stars}\t${880000000 + lines.length}`);
      }
    }
    await writeFile(fixture, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the JSON contract on the last line of stdout', async () => {
    const { code, stdout } = await cli(['--ratings', fixture, '--format', 'ml100k', '--folds', '3', '--seed', '42', '--factors', '10', '--epochs', '5', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout.at(-1)!) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(CONTRACT_KEYS);
    expect(result.model).toBe('svd');
    expect(result.folds).toBe(3);
    expect(result.fitSeconds).toHaveLength(3);
    expect(result.testSeconds).toHaveLength(3);
    expect(result.rmse).toBeGreaterThan(0);
    expect(result.mae).toBeLessThanOrEqual(result.rmse as number);
    // Same seed, same folds, same model: same errors.
    const again = JSON.parse((await cli(['--ratings', fixture, '--format', 'ml100k', '--folds', '3', '--factors', '10', '--epochs', '5', '--json'])).stdout.at(-1)!) as Record<string, unknown>;
    expect(again.rmse).toBe(result.rmse);
  });

  it('prints a readable table without --json', async () => {
    const { code, stdout } = await cli(['--ratings', fixture, '--format', 'ml100k', '--folds', '2', '--model', 'best', '--epochs', '3']);
    expect(code).toBe(0);
    expect(stdout[0]).toContain('tuned SVD');
    expect(stdout.filter((line) => line.startsWith('Fold '))).toHaveLength(2);
    expect(stdout.at(-1)).toMatch(/^Mean\s+\d\.\d{4}\s+\d\.\d{4}/);
  });

  it.each([
    [[], '--ratings FILE is required'],
    [['--ratings', 'x'], '--format FMT is required'],
    [['--ratings', 'x', '--format', 'csv'], '--format must be one of ml100k, mlcsv, ml1m, feelms'],
    [['--ratings', 'x', '--format', 'ml100k', '--folds', '1'], '--folds must be an integer ≥ 2'],
    [['--ratings', 'x', '--format', 'ml100k', '--lr', '-0.1'], '--lr must be a number > 0'],
    [['--ratings', 'x', '--format', 'ml100k', '--model', 'svdpp'], '--model must be one of svd, best'],
    [['--ratings', 'x', '--format', 'ml100k', '--bogus'], 'unknown argument "--bogus"'],
    [['--ratings'], '--ratings needs a value'],
    [['--ratings', 'x', '--format', 'ml100k', '--protocol', 'ms'], '--protocol goes with --ranking'],
    [['--ranking', '--protocol', 'loo'], '--protocol must be one of ms, time, got "loo"'],
    [['--ranking', '--ratings', 'x'], '--ranking takes --ratings and --format together, or neither'],
    [['--ranking=yes'], '--ranking takes no value'],
  ])('rejects %j with exit code 2', async (argv, message) => {
    expect(() => parseEvaluateArgs(argv)).toThrow(UsageError);
    const { code, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stderr[0]).toContain(message);
    expect(stderr.join('\n')).toContain('Usage:');
  });

  it('prints the protocol report (popularity, svd, implicit, served) with --ranking', async () => {
    const csv = join(dir, 'ratings.csv');
    const rng = createRng(4);
    const lines = ['userId,movieId,rating,timestamp'];
    for (let u = 1; u <= 30; u++) {
      for (let i = 1; i <= 40; i++) if (rng.next() < 0.4) lines.push(`${u},${i},${1 + rng.int(5)},${1_000_000 + rng.int(100_000)}`);
    }
    await writeFile(csv, `${lines.join('\r\n')}\r\n`);
    const reportOf = async (argv: string[]) => {
      const { code, stdout } = await cli(['--ranking', '--ratings', csv, '--format', 'mlcsv', '--json', ...argv]);
      expect(code).toBe(0);
      return JSON.parse(stdout.at(-1)!) as Record<string, unknown>;
    };
    const models = ['popularity', 'svd', 'implicit', 'served'];
    for (const [argv, protocol] of [[[], 'time'], [['--protocol', 'ms'], 'ms']] as const) {
      const report = await reportOf([...argv]);
      expect(Object.keys(report)).toEqual(['model', 'protocol', 'users', 'trainRecords', 'testRecords', ...models, 'trainSeconds', 'seconds']);
      expect(report.model).toBe('ranking');
      expect(report.protocol).toBe(protocol);
      expect(report.users).toBeGreaterThan(0);
      expect((report.trainRecords as number) + (report.testRecords as number)).toBe(lines.length - 1);
      for (const model of models) {
        const metrics = report[model] as Record<string, number | null>;
        expect(Object.keys(metrics)).toEqual(['ndcg10', 'precision10', 'recall10', 'map10']);
        for (const metric of ['ndcg10', 'precision10', 'recall10']) {
          expect(metrics[metric]).toBeGreaterThanOrEqual(0);
          expect(metrics[metric]).toBeLessThanOrEqual(1);
        }
        // MAP@10 belongs to Microsoft's protocol only.
        if (protocol === 'ms') expect(metrics.map10).toBeGreaterThanOrEqual(0);
        else expect(metrics.map10).toBeNull();
      }
      if (protocol === 'ms') {
        // Seeded: the same report again (timings aside).
        const again = await reportOf([...argv]);
        for (const model of models) expect(again[model]).toEqual(report[model]);
      }
    }
    const table = await cli(['--ranking', '--ratings', csv, '--format', 'mlcsv']);
    expect(table.code).toBe(0);
    const text = table.stdout.join('\n');
    for (const model of models) expect(text).toMatch(new RegExp(`^${model}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+–$`, 'm'));
    expect(text).toContain('relevant = rated ≥ 4');
    expect(text).not.toContain('blend');
  });

  it('fails with exit code 1 and the file and line of bad data', async () => {
    const bad = join(dir, 'bad.data');
    await writeFile(bad, '1\t1\t5\t1\n1\t2\tfive\t2\n');
    const { code, stderr } = await cli(['--ratings', bad, '--format', 'ml100k']);
    expect(code).toBe(1);
    expect(stderr[0]).toContain(`${bad}:2: rating "five"`);
  });

  it('runs as `tsx scripts/evaluate.ts` in a child process', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/evaluate.ts', '--ratings', fixture, '--format', 'ml100k', '--folds', '5', '--seed', '42', '--epochs', '5', '--json'], {
      cwd: join(import.meta.dirname, '..', '..'),
    });
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(CONTRACT_KEYS);
    expect(result.ratings).toBe((await import('node:fs')).readFileSync(fixture, 'utf8').trim().split('\n').length);
    expect(result.folds).toBe(5);

    const failure = await run('npx', ['tsx', 'scripts/evaluate.ts', '--format', 'nope'], { cwd: join(import.meta.dirname, '..', '..') }).catch((error: unknown) => error);
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toContain('--format must be one of');
  }, 60_000);
});
