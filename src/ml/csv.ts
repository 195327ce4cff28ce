/**
 * Minimal CSV reading for the data files the ML package consumes: one record per line (no
 * embedded newlines, which none of our sources have), optional double quotes with `""` escapes,
 * CRLF or LF line endings. Errors name the file and the 1-based line number.
 */
export class DataFormatError extends Error {
  readonly code = 'DATA_FORMAT';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'DataFormatError';
  }
}

/** Splits text into lines, dropping the `\r` of CRLF. Line i of the result is line i + 1 of the file. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  // Strip a UTF-8 byte order mark, which spreadsheet exports add.
  if (lines.length > 0 && lines[0]!.startsWith('\uFEFF')) lines[0] = lines[0]!.slice(1);
  return lines;
}

/** Splits one CSV record into fields. Throws a plain Error on an unbalanced quote; callers add file and line. */
export function parseCsvRecord(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error('unterminated quoted field');
  fields.push(field);
  return fields;
}

/** A CSV file with a header, columns looked up by name. */
export interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  /** Data records with their 1-based line numbers in the file. */
  readonly rows: ReadonlyArray<{ line: number; fields: string[] }>;
  /** Index of a required column; throws a DataFormatError naming the file when it is absent. */
  column(name: string): number;
  /** Index of an optional column, or -1. */
  optionalColumn(name: string): number;
}

export function parseCsvTable(text: string, file: string): CsvTable {
  const lines = splitLines(text);
  let headerLine = 0;
  while (headerLine < lines.length && lines[headerLine]!.trim() === '') headerLine++;
  if (headerLine >= lines.length) throw new DataFormatError(file, 1, 'empty file: expected a CSV header');
  const header = parseRecordAt(lines[headerLine]!, file, headerLine + 1).map((name) => name.trim());
  const rows: Array<{ line: number; fields: string[] }> = [];
  for (let i = headerLine + 1; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    const fields = parseRecordAt(text, file, i + 1);
    if (fields.length !== header.length) {
      throw new DataFormatError(file, i + 1, `expected ${header.length} fields (${header.join(',')}), got ${fields.length}`);
    }
    rows.push({ line: i + 1, fields });
  }
  const optionalColumn = (name: string): number => header.indexOf(name);
  return {
    file,
    header,
    rows,
    optionalColumn,
    column(name) {
      const index = optionalColumn(name);
      if (index < 0) throw new DataFormatError(file, headerLine + 1, `missing column "${name}" in header (${header.join(',')})`);
      return index;
    },
  };
}

function parseRecordAt(line: string, file: string, lineNumber: number): string[] {
  try {
    return parseCsvRecord(line);
  } catch (error) {
    throw new DataFormatError(file, lineNumber, (error as Error).message);
  }
}
