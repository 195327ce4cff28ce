/**
 * The Kaggle "IMDB top 1000" CSV, the prototype's imdb.csv format: several genres per film
 * ("Crime, Drama"), runtime as "142 min", poster links, four stars, an overview, quoted fields
 * with commas, and one row whose year is "PG" (Apollo 13). Users bring their own copy.
 */
import { flagCopiedRatings } from '../copied-ratings.ts';
import { canonicalGenres, emotionWeightsForGenres } from '../genres.ts';
import { addProblem, count, newReport, slugId, type CatalogMovie, type ParsedCatalog } from '../catalog-movie.ts';
import { parseCsvFile } from './read-text.ts';

const REQUIRED_COLUMNS = ['Series_Title', 'Released_Year', 'Genre', 'IMDB_Rating'];

const REQUIRED_HEADER_LENGTH = 16;

function emptyToNull(value: string | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

export function parseImdbCsv(file: string): ParsedCatalog {
  const rows = parseCsvFile(file, REQUIRED_COLUMNS, 'an IMDB top-1000 CSV');
  const report = newReport('imdb', file);
  const byId = new Map<string, CatalogMovie>();
  for (const { record, line, wrongFieldCount } of rows) {
    report.rowsRead++;
    if (wrongFieldCount) {
      addProblem(report, line, `expected ${REQUIRED_HEADER_LENGTH} fields (is a comma missing its quotes?)`);
      continue;
    }
    const title = emptyToNull(record['Series_Title']);
    if (title === null) {
      addProblem(report, line, 'no title');
      continue;
    }
    const rawYear = emptyToNull(record['Released_Year']);
    let year: number | null = rawYear !== null && /^\d{4}$/.test(rawYear) ? Number(rawYear) : null;
    if (rawYear !== null && year === null) count(report.fixed, `year that is not a year ("${rawYear}") cleared`);
    if (year !== null && (year < 1888 || year > new Date().getUTCFullYear() + 1)) {
      count(report.fixed, 'impossible year cleared');
      year = null;
    }
    const runtimeMatch = /^(\d+)\s*min$/i.exec(record['Runtime']?.trim() ?? '');
    let runtimeMinutes = runtimeMatch ? Number(runtimeMatch[1]) : null;
    if (runtimeMinutes !== null && (runtimeMinutes < 1 || runtimeMinutes > 600)) {
      count(report.fixed, 'impossible running time cleared');
      runtimeMinutes = null;
    }
    const rating = Number(record['IMDB_Rating']);
    const imdbRating = Number.isFinite(rating) && rating >= 1 && rating <= 10 ? rating : null;
    if (imdbRating === null) {
      addProblem(report, line, `IMDB_Rating "${record['IMDB_Rating'] ?? ''}" is not a number from 1 to 10`);
      continue;
    }
    const votes = Number((record['No_of_Votes'] ?? '').replace(/,/g, ''));
    const meta = Number(record['Meta_score']);
    const { genres, unmapped } = canonicalGenres((record['Genre'] ?? '').split(','));
    for (const label of unmapped) count(report.unmappedGenres, label);
    if (genres.length === 0) {
      addProblem(report, line, `no known genre in "${record['Genre'] ?? ''}"`);
      continue;
    }
    const certificate = emptyToNull(record['Certificate']);
    const movie: CatalogMovie = {
      source: 'imdb',
      sourceId: slugId(title, year),
      title,
      year,
      runtimeMinutes,
      genres,
      certificate,
      imdbRating,
      imdbVotes: Number.isInteger(votes) && votes >= 0 && record['No_of_Votes']?.trim() ? votes : null,
      criticScore: record['Meta_score']?.trim() && Number.isFinite(meta) && meta >= 0 && meta <= 100 ? meta : null,
      director: emptyToNull(record['Director']),
      cast: ['Star1', 'Star2', 'Star3', 'Star4'].map((column) => emptyToNull(record[column])).filter((star): star is string => star !== null),
      posterUrl: /^https?:\/\//.test(record['Poster_Link'] ?? '') ? record['Poster_Link']!.trim() : null,
      overview: emptyToNull(record['Overview']),
      imdbId: null,
      emotions: emotionWeightsForGenres(genres, certificate),
    };
    if (byId.has(movie.sourceId)) {
      count(report.dropped, 'duplicate (same title and year)');
      continue;
    }
    byId.set(movie.sourceId, movie);
  }
  const movies = [...byId.values()];
  flagCopiedRatings(movies, report);
  return { movies, report };
}
