import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isEmotion } from '../core/domain/emotions.ts';
import type { Emotion } from '../core/domain/emotions.ts';
import type { Movie } from '../core/domain/movie.ts';
import { DataFormatError, parseCsvTable } from './csv.ts';
import type { CsvTable } from './csv.ts';

/**
 * Everything the Feelms models learn from, independent of where it came from (the simulated
 * community's CSV files, or the bot's database). Users are opaque keys; movies are referred to by
 * `Movie.key` (`source:sourceId`), so database ids may be 0 here.
 */
export interface TrainingData {
  movies: Movie[];
  ratings: TrainingRating[];
  interactions: TrainingInteraction[];
  favorites: TrainingFavorite[];
}

export interface TrainingRating {
  userKey: string;
  movieKey: string;
  stars: number;
  at: Date;
}

export type InteractionKind = 'view' | 'shown';

export interface TrainingInteraction {
  userKey: string;
  movieKey: string;
  emotion: Emotion | null;
  kind: InteractionKind;
  at: Date;
}

export interface TrainingFavorite {
  userKey: string;
  movieKey: string;
  at: Date;
}

export const RATING_MIN_STARS = 1;
export const RATING_MAX_STARS = 5;

export class TrainingDataError extends Error {
  readonly code = 'TRAINING_DATA';
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDataError';
  }
}

/**
 * Reads the simulated community written by `npm run data:generate`:
 * `users.csv` (column `userId`), `interactions.csv` (`userId,movieId,emotion,kind,at`),
 * `favorites.csv` (`userId,movieId,at`) and `ratings.csv` (`userId,movieId,emotion,rating,at`).
 * `movieId` is the movie key (`vega:12`); every key must be in `catalog`, every user in users.csv.
 * Columns are found by header name, so extra columns are ignored. Errors name file and line.
 */
export async function readCommunityDir(dir: string, catalog: readonly Movie[]): Promise<TrainingData> {
  const movieKeys = new Set(catalog.map((movie) => movie.key));
  const reads = await Promise.allSettled(
    ['users.csv', 'interactions.csv', 'favorites.csv', 'ratings.csv'].map(async (name) => {
      const file = join(dir, name);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new TrainingDataError(`cannot read ${file}: ${(error as Error).message}`);
      }
      return parseCsvTable(text, file);
    }),
  );
  // The first failure in file order, not whichever read happened to fail first.
  const failed = reads.find((read) => read.status === 'rejected');
  if (failed) throw failed.reason;
  const [users, interactionsTable, favoritesTable, ratingsTable] = reads.map((read) => (read as PromiseFulfilledResult<CsvTable>).value);
  const userKeys = readUserKeys(users!);
  const refs = (table: CsvTable) => {
    const userColumn = table.column('userId');
    const movieColumn = table.column('movieId');
    const atColumn = table.column('at');
    return (fields: string[], line: number) => {
      const userKey = fields[userColumn]!.trim();
      const movieKey = fields[movieColumn]!.trim();
      if (!userKeys.has(userKey)) throw new DataFormatError(table.file, line, `user ${JSON.stringify(userKey)} is not in users.csv`);
      if (!movieKeys.has(movieKey)) throw new DataFormatError(table.file, line, `movie ${JSON.stringify(movieKey)} is not in the catalog`);
      return { userKey, movieKey, at: parseIsoDate(fields[atColumn]!, table.file, line) };
    };
  };

  const interactions: TrainingInteraction[] = [];
  {
    const table = interactionsTable!;
    const ref = refs(table);
    const emotionColumn = table.column('emotion');
    const kindColumn = table.column('kind');
    for (const { line, fields } of table.rows) {
      const kind = fields[kindColumn]!.trim();
      if (kind !== 'view' && kind !== 'shown') throw new DataFormatError(table.file, line, `kind ${JSON.stringify(kind)} is not view or shown`);
      interactions.push({ ...ref(fields, line), emotion: parseEmotion(fields[emotionColumn]!, table.file, line), kind });
    }
  }
  const favorites: TrainingFavorite[] = [];
  {
    const table = favoritesTable!;
    const ref = refs(table);
    for (const { line, fields } of table.rows) favorites.push(ref(fields, line));
  }
  const ratings: TrainingRating[] = [];
  {
    const table = ratingsTable!;
    const ref = refs(table);
    const ratingColumn = table.column('rating');
    for (const { line, fields } of table.rows) {
      const text = fields[ratingColumn]!.trim();
      const stars = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(stars) || stars < RATING_MIN_STARS || stars > RATING_MAX_STARS) {
        throw new DataFormatError(table.file, line, `rating ${JSON.stringify(text)} is not a number in [${RATING_MIN_STARS}, ${RATING_MAX_STARS}]`);
      }
      ratings.push({ ...ref(fields, line), stars });
    }
  }
  return { movies: [...catalog], ratings, interactions, favorites };
}

function readUserKeys(table: CsvTable): Set<string> {
  const column = table.column('userId');
  const keys = new Set<string>();
  for (const { line, fields } of table.rows) {
    const key = fields[column]!.trim();
    if (key === '') throw new DataFormatError(table.file, line, 'empty userId');
    if (keys.has(key)) throw new DataFormatError(table.file, line, `duplicate userId ${JSON.stringify(key)}`);
    keys.add(key);
  }
  return keys;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseIsoDate(text: string, file: string, line: number): Date {
  const trimmed = text.trim();
  const ms = ISO_DATE.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(ms)) throw new DataFormatError(file, line, `time ${JSON.stringify(text)} is not an ISO 8601 date`);
  return new Date(ms);
}

function parseEmotion(text: string, file: string, line: number): Emotion | null {
  const value = text.trim();
  if (value === '') return null;
  if (!isEmotion(value)) throw new DataFormatError(file, line, `emotion ${JSON.stringify(value)} is not one of the moods`);
  return value;
}

/**
 * Checks the invariants training relies on: unique movie keys, every event on a catalog movie,
 * valid dates, stars on the 1–5 scale, known moods. Throws a TrainingDataError naming the first problem.
 */
export function validateTrainingData(data: TrainingData): void {
  const keys = new Set<string>();
  for (const movie of data.movies) {
    if (keys.has(movie.key)) throw new TrainingDataError(`duplicate movie key ${movie.key}`);
    keys.add(movie.key);
  }
  const check = (what: string, index: number, event: { userKey: string; movieKey: string; at: Date }) => {
    if (typeof event.userKey !== 'string' || event.userKey === '') throw new TrainingDataError(`${what}[${index}]: empty userKey`);
    if (!keys.has(event.movieKey)) throw new TrainingDataError(`${what}[${index}]: movie ${event.movieKey} is not in movies`);
    if (!(event.at instanceof Date) || Number.isNaN(event.at.getTime())) throw new TrainingDataError(`${what}[${index}]: invalid date`);
  };
  data.ratings.forEach((rating, i) => {
    check('ratings', i, rating);
    if (!Number.isFinite(rating.stars) || rating.stars < RATING_MIN_STARS || rating.stars > RATING_MAX_STARS) {
      throw new TrainingDataError(`ratings[${i}]: stars ${rating.stars} outside [${RATING_MIN_STARS}, ${RATING_MAX_STARS}]`);
    }
  });
  data.interactions.forEach((interaction, i) => {
    check('interactions', i, interaction);
    if (interaction.kind !== 'view' && interaction.kind !== 'shown') throw new TrainingDataError(`interactions[${i}]: kind ${String(interaction.kind)}`);
    if (interaction.emotion !== null && !isEmotion(interaction.emotion)) throw new TrainingDataError(`interactions[${i}]: emotion ${String(interaction.emotion)}`);
  });
  data.favorites.forEach((favorite, i) => check('favorites', i, favorite));
}

/**
 * SHA-256 of a canonical serialisation of the data (movies by key, events sorted), so the same
 * data gives the same hash whatever order it was loaded in. Recorded in the manifest.
 */
export function trainingDataHash(data: TrainingData): string {
  const hash = createHash('sha256');
  const movies = [...data.movies].sort((a, b) => compare(a.key, b.key));
  for (const m of movies) {
    hash.update(
      JSON.stringify([m.key, m.year, m.runtimeMinutes, m.genres, m.imdbRating, m.imdbVotes, Object.entries(m.emotions).sort((a, b) => compare(a[0], b[0]))]),
    );
    hash.update('\n');
  }
  const section = (name: string, lines: string[]) => {
    hash.update(`#${name}\n`);
    for (const line of lines.sort(compare)) hash.update(`${line}\n`);
  };
  section('ratings', data.ratings.map((r) => `${r.userKey}\t${r.movieKey}\t${r.stars}\t${r.at.toISOString()}`));
  section('interactions', data.interactions.map((x) => `${x.userKey}\t${x.movieKey}\t${x.emotion ?? ''}\t${x.kind}\t${x.at.toISOString()}`));
  section('favorites', data.favorites.map((f) => `${f.userKey}\t${f.movieKey}\t${f.at.toISOString()}`));
  return hash.digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
