import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { parseCatalog } from '../../src/catalog/parse-catalog.ts';
import { toSimulationMovies } from '../../src/community/catalog-for-simulation.ts';
import { COMMUNITY_FILES, writeCommunityFiles } from '../../src/community/community-files.ts';
import { generateCommunity, startOfUtcDay } from '../../src/community/generate-community.ts';
import type { Community, SimulationMovie } from '../../src/community/generate-community.ts';
import { EMOTIONS, POSITIVE_EMOTIONS } from '../../src/core/domain/emotions.ts';
import type { Emotion } from '../../src/core/domain/emotions.ts';
import { REPO_ROOT } from '../helpers/shared-data.ts';

const AS_OF = new Date('2026-11-24T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const OPTIONS = { users: 1000, seed: 42, asOf: AS_OF };

const pairKey = (userId: string, movieKey: string) => `${userId}|${movieKey}`;
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'feelms-community-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('generateCommunity over the vega catalog (1,000 users, seed 42)', () => {
  let movies: SimulationMovie[];
  let community: Community;
  beforeAll(() => {
    movies = toSimulationMovies(parseCatalog('vega').movies);
    community = generateCommunity(movies, OPTIONS);
  });

  it('THEN there are 1,000 users and exactly 20 % of them are active', () => {
    expect(community.users).toHaveLength(1000);
    expect(community.users.filter((user) => user.segment === 'active')).toHaveLength(200);
    expect(new Set(community.users.map((user) => user.userId)).size).toBe(1000);
  });

  it('THEN active users come back more often than casual ones', () => {
    const viewsBySegment = { active: [] as number[], casual: [] as number[] };
    const viewsByUser = new Map<string, number>();
    for (const interaction of community.interactions) {
      if (interaction.kind === 'view') viewsByUser.set(interaction.userId, (viewsByUser.get(interaction.userId) ?? 0) + 1);
    }
    for (const user of community.users) viewsBySegment[user.segment].push(viewsByUser.get(user.userId) ?? 0);

    expect(mean(viewsBySegment.active)).toBeGreaterThan(3 * mean(viewsBySegment.casual));
  });

  it('THEN every user, interaction, favorite and rating is dated within the year before asOf', () => {
    const dates = [
      ...community.users.map((user) => user.createdAt),
      ...community.interactions.map((interaction) => interaction.at),
      ...community.favorites.map((favorite) => favorite.at),
      ...community.ratings.map((rating) => rating.at),
    ];
    const outside = dates.filter((date) => date.getTime() < AS_OF.getTime() - YEAR_MS || date.getTime() >= AS_OF.getTime());

    expect(outside).toEqual([]);
  });

  it('THEN interactions are of kind view and shown only, and both occur', () => {
    expect(new Set(community.interactions.map((interaction) => interaction.kind))).toEqual(new Set(['view', 'shown']));
  });

  it('THEN favorites are 30 % of views (±3 points)', () => {
    const views = community.interactions.filter((interaction) => interaction.kind === 'view').length;

    expect(community.favorites.length / views).toBeGreaterThanOrEqual(0.27);
    expect(community.favorites.length / views).toBeLessThanOrEqual(0.33);
  });

  it('THEN ratings are 50 % of favorites (±5 points), each from 1 to 5 stars', () => {
    expect(community.ratings.length / community.favorites.length).toBeGreaterThanOrEqual(0.45);
    expect(community.ratings.length / community.favorites.length).toBeLessThanOrEqual(0.55);
    for (const rating of community.ratings) expect([1, 2, 3, 4, 5]).toContain(rating.rating);
  });

  it('THEN every favorite is dated after the same user viewed the same movie', () => {
    const viewedAt = new Map<string, number>();
    for (const interaction of community.interactions) {
      if (interaction.kind === 'view') viewedAt.set(pairKey(interaction.userId, interaction.movieKey), interaction.at.getTime());
    }

    const notAfterView = community.favorites.filter((favorite) => {
      const view = viewedAt.get(pairKey(favorite.userId, favorite.movieKey));
      return view === undefined || favorite.at.getTime() <= view;
    });

    expect(community.favorites.length).toBeGreaterThan(0);
    expect(notAfterView).toEqual([]);
  });

  it('THEN every rated movie is a favorite of the same user, rated no earlier than it was favorited', () => {
    const favoritedAt = new Map(community.favorites.map((favorite) => [pairKey(favorite.userId, favorite.movieKey), favorite.at.getTime()]));

    const orphans = community.ratings.filter((rating) => {
      const favorite = favoritedAt.get(pairKey(rating.userId, rating.movieKey));
      return favorite === undefined || rating.at.getTime() < favorite;
    });

    expect(orphans).toEqual([]);
  });

  it('THEN a user favorites a movie at most once', () => {
    const pairs = community.favorites.map((favorite) => pairKey(favorite.userId, favorite.movieKey));

    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('THEN every interaction refers to a catalog movie', () => {
    const keys = new Set(movies.map((movie) => movie.key));

    expect(community.interactions.filter((interaction) => !keys.has(interaction.movieKey))).toEqual([]);
  });

  it('THEN positive moods are picked more often, per mood, than the others', () => {
    // A session is one (user, time) of `shown` interactions, all with the session's mood.
    const sessionsByEmotion = new Map<Emotion, Set<string>>(EMOTIONS.map((emotion) => [emotion, new Set<string>()]));
    for (const interaction of community.interactions) {
      if (interaction.kind === 'shown') sessionsByEmotion.get(interaction.emotion)!.add(`${interaction.userId}|${interaction.at.getTime()}`);
    }
    const counts = (positive: boolean) => EMOTIONS.filter((emotion) => POSITIVE_EMOTIONS.has(emotion) === positive).map((emotion) => sessionsByEmotion.get(emotion)!.size);

    expect(mean(counts(true))).toBeGreaterThan(1.5 * mean(counts(false)));
    expect(Math.min(...counts(true))).toBeGreaterThan(Math.max(...counts(false)));
  });

  it('THEN the mood shapes the stars: scared and sad rate lower on average than happy', () => {
    const meanFor = (emotion: Emotion) => mean(community.ratings.filter((rating) => rating.emotion === emotion).map((rating) => rating.rating));

    expect(meanFor('scared')).toBeLessThan(meanFor('happy') - 0.3);
    expect(meanFor('sad')).toBeLessThan(meanFor('happy'));
  });

  it('GIVEN the same seed THEN the community is identical, down to the CSV bytes', () => {
    const again = generateCommunity(movies, OPTIONS);
    expect(again).toEqual(community);

    const first = writeCommunityFiles(tempDir(), community);
    const second = writeCommunityFiles(tempDir(), again);
    for (const name of Object.keys(COMMUNITY_FILES) as Array<keyof typeof COMMUNITY_FILES>) {
      expect(readFileSync(second[name], 'utf8'), name).toBe(readFileSync(first[name], 'utf8'));
    }
  });

  it('GIVEN another seed THEN the community differs', () => {
    const other = generateCommunity(movies, { ...OPTIONS, seed: 43 });
    const firstPaths = writeCommunityFiles(tempDir(), community);
    const otherPaths = writeCommunityFiles(tempDir(), other);

    expect(readFileSync(otherPaths.interactions, 'utf8')).not.toBe(readFileSync(firstPaths.interactions, 'utf8'));
    expect(other.users.filter((user) => user.segment === 'active')).toHaveLength(200);
  });

  it('WHEN written THEN each file has its header and one line per record, with ISO dates', () => {
    const paths = writeCommunityFiles(tempDir(), community);

    const lines = (name: keyof typeof COMMUNITY_FILES) => readFileSync(paths[name], 'utf8').trimEnd().split('\n');
    expect(lines('users')[0]).toBe('userId,segment,createdAt');
    expect(lines('users')).toHaveLength(community.users.length + 1);
    expect(lines('interactions')).toHaveLength(community.interactions.length + 1);
    expect(lines('favorites')).toHaveLength(community.favorites.length + 1);
    expect(lines('ratings')).toHaveLength(community.ratings.length + 1);
    expect(lines('ratings')[1]).toMatch(/^\d+,vega:[a-z0-9-]+,[a-z]+,[1-5],\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('generateCommunity on a tiny catalog', () => {
  it('GIVEN no movie reaches a mood weight of 0.5 THEN it refuses with a message to import a catalog', () => {
    const bland: SimulationMovie[] = [{ key: 'test:1', genres: ['IMAX'], imdbRating: 7, imdbVotes: 10, emotions: { excited: 0.3 } }];

    expect(() => generateCommunity(bland, OPTIONS)).toThrow(/import a catalog/);
  });

  it('GIVEN a catalog with only happy movies THEN every interaction is for the happy mood', () => {
    const happy: SimulationMovie[] = Array.from({ length: 12 }, (_, i) => ({
      key: `test:${i}`,
      genres: ['Comedy'],
      imdbRating: 5 + (i % 4),
      imdbVotes: 100 * i,
      emotions: { happy: 1, relaxed: 0.4 },
    }));

    const { interactions } = generateCommunity(happy, { users: 20, seed: 1, asOf: AS_OF });

    expect(interactions.length).toBeGreaterThan(0);
    expect(new Set(interactions.map((interaction) => interaction.emotion))).toEqual(new Set(['happy']));
  });
});

describe('startOfUtcDay', () => {
  it('GIVEN a time of day THEN it returns midnight UTC of that day', () => {
    expect(startOfUtcDay(new Date('2026-11-24T23:59:59.999Z')).toISOString()).toBe('2026-11-24T00:00:00.000Z');
  });
});


describe('npm run data:generate', () => {
  function generate(args: string[]) {
    return spawnSync('npx', ['tsx', 'scripts/generate.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('GIVEN --users 50 --seed 7 --json THEN the last stdout line is a JSON summary and the four CSV files have their headers', () => {
    const out = tempDir();

    const result = generate(['--users', '50', '--seed', '7', '--out', out, '--as-of', '2026-01-01', '--json']);

    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.trimEnd().split('\n').at(-1)!) as { users: number; activeUsers: number; favorites: number; out: string };
    expect(summary).toMatchObject({ users: 50, activeUsers: 10, out });
    expect(summary.favorites).toBeGreaterThan(0);
    const headers = {
      'users.csv': 'userId,segment,createdAt',
      'interactions.csv': 'userId,movieId,emotion,kind,at',
      'favorites.csv': 'userId,movieId,at',
      'ratings.csv': 'userId,movieId,emotion,rating,at',
    };
    for (const [file, header] of Object.entries(headers)) {
      expect(existsSync(join(out, file)), file).toBe(true);
      expect(readFileSync(join(out, file), 'utf8').split('\n')[0], file).toBe(header);
    }
    expect(readFileSync(join(out, 'users.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(51);
  }, 70_000);

  it('GIVEN --users abc THEN it exits 2 with the usage', () => {
    const result = generate(['--users', 'abc', '--out', tempDir()]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--users must be a whole number');
    expect(result.stderr).toContain('usage: npm run data:generate');
  }, 70_000);
});
