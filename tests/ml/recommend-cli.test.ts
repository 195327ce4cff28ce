import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMovieLens } from '../../src/catalog/sources/movielens.ts';
import { parseRecommendArgs, RecommendUsageError, runRecommendCli } from '../../src/ml/recommend-cli.ts';
import { createRng } from '../../src/shared/random.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

async function cli(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runRecommendCli(argv, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), progress: false });
  return { code, stdout, stderr };
}

interface Row {
  user: string;
  item: string;
  rank: number;
}

function readRows(file: string): Row[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const fields = line.split('\t');
      expect(fields).toHaveLength(3);
      return { user: fields[0]!, item: fields[1]!, rank: Number(fields[2]) };
    });
}

/** Raw user id → raw item ids rated, from (user, item) pairs. */
function ratedBy(pairs: Array<[string, string]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [user, item] of pairs) {
    let set = out.get(user);
    if (!set) out.set(user, (set = new Set()));
    set.add(item);
  }
  return out;
}

/** Checks the file's contract: per user min(k, unseen) rows ranked 1..n, only unseen items of `allowed`. */
function expectRecommendations(rows: Row[], rated: Map<string, Set<string>>, allowed: ReadonlySet<string>, k: number): void {
  const byUser = new Map<string, Row[]>();
  for (const row of rows) {
    let list = byUser.get(row.user);
    if (!list) byUser.set(row.user, (list = []));
    list.push(row);
  }
  for (const [user, seen] of rated) {
    const unseen = [...allowed].filter((item) => !seen.has(item));
    const list = byUser.get(user) ?? [];
    expect(list.length, `rows of user ${user}`).toBe(Math.min(k, unseen.length));
    expect(list.map((row) => row.rank)).toEqual(list.map((_, r) => r + 1));
    expect(new Set(list.map((row) => row.item)).size).toBe(list.length);
    for (const row of list) {
      expect(seen.has(row.item), `user ${user} rated ${row.item}`).toBe(false);
      expect(allowed.has(row.item), `item ${row.item} for user ${user}`).toBe(true);
    }
  }
  expect([...byUser.keys()].every((user) => rated.has(user))).toBe(true);
}

describe('recommend CLI arguments', () => {
  const base = ['--ratings', 'r.data', '--format', 'ml100k'];

  it.each([
    [[...base], '--out FILE is required'],
    [['--format', 'ml100k', '--out', 'o.tsv'], '--ratings FILE is required'],
    [['--ratings', 'r', '--format', 'csv', '--out', 'o.tsv'], '--format must be one of ml100k, mlcsv, ml1m, feelms'],
    [[...base, '--out', 'o.tsv', '--k', '0'], '--k must be an integer from 1 to 1000, got "0"'],
    [[...base, '--out', 'o.tsv', '--k', 'ten'], '--k must be an integer from 1 to 1000, got "ten"'],
    [[...base, '--out', 'o.tsv', '--k', '2.5'], '--k must be an integer'],
    [[...base, '--out', 'o.tsv', '--k=1001'], '--k must be an integer'],
    [[...base, '--out', 'o.tsv', '--mood', 'meh'], '--mood: unknown mood "meh"'],
    [[...base, '--out', 'o.tsv', '--bogus', '1'], 'unknown argument "--bogus"'],
    [[...base, '--out', 'o.tsv', '--holdout', 'later'], '--holdout must be random or time'],
    [[...base, '--out', 'o.tsv', '--seed', '-1'], '--seed must be a non-negative integer'],
    [[...base, '--out'], '--out needs a value'],
    [[...base, '--out', '--k', '3'], '--out needs a value'],
    [[...base, '--out', 'a', '--out', 'b'], '--out given twice'],
  ])('rejects %j with exit code 2', async (argv, message) => {
    expect(() => parseRecommendArgs(argv)).toThrow(RecommendUsageError);
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stderr[0]).toMatch(/^recommend: /);
    expect(stderr[0]).toContain(message);
    expect(stderr.join('\n')).toContain('Usage:');
    expect(stdout).toEqual([]);
  });

  it('parses values with defaults, = forms and mood synonyms', () => {
    expect(parseRecommendArgs([...base, '--out', 'o.tsv'])).toEqual({ ratings: 'r.data', format: 'ml100k', out: 'o.tsv', k: 10, mood: null, holdoutBy: 'random', seed: 42 });
    expect(parseRecommendArgs([...base, '--out=o.tsv', '--k=3', '--mood', 'funny', '--holdout', 'time', '--seed', '7'])).toEqual({
      ratings: 'r.data',
      format: 'ml100k',
      out: 'o.tsv',
      k: 3,
      mood: 'happy',
      holdoutBy: 'time',
      seed: 7,
    });
    expect(parseRecommendArgs([...base, '--help'])).toBe('help');
  });

  it('prints the usage on stdout for --help', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout.join('\n')).toContain('npm run recommend');
  });
});

describe('recommend CLI on a ratings file', () => {
  it('writes every user’s top k unseen movies with the file’s own ids', async () => {
    const dir = scratchDir('recommend');
    const file = join(dir, 'u.data');
    const out = join(dir, 'recs.tsv');
    // Raw ids unlike the dense indices: users 11, 22, …; items 701, 703, …; two taste groups.
    const rng = createRng(8);
    const items = Array.from({ length: 16 }, (_, i) => String(701 + 2 * i));
    const pairs: Array<[string, string]> = [];
    const lines: string[] = [];
    for (let u = 1; u <= 30; u++) {
      const user = String(11 * u);
      items.forEach((item, i) => {
        const mine = (i < 8) === (u % 2 === 0);
        if (rng.next() >= (mine ? 0.55 : 0.1)) return;
        pairs.push([user, item]);
        lines.push(`${user}\t${item}\t${mine ? 4 + rng.int(2) : 1 + rng.int(2)}\t${880000000 + lines.length}`);
      });
    }
    // User 999 has rated all but two movies: two rows only. A re-rating counts as one rated movie.
    for (const item of items.slice(2)) {
      pairs.push(['999', item]);
      lines.push(`999\t${item}\t3\t${890000000 + lines.length}`);
    }
    lines.push(`999\t${items[5]}\t5\t${890000000 + lines.length}`);
    writeFileSync(file, `${lines.join('\n')}\n`);

    const k = 3;
    const { code, stdout, stderr } = await cli(['--ratings', file, '--format', 'ml100k', '--k', String(k), '--out', out]);
    expect(stderr).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.at(-1)!) as Record<string, unknown>;
    const rated = ratedBy(pairs);
    const rows = readRows(out);
    expect(summary).toMatchObject({ users: 31, items: 16, ratings: lines.length, k, mood: null, rows: rows.length, out });
    expectRecommendations(rows, rated, new Set(items), k);
    expect(rows.filter((row) => row.user === '999').map((row) => row.item).sort()).toEqual([items[0], items[1]].sort());
    expect(rows.length).toBe(30 * k + 2);

    // Same file, same seed: the same file again.
    const again = join(dir, 'again.tsv');
    expect((await cli(['--ratings', file, '--format', 'ml100k', '--k', String(k), '--out', again])).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('says --mood needs the movie file beside the ratings', async () => {
    const dir = scratchDir('recommend-nomovies');
    const file = join(dir, 'u.data');
    writeFileSync(file, '1\t1\t5\t880000000\n2\t2\t4\t880000001\n');
    const { code, stderr } = await cli(['--ratings', file, '--format', 'ml100k', '--out', join(dir, 'o.tsv'), '--mood', 'happy']);
    expect(code).toBe(2);
    // It names the file the format needs and the directory it must be in.
    expect(stderr[0]).toMatch(/^recommend: --mood needs the movie file /);
    expect(stderr[0]).toContain('u.item for ml100k');
    expect(stderr[0]).toContain(dir);

    const csv = join(dir, 'ratings.csv');
    writeFileSync(csv, 'userId,movieId,rating,timestamp\n1,1,5,880000000\n');
    const fromCsv = await cli(['--ratings', csv, '--format', 'mlcsv', '--out', join(dir, 'o.tsv'), '--mood', 'happy']);
    expect(fromCsv.code).toBe(2);
    expect(fromCsv.stderr[0]).toContain('movies.csv for mlcsv');
    expect(fromCsv.stderr[0]).toContain(dir);
  });

  it('fails with exit code 1 on a missing or malformed ratings file', async () => {
    const dir = scratchDir('recommend-bad');
    const missing = await cli(['--ratings', join(dir, 'nope.data'), '--format', 'ml100k', '--out', join(dir, 'o.tsv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr[0]).toMatch(/^recommend: .*nope\.data/);
    const bad = join(dir, 'bad.data');
    writeFileSync(bad, '1\t1\t5\t1\n1\t2\tfive\t2\n');
    const malformed = await cli(['--ratings', bad, '--format', 'ml100k', '--out', join(dir, 'o.tsv')]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr[0]).toContain(`${bad}:2`);
  });

  it('with --mood only recommends movies of that mood, from movies.csv beside the ratings', async () => {
    const dir = scratchDir('recommend-mood');
    const movies = [
      '1,Toy Story (1995),Animation|Children|Comedy',
      '2,Grumpier Old Men (1995),Comedy|Romance',
      '3,Father of the Bride Part II (1995),Comedy',
      '4,Ace Ventura: When Nature Calls (1995),Comedy',
      '5,"American President, The (1995)",Comedy|Drama|Romance',
      '6,Heat (1995),Action|Crime|Thriller',
      '7,Dracula: Dead and Loving It (1995),Horror',
      '8,Nixon (1995),Drama',
      '9,Casino (1995),Crime|Drama',
      '10,Richard III (1995),Drama|War',
      '11,Se7en (1995),Mystery|Thriller',
      '12,Hoop Dreams (1994),Documentary',
    ];
    writeFileSync(join(dir, 'movies.csv'), `movieId,title,genres\n${movies.join('\n')}\n`);
    const happy = new Set(['1', '2', '3', '4', '5']);
    // The catalog's own genre → mood weights agree with the split above.
    const parsed = parseMovieLens(join(dir, 'movies.csv')).movies;
    expect(new Set(parsed.filter((movie) => (movie.emotions.happy ?? 0) >= 0.5).map((movie) => movie.sourceId))).toEqual(happy);

    // Movie 13 is rated but missing from movies.csv: no mood, never recommended for one.
    const rng = createRng(5);
    const pairs: Array<[string, string]> = [];
    const lines = ['userId,movieId,rating,timestamp'];
    for (let u = 1; u <= 30; u++) {
      for (let i = 1; i <= 13; i++) {
        if (rng.next() >= 0.45) continue;
        pairs.push([String(u), String(i)]);
        lines.push(`${u},${i},${(1 + rng.int(10)) / 2},${1_000_000 + lines.length}`);
      }
    }
    const ratings = join(dir, 'ratings.csv');
    writeFileSync(ratings, `${lines.join('\n')}\n`);
    const out = join(dir, 'happy.tsv');
    const k = 2;
    const { code, stdout, stderr } = await cli(['--ratings', ratings, '--format', 'mlcsv', '--k', String(k), '--out', out, '--mood', 'happy']);
    expect(stderr).toEqual([]);
    expect(code).toBe(0);
    const rows = readRows(out);
    expect(rows.length).toBeGreaterThan(0);
    const rated = ratedBy(pairs);
    // Only the happy movies the user has not rated, min(k, how many are left) of them.
    const happyInData = new Set([...happy].filter((item) => pairs.some(([, rated]) => rated === item)));
    expectRecommendations(rows, rated, happyInData, k);
    expect(JSON.parse(stdout.at(-1)!)).toMatchObject({ mood: 'happy', k, rows: rows.length, users: rated.size });

    // Without the mood the same file recommends other movies too.
    const plain = join(dir, 'plain.tsv');
    expect((await cli(['--ratings', ratings, '--format', 'mlcsv', '--k', String(k), '--out', plain])).code).toBe(0);
    expect(readRows(plain).some((row) => !happy.has(row.item))).toBe(true);
  });
});
