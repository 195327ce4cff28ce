import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CatalogFileError } from '../catalog-movie.ts';

/** Reads a catalog file, turning I/O errors into a CatalogFileError that names the file. */
export function readCatalogFile(file: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(file, encoding);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new CatalogFileError(file, reason);
  }
}

export interface CsvRow {
  record: Record<string, string>;
  /** 1-based line number where the record ends (what a user sees in an editor). */
  line: number;
  /** The row had more or fewer fields than the header: an unquoted comma, usually. */
  wrongFieldCount: boolean;
}

/**
 * Parses a CSV with a header row. Structural errors (an unterminated quote) stop the import with the
 * file and line; rows with the wrong number of fields are returned flagged so the caller can report
 * and skip them while the import goes on.
 */
export function parseCsvFile(file: string, requiredColumns: readonly string[], formatName: string): CsvRow[] {
  const text = readCatalogFile(file);
  let rows: Array<{ record: Record<string, string>; info: { lines: number; error?: { code?: string } } }>;
  try {
    rows = parse<(typeof rows)[number]>(text, { columns: true, bom: true, info: true, skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    throw new CatalogFileError(file, `malformed CSV: ${(error as Error).message}`, (error as { lines?: number }).lines);
  }
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  const missing = requiredColumns.filter((column) => !header.includes(column));
  if (rows.length > 0 && missing.length > 0) {
    throw new CatalogFileError(file, `not ${formatName}: missing column(s) ${missing.join(', ')}`, 1);
  }
  return rows.map(({ record, info }) => ({ record, line: info.lines, wrongFieldCount: info.error !== undefined }));
}
