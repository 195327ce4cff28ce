/**
 * Upserts cleaned catalog movies by (source, sourceId) in multi-row batches, and replaces their
 * emotion weights. Re-running an import updates rows in place and never duplicates them.
 */
import type { DatabaseConfig } from '../../config.ts';
import type { CatalogMovie } from '../../catalog/catalog-movie.ts';
import { chunks, openBulkConnection, placeholders, type BulkConnection, type SqlValue } from './bulk.ts';

const MOVIE_COLUMNS = [
  'source', 'sourceId', 'title', 'year', 'runtimeMinutes', 'genres', 'certificate', 'imdbRating', 'imdbVotes',
  'criticScore', 'director', 'cast', 'posterUrl', 'overview', 'imdbId', 'updatedAt',
] as const;
const UPDATED_COLUMNS = MOVIE_COLUMNS.filter((column) => column !== 'source' && column !== 'sourceId');

export interface CatalogWriteResult {
  inserted: number;
  updated: number;
}

/** Column values clipped to the schema's sizes, so one long field cannot fail a whole batch. */
function movieRow(movie: CatalogMovie, now: Date): SqlValue[] {
  const clip = (value: string | null, max: number) => (value === null ? null : value.length > max ? value.slice(0, max - 1) + '…' : value);
  return [
    movie.source,
    movie.sourceId,
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

async function writeBatch(bulk: BulkConnection, source: string, batch: CatalogMovie[], now: Date): Promise<CatalogWriteResult> {
  const q = bulk.quote;
  const keyList = placeholders(1, batch.length).slice(1, -1);
  const ids = batch.map((movie) => movie.sourceId);
  const before = await bulk.all(`SELECT ${q('sourceId')} FROM ${q('movies')} WHERE ${q('source')} = ? AND ${q('sourceId')} IN (${keyList})`, [source, ...ids]);
  const existing = new Set(before.map((row) => String(row['sourceId'])));

  const columns = MOVIE_COLUMNS.map(q).join(', ');
  const values = batch.flatMap((movie) => movieRow(movie, now));
  const upsert =
    bulk.dialect === 'mysql'
      ? // VALUES() is deprecated in MySQL 8.0.20+ but is the one form both MySQL 8 and MariaDB accept.
        `ON DUPLICATE KEY UPDATE ${UPDATED_COLUMNS.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ')}`
      : `ON CONFLICT (${q('source')}, ${q('sourceId')}) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
  await bulk.run(`INSERT INTO ${q('movies')} (${columns}) VALUES ${placeholders(batch.length, MOVIE_COLUMNS.length)} ${upsert}`, values);

  const rows = await bulk.all(`SELECT ${q('id')}, ${q('sourceId')} FROM ${q('movies')} WHERE ${q('source')} = ? AND ${q('sourceId')} IN (${keyList})`, [source, ...ids]);
  const idBySourceId = new Map(rows.map((row) => [String(row['sourceId']), Number(row['id'])]));
  const movieIds = [...idBySourceId.values()];
  await bulk.run(`DELETE FROM ${q('movie_emotions')} WHERE ${q('movieId')} IN (${placeholders(1, movieIds.length).slice(1, -1)})`, movieIds);
  const emotionRows: SqlValue[][] = [];
  for (const movie of batch) {
    const movieId = idBySourceId.get(movie.sourceId);
    if (movieId === undefined) continue;
    for (const [emotion, weight] of Object.entries(movie.emotions)) if (weight && weight > 0) emotionRows.push([movieId, emotion, weight]);
  }
  for (const part of chunks(emotionRows, 1000)) {
    await bulk.run(`INSERT INTO ${q('movie_emotions')} (${q('movieId')}, ${q('emotion')}, ${q('weight')}) VALUES ${placeholders(part.length, 3)}`, part.flat());
  }
  const inserted = batch.filter((movie) => !existing.has(movie.sourceId)).length;
  return { inserted, updated: batch.length - inserted };
}

/**
 * Writes movies of one source. Each batch is its own transaction, so an interrupted import keeps
 * whole batches and a re-run completes it.
 */
export async function writeCatalog(
  database: DatabaseConfig,
  movies: readonly CatalogMovie[],
  onProgress?: (done: number, total: number) => void,
): Promise<CatalogWriteResult> {
  const bulk = await openBulkConnection(database);
  const total: CatalogWriteResult = { inserted: 0, updated: 0 };
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
      for (const batch of chunks(sourceMovies)) {
        const result = await bulk.transaction(() => writeBatch(bulk, source, batch, now));
        total.inserted += result.inserted;
        total.updated += result.updated;
        done += batch.length;
        onProgress?.(done, movies.length);
      }
    }
    return total;
  } finally {
    await bulk.close();
  }
}
