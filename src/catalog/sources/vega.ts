/**
 * vega-datasets' movies.json (BSD-3): 3,201 films, a teaching set with deliberate errors. Cleaning,
 * as the prototype cleaned its imdb.csv:
 * - titles stored as numbers ("1776", "300") become strings; rows without a title are dropped;
 * - "Charge of the Light Brigade, The" → "The Charge of the Light Brigade";
 * - release dates "Dec 31 2046" are parsed; years after the data set was compiled (2011) are
 *   two-digit-year mistakes and lose a century (Duel in the Sun is 1946);
 * - impossible values (runtime outside 1–600 min, ratings outside their scales, negative votes) become unknown;
 * - the "Open" MPAA rating is not a certificate;
 * - a missing Major Genre is filled from Creative Type (Science Fiction → Sci-Fi, Kids Fiction → Family…);
 *   rows with neither are dropped, since no mood could ever pick them;
 * - duplicates (same title and year) keep the row with the most IMDb votes;
 * - a few dramas labelled Comedy (Festen, Rain Man…) get their real genres from
 *   vega-corrections.json, so they stop counting as happy;
 * - an IMDb rating/vote pair copied between same-titled films of different years (Casino Royale
 *   1967 carries the 2006 film's) is cleared on the film it does not belong to (copied-ratings.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { flagCopiedRatings } from '../copied-ratings.ts';
import { canonicalGenres, emotionWeightsForGenres } from '../genres.ts';
import { normalizeTitle } from '../titles.ts';
import corrections from './vega-corrections.json' with { type: 'json' };
import { fixMacRomanMojibake } from './mojibake.ts';
import {
  addProblem,
  CatalogFileError,
  count,
  moveTrailingArticle,
  newReport,
  slugId,
  type CatalogMovie,
  type ParsedCatalog,
} from '../catalog-movie.ts';

/** The data set's newest films are from 2011; later years (2015 and up) are two-digit-year parsing errors. */
const LAST_YEAR_IN_DATASET = 2011;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** movies.json inside the installed vega-datasets package (its `exports` hide data/, so go via the entry point). */
export function defaultVegaFile(): string {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  return join(dirname(entry), '..', 'data', 'movies.json');
}

type VegaRow = Record<string, unknown>;

/** "Title (Year)" → the film's real genres, for the few films whose Major Genre is wrong. */
const GENRE_CORRECTIONS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(corrections.genres));
/** Normalised title → the year of the film a copied rating/vote pair belongs to. */
const RATING_OWNERS: ReadonlyMap<string, number> = new Map(Object.entries(corrections.ratingOwners).map(([title, year]) => [normalizeTitle(title), year]));
export const GENRE_CORRECTED_REASON = 'genres corrected (a drama labelled Comedy; vega-corrections.json)';

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function textOrNull(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** "Jun 12 1998" → 1998 (with the century fix), or null. */
export function parseVegaReleaseYear(raw: unknown): { year: number | null; centuryFixed: boolean } {
  if (typeof raw !== 'string') return { year: null, centuryFixed: false };
  const match = /^([A-Za-z]{3})\s+(\d{1,2})\s+(\d{4})$/.exec(raw.trim());
  if (!match || !MONTHS.includes(match[1]!.toLowerCase())) return { year: null, centuryFixed: false };
  let year = Number(match[3]);
  const day = Number(match[2]);
  if (day < 1 || day > 31) return { year: null, centuryFixed: false };
  const centuryFixed = year > LAST_YEAR_IN_DATASET;
  if (centuryFixed) year -= 100;
  if (year < 1888) return { year: null, centuryFixed: false };
  return { year, centuryFixed };
}

export function parseVega(file: string = defaultVegaFile()): ParsedCatalog {
  let rows: unknown;
  try {
    rows = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON (${(error as Error).message})`;
    throw new CatalogFileError(file, reason);
  }
  if (!Array.isArray(rows)) throw new CatalogFileError(file, 'expected a JSON array of movies');

  const report = newReport('vega', file);
  const byId = new Map<string, CatalogMovie>();
  rows.forEach((value, index) => {
    // JSON arrays have no line numbers; report the 1-based record number instead.
    const line = index + 1;
    report.rowsRead++;
    if (typeof value !== 'object' || value === null) {
      addProblem(report, line, 'record is not an object');
      return;
    }
    const row = value as VegaRow;
    const rawTitle = row['Title'];
    let title = textOrNull(rawTitle);
    if (title === null) {
      count(report.dropped, 'no title');
      return;
    }
    if (typeof rawTitle === 'number') count(report.fixed, 'title stored as a number');
    const decoded = fixMacRomanMojibake(title);
    if (decoded !== title) {
      count(report.fixed, 'accents garbled by a Mac Roman mix-up repaired');
      title = decoded;
    }
    const reordered = moveTrailingArticle(title);
    if (reordered !== title) {
      count(report.fixed, 'article moved to the front of the title');
      title = reordered;
    }

    const { year, centuryFixed } = parseVegaReleaseYear(row['Release Date']);
    if (centuryFixed) count(report.fixed, 'release year a century too late (two-digit-year error)');
    if (year === null && row['Release Date'] !== null) count(report.fixed, 'unparseable release date cleared');

    let runtimeMinutes = numberOrNull(row['Running Time min']);
    if (runtimeMinutes !== null && (runtimeMinutes < 1 || runtimeMinutes > 600)) {
      count(report.fixed, 'impossible running time cleared');
      runtimeMinutes = null;
    }
    let imdbRating = numberOrNull(row['IMDB Rating']);
    if (imdbRating !== null && (imdbRating < 1 || imdbRating > 10)) {
      count(report.fixed, 'IMDb rating outside 1–10 cleared');
      imdbRating = null;
    }
    let imdbVotes = numberOrNull(row['IMDB Votes']);
    if (imdbVotes !== null && (imdbVotes < 0 || !Number.isInteger(imdbVotes))) {
      count(report.fixed, 'impossible IMDb vote count cleared');
      imdbVotes = null;
    }
    if (imdbRating === null) imdbVotes = null;
    let criticScore = numberOrNull(row['Rotten Tomatoes Rating']);
    if (criticScore !== null && (criticScore < 0 || criticScore > 100)) {
      count(report.fixed, 'Rotten Tomatoes score outside 0–100 cleared');
      criticScore = null;
    }
    let certificate = textOrNull(row['MPAA Rating']);
    if (certificate === 'Open') {
      count(report.fixed, '"Open" is not an MPAA rating; cleared');
      certificate = null;
    }

    const major = textOrNull(row['Major Genre']);
    const creative = textOrNull(row['Creative Type']);
    const labels = [major, creative].filter((label): label is string => label !== null);
    const corrected = GENRE_CORRECTIONS.get(`${title} (${year ?? ''})`);
    if (corrected) count(report.fixed, GENRE_CORRECTED_REASON);
    const { genres, unmapped } = canonicalGenres(corrected ?? labels);
    for (const label of unmapped) count(report.unmappedGenres, label);
    if (genres.length === 0) {
      count(report.dropped, 'no genre (neither Major Genre nor Creative Type)');
      return;
    }
    if (major === null) count(report.fixed, 'missing Major Genre filled from Creative Type');

    const movie: CatalogMovie = {
      source: 'vega',
      sourceId: slugId(title, year),
      title,
      year,
      runtimeMinutes,
      genres,
      certificate,
      imdbRating,
      imdbVotes,
      criticScore,
      director: ((director) => (director === null ? null : fixMacRomanMojibake(director)))(textOrNull(row['Director'])),
      cast: [],
      posterUrl: null,
      overview: null,
      imdbId: null,
      emotions: emotionWeightsForGenres(genres, certificate),
    };
    const existing = byId.get(movie.sourceId);
    if (existing) {
      count(report.dropped, 'duplicate (same title and year)');
      if ((movie.imdbVotes ?? -1) > (existing.imdbVotes ?? -1)) byId.set(movie.sourceId, movie);
      return;
    }
    byId.set(movie.sourceId, movie);
  });
  const movies = [...byId.values()];
  flagCopiedRatings(movies, report, RATING_OWNERS);
  return { movies, report };
}
