/**
 * Writes cleaned catalog movies, one row per film whatever the sources, in multi-row batches.
 *
 * Every source row (source, sourceId) is recorded in `movie_sources`, pointing at its film. An
 * incoming row is, in this order:
 * 1. a row already recorded: its film is updated in place (re-running an import never duplicates);
 * 2. the same film as one in the catalog, matched
 *    - by IMDb id (MovieLens has them, from links.csv), else
 *    - by normalised title (src/catalog/titles.ts: case, punctuation, accents, leading/trailing
 *      articles, alternative titles in parentheses) and year: the same year, or one year apart
 *      only when both running times are known; and when both running times are known they must
 *      be within RUNTIME_TOLERANCE minutes, unless both rows name the same director and the year
 *      is the same (vega's running times are often wrong: Walk the Line 80 min, for 136). Never
 *      onto a film with a different IMDb id, nor onto a film that already has a row from the same
 *      source (a source lists a film once). When several films qualify: the same year and running
 *      time first, then the same director, then a year apart; then the closer running time, then
 *      the lower id;
 *    then it is *merged*: recorded in movie_sources against that film, which keeps its own key
 *    (movies.source/sourceId, the first source that brought it: `Movie.key` for trained models);
 * 3. otherwise a new film.
 *
 * Fields: the film's own source overwrites them when it is re-imported, except with an unknown
 * (null) value; any other source only fills fields the film does not have yet. IMDb rating and
 * votes move together, as a pair. A pair the parser flagged as copied from another film
 * (`copiedRating`) is cleared from the stored film if it still holds it. Emotion weights are
 * recomputed from the merged genres and certificate.
 */
import type { DatabaseConfig } from '../../config.ts';
import type { CatalogMovie } from '../../catalog/catalog-movie.ts';
import { emotionWeightsForGenres } from '../../catalog/genres.ts';
import { normalizeTitle, titleVariants } from '../../catalog/titles.ts';
import type { EmotionWeights } from '../../core/domain/emotions.ts';
import { chunks, openBulkConnection, placeholders, type BulkConnection, type Row, type SqlValue } from './bulk.ts';

const MOVIE_COLUMNS = [
  'source', 'sourceId', 'title', 'year', 'runtimeMinutes', 'genres', 'certificate', 'imdbRating', 'imdbVotes',
  'criticScore', 'director', 'cast', 'posterUrl', 'overview', 'imdbId', 'updatedAt',
] as const;
const UPDATED_COLUMNS = MOVIE_COLUMNS.filter((column) => column !== 'source' && column !== 'sourceId');

/** Two running times within this many minutes are the same film's (cuts and sources differ a little). */
export const RUNTIME_TOLERANCE = 5;

/** How a source row was matched to its film, as stored in movie_sources.matchedBy, and as the report says it. */
export const MATCH_RULES = {
  source: 'its own row',
  imdbId: 'by IMDb id',
  title: 'by title + year',
  titleDirector: 'by title + year + director',
  titleNear: 'by title + year ±1 + running time',
} as const;
export type MatchRule = keyof typeof MATCH_RULES;

export interface CatalogWriteResult {
  /** New films. */
  inserted: number;
  /** Source rows already in the catalog, updated in place. */
  updated: number;
  /** Source rows that are a film already in the catalog (from another source), attached to it. */
  merged: number;
  /** MATCH_RULES label → how many of `merged` that rule matched. */
  mergedBy: Record<string, number>;
}

/** A film as stored, with what the matching needs. */
interface StoredFilm {
  id: number;
  /** The film's own key. */
  source: string;
  sourceId: string;
  fields: FilmFields;
  /** Sources with a row recorded for this film. */
  sources: Set<string>;
}

type FilmFields = Omit<CatalogMovie, 'source' | 'sourceId' | 'emotions' | 'copiedRating'>;

type Plan =
  | { kind: 'insert'; movie: CatalogMovie }
  | { kind: 'update' | 'merge'; movie: CatalogMovie; film: StoredFilm; rule: MatchRule; fields: FilmFields; emotions: EmotionWeights; record: boolean };

const sourceKey = (source: string, sourceId: string) => `${source}\u0000${sourceId}`;

function splitList(value: unknown): string[] {
  return typeof value === 'string' && value !== '' ? value.split('|') : [];
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function textOrNull(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : null;
}

/** Column values clipped to the schema's sizes, so one long field cannot fail a whole batch. */
function movieRow(source: string, sourceId: string, movie: FilmFields, now: Date): SqlValue[] {
  const clip = (value: string | null, max: number) => (value === null ? null : value.length > max ? value.slice(0, max - 1) + '…' : value);
  return [
    source,
    sourceId,
    clip(movie.title, 255),
    movie.year,
    movie.runtimeMinutes,
    clip(movie.genres.join('|'), 255),
    clip(movie.certificate, 16),
    movie.imdbRating,
    movie.imdbVotes,
    movie.criticScore,
    clip(movie.director, 255),
    movie.cast.length > 0 ? clip(movie.cast.join('|'), 512) : null,
    movie.posterUrl !== null && movie.posterUrl.length <= 512 ? movie.posterUrl : null,
    clip(movie.overview, 20_000),
    clip(movie.imdbId, 16),
    now,
  ];
}

/** Everything the matching needs, read once per source. */
class CatalogIndex {
  readonly byId = new Map<number, StoredFilm>();
  /** (source, sourceId) → film id, from movie_sources and from the films' own keys. */
  readonly bySourceKey = new Map<string, number>();
  /** Source keys that have a movie_sources row. */
  readonly recorded = new Set<string>();
  private readonly byImdbId = new Map<string, StoredFilm[]>();
  private readonly byTitle = new Map<string, StoredFilm[]>();

  static async load(bulk: BulkConnection): Promise<CatalogIndex> {
    const q = bulk.quote;
    const index = new CatalogIndex();
    const movies = await bulk.all(`SELECT ${['id', ...MOVIE_COLUMNS.filter((c) => c !== 'updatedAt')].map(q).join(', ')} FROM ${q('movies')}`);
    for (const row of movies) index.add(filmFromRow(row));
    for (const row of await bulk.all(`SELECT ${q('source')}, ${q('sourceId')}, ${q('movieId')} FROM ${q('movie_sources')}`)) {
      const key = sourceKey(String(row['source']), String(row['sourceId']));
      const film = index.byId.get(Number(row['movieId']));
      index.recorded.add(key);
      if (!film) continue;
      index.bySourceKey.set(key, film.id);
      film.sources.add(String(row['source']));
    }
    return index;
  }

  add(film: StoredFilm): void {
    this.byId.set(film.id, film);
    this.bySourceKey.set(sourceKey(film.source, film.sourceId), film.id);
    if (film.fields.imdbId !== null) this.push(this.byImdbId, film.fields.imdbId, film);
    for (const variant of titleVariants(film.fields.title)) this.push(this.byTitle, variant, film);
  }

  /** Called when a merge fills the film's IMDb id, so later rows can match it by id. */
  noteImdbId(film: StoredFilm, imdbId: string): void {
    this.push(this.byImdbId, imdbId, film);
  }

  /** The film an incoming row of another source is, and the rule that says so; undefined when none is. */
  match(movie: CatalogMovie): { film: StoredFilm; rule: MatchRule } | undefined {
    if (movie.imdbId !== null) {
      const film = this.byImdbId.get(movie.imdbId)?.[0];
      if (film) return { film, rule: 'imdbId' };
    }
    if (movie.year === null) return undefined;
    let best: { film: StoredFilm; rule: MatchRule; runtimeGap: number } | undefined;
    const seen = new Set<number>();
    for (const variant of titleVariants(movie.title)) {
      for (const film of this.byTitle.get(variant) ?? []) {
        if (seen.has(film.id)) continue;
        seen.add(film.id);
        const candidate = titleMatch(movie, film);
        if (!candidate) continue;
        const better =
          !best ||
          RULE_ORDER.indexOf(candidate.rule) < RULE_ORDER.indexOf(best.rule) ||
          (candidate.rule === best.rule && (candidate.runtimeGap < best.runtimeGap || (candidate.runtimeGap === best.runtimeGap && film.id < best.film.id)));
        if (better) best = { film, ...candidate };
      }
    }
    return best && { film: best.film, rule: best.rule };
  }

  private push(map: Map<string, StoredFilm[]>, key: string, film: StoredFilm): void {
    const list = map.get(key);
    if (!list) map.set(key, [film]);
    else if (!list.includes(film)) list.push(film);
  }
}

/** Title rules, strongest first: the best candidate film is the one matched by the earliest rule. */
const RULE_ORDER: readonly MatchRule[] = ['title', 'titleDirector', 'titleNear'];

function sameDirector(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && normalizeTitle(a) !== '' && normalizeTitle(a) === normalizeTitle(b);
}

/** The title rule for a row whose title variants share one with `film`'s. */
function titleMatch(movie: CatalogMovie, film: StoredFilm): { rule: MatchRule; runtimeGap: number } | undefined {
  const stored = film.fields;
  if (film.sources.has(movie.source)) return undefined;
  if (movie.imdbId !== null && stored.imdbId !== null && movie.imdbId !== stored.imdbId) return undefined;
  if (movie.year === null || stored.year === null) return undefined;
  const bothRuntimes = movie.runtimeMinutes !== null && stored.runtimeMinutes !== null;
  const runtimeGap = bothRuntimes ? Math.abs(movie.runtimeMinutes! - stored.runtimeMinutes!) : 0;
  if (runtimeGap > RUNTIME_TOLERANCE) {
    return movie.year === stored.year && sameDirector(movie.director, stored.director) ? { rule: 'titleDirector', runtimeGap } : undefined;
  }
  if (movie.year === stored.year) return { rule: 'title', runtimeGap };
  if (bothRuntimes && Math.abs(movie.year - stored.year) === 1) return { rule: 'titleNear', runtimeGap };
  return undefined;
}

function filmFromRow(row: Row): StoredFilm {
  return {
    id: Number(row['id']),
    source: String(row['source']),
    sourceId: String(row['sourceId']),
    sources: new Set([String(row['source'])]),
    fields: {
      title: String(row['title']),
      year: numberOrNull(row['year']),
      runtimeMinutes: numberOrNull(row['runtimeMinutes']),
      genres: splitList(row['genres']),
      certificate: textOrNull(row['certificate']),
      imdbRating: numberOrNull(row['imdbRating']),
      imdbVotes: numberOrNull(row['imdbVotes']),
      criticScore: numberOrNull(row['criticScore']),
      director: textOrNull(row['director']),
      cast: splitList(row['cast']),
      posterUrl: textOrNull(row['posterUrl']),
      overview: textOrNull(row['overview']),
      imdbId: textOrNull(row['imdbId']),
    },
  };
}

/**
 * The film's fields after `movie` is written onto it: its own source overwrites (never with null),
 * another source only fills what is missing. IMDb rating and votes go as a pair.
 */
export function mergeFields(stored: FilmFields, movie: CatalogMovie, ownSource: boolean): FilmFields {
  let storedRating: number | null = stored.imdbRating;
  let storedVotes: number | null = stored.imdbVotes;
  const copied = movie.copiedRating;
  if (copied && storedRating !== null && Math.abs(storedRating - copied.imdbRating) < 1e-9 && storedVotes === copied.imdbVotes) {
    storedRating = null;
    storedVotes = null;
  }
  const pick = <T>(incoming: T | null, current: T | null): T | null => (ownSource ? (incoming ?? current) : (current ?? incoming));
  const pickList = (incoming: string[], current: string[]) => (ownSource ? (incoming.length > 0 ? incoming : current) : current.length > 0 ? current : incoming);
  const incomingPair = movie.imdbRating !== null;
  const takeIncomingPair = ownSource ? incomingPair : storedRating === null && incomingPair;
  return {
    title: ownSource ? movie.title : stored.title,
    year: pick(movie.year, stored.year),
    runtimeMinutes: pick(movie.runtimeMinutes, stored.runtimeMinutes),
    genres: pickList(movie.genres, stored.genres),
    certificate: pick(movie.certificate, stored.certificate),
    imdbRating: takeIncomingPair ? movie.imdbRating : storedRating,
    imdbVotes: takeIncomingPair ? movie.imdbVotes : storedVotes,
    criticScore: pick(movie.criticScore, stored.criticScore),
    director: pick(movie.director, stored.director),
    cast: pickList(movie.cast, stored.cast),
    posterUrl: pick(movie.posterUrl, stored.posterUrl),
    overview: pick(movie.overview, stored.overview),
    imdbId: pick(movie.imdbId, stored.imdbId),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Decides, for every row of one source, whether it updates, merges into or adds a film; updates the index as it goes. */
function planSource(index: CatalogIndex, movies: readonly CatalogMovie[]): Plan[] {
  return movies.map((movie): Plan => {
    const key = sourceKey(movie.source, movie.sourceId);
    const knownId = index.bySourceKey.get(key);
    const known = knownId === undefined ? undefined : index.byId.get(knownId);
    const matched = known ? { film: known, rule: 'source' as MatchRule } : index.match(movie);
    if (!matched) return { kind: 'insert', movie };
    const { film, rule } = matched;
    const ownSource = film.source === movie.source && film.sourceId === movie.sourceId;
    const fields = mergeFields(film.fields, movie, ownSource);
    if (fields.imdbId !== null && film.fields.imdbId === null) index.noteImdbId(film, fields.imdbId);
    film.fields = fields;
    film.sources.add(movie.source);
    index.bySourceKey.set(key, film.id);
    const emotions =
      sameList(fields.genres, movie.genres) && fields.certificate === movie.certificate ? movie.emotions : emotionWeightsForGenres(fields.genres, fields.certificate);
    return { kind: known ? 'update' : 'merge', movie, film, rule, fields, emotions, record: !index.recorded.has(key) };
  });
}

async function writeBatch(bulk: BulkConnection, source: string, batch: Plan[], now: Date): Promise<void> {
  const q = bulk.quote;
  const movieIds: number[] = [];
  const emotionsById = new Map<number, EmotionWeights>();
  const sourceRows: SqlValue[][] = [];

  const inserts = batch.filter((plan) => plan.kind === 'insert').map((plan) => plan.movie);
  if (inserts.length > 0) {
    const columns = MOVIE_COLUMNS.map(q).join(', ');
    const upsert =
      bulk.dialect === 'mysql'
        ? // VALUES() is deprecated in MySQL 8.0.20+ but is the one form both MySQL 8 and MariaDB accept.
          `ON DUPLICATE KEY UPDATE ${UPDATED_COLUMNS.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ')}`
        : `ON CONFLICT (${q('source')}, ${q('sourceId')}) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
    const values = inserts.flatMap((movie) => movieRow(movie.source, movie.sourceId, movie, now));
    await bulk.run(`INSERT INTO ${q('movies')} (${columns}) VALUES ${placeholders(inserts.length, MOVIE_COLUMNS.length)} ${upsert}`, values);
    const keyList = placeholders(1, inserts.length).slice(1, -1);
    const rows = await bulk.all(
      `SELECT ${q('id')}, ${q('sourceId')} FROM ${q('movies')} WHERE ${q('source')} = ? AND ${q('sourceId')} IN (${keyList})`,
      [source, ...inserts.map((movie) => movie.sourceId)],
    );
    const idBySourceId = new Map(rows.map((row) => [String(row['sourceId']), Number(row['id'])]));
    for (const movie of inserts) {
      const id = idBySourceId.get(movie.sourceId);
      if (id === undefined) continue;
      movieIds.push(id);
      emotionsById.set(id, movie.emotions);
      sourceRows.push([movie.source, movie.sourceId, id, 'source']);
    }
  }

  const changes = batch.filter((plan) => plan.kind !== 'insert');
  if (changes.length > 0) {
    // Whole rows keyed by id: one multi-row statement updates every film of the batch.
    const columns = ['id', ...MOVIE_COLUMNS].map(q).join(', ');
    const upsert =
      bulk.dialect === 'mysql'
        ? `ON DUPLICATE KEY UPDATE ${UPDATED_COLUMNS.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ')}`
        : `ON CONFLICT (${q('id')}) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
    const values = changes.flatMap((plan) => [plan.film.id, ...movieRow(plan.film.source, plan.film.sourceId, plan.fields, now)]);
    await bulk.run(`INSERT INTO ${q('movies')} (${columns}) VALUES ${placeholders(changes.length, MOVIE_COLUMNS.length + 1)} ${upsert}`, values);
    for (const plan of changes) {
      movieIds.push(plan.film.id);
      emotionsById.set(plan.film.id, plan.emotions);
      if (plan.record) sourceRows.push([plan.movie.source, plan.movie.sourceId, plan.film.id, plan.rule]);
    }
  }

  if (sourceRows.length > 0) {
    await bulk.run(
      `INSERT INTO ${q('movie_sources')} (${q('source')}, ${q('sourceId')}, ${q('movieId')}, ${q('matchedBy')}) VALUES ${placeholders(sourceRows.length, 4)}`,
      sourceRows.flat(),
    );
  }
  if (movieIds.length === 0) return;
  const uniqueIds = [...new Set(movieIds)];
  await bulk.run(`DELETE FROM ${q('movie_emotions')} WHERE ${q('movieId')} IN (${placeholders(1, uniqueIds.length).slice(1, -1)})`, uniqueIds);
  const emotionRows: SqlValue[][] = [];
  for (const [movieId, emotions] of emotionsById) {
    for (const [emotion, weight] of Object.entries(emotions)) if (weight && weight > 0) emotionRows.push([movieId, emotion, weight]);
  }
  for (const part of chunks(emotionRows, 1000)) {
    await bulk.run(`INSERT INTO ${q('movie_emotions')} (${q('movieId')}, ${q('emotion')}, ${q('weight')}) VALUES ${placeholders(part.length, 3)}`, part.flat());
  }
}

/**
 * Writes movies, source by source. Each batch is its own transaction, so an interrupted import
 * keeps whole batches and a re-run completes it.
 */
export async function writeCatalog(
  database: DatabaseConfig,
  movies: readonly CatalogMovie[],
  onProgress?: (done: number, total: number) => void,
): Promise<CatalogWriteResult> {
  const bulk = await openBulkConnection(database);
  const total: CatalogWriteResult = { inserted: 0, updated: 0, merged: 0, mergedBy: {} };
  const now = new Date();
  try {
    const bySource = new Map<string, CatalogMovie[]>();
    for (const movie of movies) {
      const list = bySource.get(movie.source);
      if (list) list.push(movie);
      else bySource.set(movie.source, [movie]);
    }
    let done = 0;
    for (const [source, sourceMovies] of bySource) {
      const plans = planSource(await CatalogIndex.load(bulk), sourceMovies);
      for (const plan of plans) {
        if (plan.kind === 'insert') total.inserted++;
        else if (plan.kind === 'update') total.updated++;
        else {
          total.merged++;
          const label = MATCH_RULES[plan.rule];
          total.mergedBy[label] = (total.mergedBy[label] ?? 0) + 1;
        }
      }
      for (const batch of chunks(plans)) {
        await bulk.transaction(() => writeBatch(bulk, source, batch, now));
        done += batch.length;
        onProgress?.(done, movies.length);
      }
    }
    return total;
  } finally {
    await bulk.close();
  }
}
