/**
 * MovieLens catalogs (users bring their own under GroupLens' terms):
 * - ml-latest(-small) `movies.csv`: `movieId,title,genres`, genres separated by "|", the year inside
 *   the title ("Toy Story (1995)"), articles moved last ("Matrix, The"). A `links.csv` beside it
 *   supplies IMDb ids.
 * - ml-100k `u.item`: Latin-1, "|"-separated, 19 genre flags in u.genre's order.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { canonicalGenres, emotionWeightsForGenres } from '../genres.ts';
import {
  addProblem,
  count,
  moveTrailingArticle,
  newReport,
  type CatalogMovie,
  type ImportReport,
  type ParsedCatalog,
} from '../catalog-movie.ts';
import { parseCsvFile, readCatalogFile } from './read-text.ts';

const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/** "Matrix, The (1999)" → { title: "The Matrix", year: 1999 }. Handles "(1995-1996)" ranges and missing years. */
export function splitTitleYear(raw: string): { title: string; year: number | null } {
  const match = /^(.*?)\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(raw.trim());
  const title = match ? match[1]! : raw.trim();
  const year = match ? Number(match[2]) : null;
  // An alternative title in parentheses ("Shanghai Triad (Yao a yao yao dao waipo qiao)") stays as is.
  return { title: moveTrailingArticle(title), year };
}

function finish(report: ImportReport, movies: Map<string, CatalogMovie>, movie: CatalogMovie, unmapped: string[]): void {
  for (const label of unmapped) count(report.unmappedGenres, label);
  if (movie.genres.length === 0) count(report.fixed, 'no genres listed (kept; no mood will pick it)');
  if (movies.has(movie.sourceId)) {
    count(report.dropped, 'duplicate movie id');
    return;
  }
  movies.set(movie.sourceId, movie);
}

function baseMovie(source: string, sourceId: string, title: string, year: number | null, genres: string[]): CatalogMovie {
  return {
    source, sourceId, title, year, runtimeMinutes: null, genres, certificate: null, imdbRating: null, imdbVotes: null,
    criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null, emotions: emotionWeightsForGenres(genres),
  };
}

function readLinks(moviesFile: string): Map<string, string> {
  const links = new Map<string, string>();
  const file = join(dirname(moviesFile), 'links.csv');
  if (!existsSync(file)) return links;
  for (const { record: row } of parseCsvFile(file, ['movieId', 'imdbId'], 'a MovieLens links.csv')) {
    const imdb = row['imdbId']?.trim();
    if (row['movieId'] && imdb && /^\d+$/.test(imdb)) links.set(row['movieId'], `tt${imdb.padStart(7, '0')}`);
  }
  return links;
}

export function parseMovieLensCsv(file: string): ParsedCatalog {
  const rows = parseCsvFile(file, ['movieId', 'title', 'genres'], 'a MovieLens movies.csv (header movieId,title,genres)');
  const links = readLinks(file);
  const report = newReport('movielens', file);
  const movies = new Map<string, CatalogMovie>();
  for (const { record, line, wrongFieldCount } of rows) {
    report.rowsRead++;
    if (wrongFieldCount) {
      addProblem(report, line, 'expected 3 fields: movieId,title,genres (quote titles that contain commas)');
      continue;
    }
    const id = record['movieId']?.trim() ?? '';
    if (!/^\d+$/.test(id)) {
      addProblem(report, line, `movieId "${id}" is not a number`);
      continue;
    }
    const { title, year } = splitTitleYear(record['title'] ?? '');
    if (!title) {
      addProblem(report, line, 'no title');
      continue;
    }
    if (year === null) count(report.fixed, 'no year in the title (kept without a year)');
    const { genres, unmapped } = canonicalGenres((record['genres'] ?? '').split('|'));
    const movie = baseMovie('movielens', id, title, year, genres);
    movie.imdbId = links.get(id) ?? null;
    finish(report, movies, movie, unmapped);
  }
  return { movies: [...movies.values()], report };
}

export function parseMovieLens100kItems(file: string): ParsedCatalog {
  // u.item is Latin-1: reading it as UTF-8 would mangle "Café" titles.
  const text = readCatalogFile(file, 'latin1');
  const report = newReport('ml100k', file);
  const movies = new Map<string, CatalogMovie>();
  text.split(/\r?\n/).forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === '') return;
    report.rowsRead++;
    const fields = lineText.split('|');
    if (fields.length !== 5 + ML100K_GENRES.length) {
      addProblem(report, line, `expected ${5 + ML100K_GENRES.length} "|"-separated fields, found ${fields.length}`);
      return;
    }
    const id = fields[0]!.trim();
    if (!/^\d+$/.test(id)) {
      addProblem(report, line, `movie id "${id}" is not a number`);
      return;
    }
    const { title, year: titleYear } = splitTitleYear(fields[1]!);
    if (!title || title === 'unknown') {
      count(report.dropped, 'no title');
      return;
    }
    const dateYear = /(\d{4})$/.exec(fields[2]!.trim());
    const year = titleYear ?? (dateYear ? Number(dateYear[1]) : null);
    const flags = fields.slice(5);
    const labels = ML100K_GENRES.filter((_, i) => flags[i]?.trim() === '1');
    const { genres, unmapped } = canonicalGenres(labels);
    finish(report, movies, baseMovie('ml100k', id, title, year, genres), unmapped);
  });
  return { movies: [...movies.values()], report };
}

/** `--source movielens`: u.item (ml-100k) or movies.csv (ml-latest), told apart by name, then by content. */
export function parseMovieLens(file: string): ParsedCatalog {
  if (basename(file) === 'u.item') return parseMovieLens100kItems(file);
  if (file.endsWith('.csv')) return parseMovieLensCsv(file);
  const head = readCatalogFile(file, 'latin1').slice(0, 200);
  return head.startsWith('movieId,') ? parseMovieLensCsv(file) : parseMovieLens100kItems(file);
}
