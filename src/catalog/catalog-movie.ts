import type { EmotionWeights } from '../core/domain/emotions.ts';

/** A cleaned catalog row, ready to upsert by (source, sourceId). */
export interface CatalogMovie {
  source: string;
  sourceId: string;
  title: string;
  year: number | null;
  runtimeMinutes: number | null;
  /** Canonical genres (src/catalog/genre-emotions.json), primary first. */
  genres: string[];
  certificate: string | null;
  imdbRating: number | null;
  imdbVotes: number | null;
  criticScore: number | null;
  director: string | null;
  cast: string[];
  posterUrl: string | null;
  overview: string | null;
  imdbId: string | null;
  emotions: EmotionWeights;
  /**
   * An IMDb rating/votes pair the parser cleared as copied from a same-titled film of another year
   * (copied-ratings.ts). The writer clears it from a stored row that still holds it.
   */
  copiedRating?: { imdbRating: number; imdbVotes: number };
}

export interface RowProblem {
  line: number;
  message: string;
}

/** What a source parser did: printed by `npm run data:import` and at first start. */
export interface ImportReport {
  source: string;
  file: string;
  rowsRead: number;
  /** reason → count of rows corrected and kept */
  fixed: Record<string, number>;
  /** reason → count of rows left out */
  dropped: Record<string, number>;
  /** reason → count of rows kept with a suspicious value cleared (see copied-ratings.ts) */
  flagged: Record<string, number>;
  /** What was flagged, one line per row (first 20 kept). */
  flaggedRows: string[];
  /** Rows that could not be parsed (first 20 kept), with their line numbers. */
  problems: RowProblem[];
  problemCount: number;
  /** Source genre labels with no mapping, and how many rows had them. */
  unmappedGenres: Record<string, number>;
}

export interface ParsedCatalog {
  movies: CatalogMovie[];
  report: ImportReport;
}

/** Thrown when a catalog file cannot be used at all (missing, unreadable, wrong format). */
export class CatalogFileError extends Error {
  readonly code = 'CATALOG_FILE';
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
    this.name = 'CatalogFileError';
  }
}

export function newReport(source: string, file: string): ImportReport {
  return { source, file, rowsRead: 0, fixed: {}, dropped: {}, flagged: {}, flaggedRows: [], problems: [], problemCount: 0, unmappedGenres: {} };
}

export function count(bucket: Record<string, number>, reason: string, by = 1): void {
  bucket[reason] = (bucket[reason] ?? 0) + by;
}

export function addProblem(report: ImportReport, line: number, message: string): void {
  report.problemCount++;
  if (report.problems.length < 20) report.problems.push({ line, message });
}

/** "The Matrix" + 1999 → "the-matrix-1999": a stable id for sources that have none. */
export function slugId(title: string, year: number | null): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  return `${slug || 'untitled'}${year !== null ? `-${year}` : ''}`;
}

/** "Matrix, The" → "The Matrix" (MovieLens and some vega titles put articles last). */
export function moveTrailingArticle(title: string): string {
  const match = /^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Die|Der|El|Los|Las)$/i.exec(title.trim());
  if (!match) return title.trim();
  const article = match[2]!;
  return `${article}${article.endsWith("'") ? '' : ' '}${match[1]}`;
}

/** What the database writer did (src/infra/db/catalog-writer.ts). */
export interface WriteSummary {
  inserted: number;
  updated: number;
  /** Rows of this source attached to a film already in the catalog (from another source). */
  merged?: number;
  /** rule → how many of `merged` it matched */
  mergedBy?: Record<string, number>;
}

export function formatReport(report: ImportReport, written?: WriteSummary): string {
  const lines = [`Catalog ${report.source} from ${report.file}: ${report.rowsRead} rows read.`];
  if (written) {
    const merged = written.merged ?? 0;
    const rules = Object.entries(written.mergedBy ?? {}).map(([rule, n]) => `${n} ${rule}`);
    lines.push(
      `  ${written.inserted} movies added, ${written.updated} updated` +
        (merged > 0 ? `, ${merged} merged into films already in the catalog (${rules.join(', ')})` : '') +
        '.',
    );
  }
  for (const [reason, n] of Object.entries(report.fixed)) lines.push(`  fixed   ${String(n).padStart(5)}  ${reason}`);
  for (const [reason, n] of Object.entries(report.dropped)) lines.push(`  dropped ${String(n).padStart(5)}  ${reason}`);
  for (const [reason, n] of Object.entries(report.flagged)) lines.push(`  flagged ${String(n).padStart(5)}  ${reason}`);
  for (const row of report.flaggedRows) lines.push(`    ${row}`);
  const flaggedTotal = Object.values(report.flagged).reduce((a, b) => a + b, 0);
  if (flaggedTotal > report.flaggedRows.length) lines.push(`    … and ${flaggedTotal - report.flaggedRows.length} more`);
  const unmapped = Object.entries(report.unmappedGenres);
  if (unmapped.length > 0) lines.push(`  genres with no emotion mapping: ${unmapped.map(([g, n]) => `${g} (${n})`).join(', ')}`);
  if (report.problemCount > 0) {
    lines.push(`  ${report.problemCount} bad rows skipped:`);
    for (const problem of report.problems) lines.push(`    line ${problem.line}: ${problem.message}`);
    if (report.problemCount > report.problems.length) lines.push(`    … and ${report.problemCount - report.problems.length} more`);
  }
  return lines.join('\n');
}
