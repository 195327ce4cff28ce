/**
 * The simulated community as CSV files (the `feelms` training format): users.csv, interactions.csv
 * (with a `kind` column: view/shown), favorites.csv and ratings.csv. Dates are ISO 8601 UTC; movie
 * ids are catalog keys (`vega:the-matrix-1999`), which contain no commas or quotes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Community } from './generate-community.ts';

export const COMMUNITY_FILES = {
  users: { file: 'users.csv', header: 'userId,segment,createdAt' },
  interactions: { file: 'interactions.csv', header: 'userId,movieId,emotion,kind,at' },
  favorites: { file: 'favorites.csv', header: 'userId,movieId,at' },
  ratings: { file: 'ratings.csv', header: 'userId,movieId,emotion,rating,at' },
} as const;

function lines(header: string, rows: string[][]): string {
  return [header, ...rows.map((row) => row.join(','))].join('\n') + '\n';
}

export function writeCommunityFiles(dir: string, community: Community): Record<keyof typeof COMMUNITY_FILES, string> {
  mkdirSync(dir, { recursive: true });
  const iso = (date: Date) => date.toISOString();
  const contents = {
    users: lines(COMMUNITY_FILES.users.header, community.users.map((u) => [u.userId, u.segment, iso(u.createdAt)])),
    interactions: lines(COMMUNITY_FILES.interactions.header, community.interactions.map((i) => [i.userId, i.movieKey, i.emotion, i.kind, iso(i.at)])),
    favorites: lines(COMMUNITY_FILES.favorites.header, community.favorites.map((f) => [f.userId, f.movieKey, iso(f.at)])),
    ratings: lines(COMMUNITY_FILES.ratings.header, community.ratings.map((r) => [r.userId, r.movieKey, r.emotion, String(r.rating), iso(r.at)])),
  };
  const paths = {} as Record<keyof typeof COMMUNITY_FILES, string>;
  for (const name of Object.keys(COMMUNITY_FILES) as Array<keyof typeof COMMUNITY_FILES>) {
    paths[name] = join(dir, COMMUNITY_FILES[name].file);
    writeFileSync(paths[name], contents[name]);
  }
  return paths;
}
