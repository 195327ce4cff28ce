import { readFile } from 'node:fs/promises';
import { DataFormatError, parseCsvRecord, splitLines } from './csv.ts';

/**
 * Explicit-feedback rating files, read into dense typed arrays for training.
 *
 * Formats:
 * - `ml100k`: MovieLens 100K `u.data`, tab-separated `user item rating timestamp`, no header.
 * - `mlcsv`: MovieLens CSV (`ml-latest-small/ratings.csv`), header `userId,movieId,rating,timestamp`.
 * - `ml1m`: MovieLens 1M `ratings.dat`, `user::item::rating::timestamp`.
 * - `feelms`: the simulated community's `ratings.csv`; columns found by header name (`userId`,
 *   `movieId`, `rating`, `at` as ISO 8601), ids are opaque strings such as `17` or `vega:1234`.
 */
export const RATINGS_FORMATS = ['ml100k', 'mlcsv', 'ml1m', 'feelms'] as const;
export type RatingsFormat = (typeof RATINGS_FORMATS)[number];

export function isRatingsFormat(value: string): value is RatingsFormat {
  return (RATINGS_FORMATS as readonly string[]).includes(value);
}

export interface RatingScale {
  min: number;
  max: number;
}

/** The scale each format's ratings live on; predictions are clipped to it, like Surprise's Reader. */
export const RATING_SCALES: Readonly<Record<RatingsFormat, RatingScale>> = {
  ml100k: { min: 1, max: 5 },
  mlcsv: { min: 0.5, max: 5 },
  ml1m: { min: 1, max: 5 },
  feelms: { min: 1, max: 5 },
};

/**
 * Ratings with raw ids mapped to dense indices in order of first appearance.
 * Record j is (users[j], items[j], ratings[j], timestamps[j]), in file order.
 */
export interface RatingsDataset {
  readonly file: string;
  readonly scale: RatingScale;
  /** Dense user index → raw id. */
  readonly userIds: readonly string[];
  /** Dense item index → raw id. */
  readonly itemIds: readonly string[];
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly ratings: Float64Array;
  /** Milliseconds since the Unix epoch. */
  readonly timestamps: Float64Array;
}

export async function readRatingsFile(path: string, format: RatingsFormat): Promise<RatingsDataset> {
  const text = await readFile(path, 'utf8');
  return parseRatings(text, format, path);
}

export function parseRatings(text: string, format: RatingsFormat, file: string): RatingsDataset {
  const scale = RATING_SCALES[format];
  const builder = new DatasetBuilder(file, scale);
  const lines = splitLines(text);
  if (format === 'mlcsv' || format === 'feelms') {
    parseCsvRatings(lines, format, file, builder);
  } else {
    const separator = format === 'ml100k' ? '\t' : '::';
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      const fields = line.split(separator);
      if (fields.length !== 4) {
        throw new DataFormatError(file, i + 1, `expected 4 fields separated by ${JSON.stringify(separator)}, got ${fields.length}`);
      }
      builder.add(i + 1, fields[0]!, fields[1]!, fields[2]!, parseUnixSeconds(fields[3]!, file, i + 1));
    }
  }
  return builder.build();
}

function parseCsvRatings(lines: string[], format: 'mlcsv' | 'feelms', file: string, builder: DatasetBuilder): void {
  let headerIndex = 0;
  while (headerIndex < lines.length && lines[headerIndex]!.trim() === '') headerIndex++;
  if (headerIndex >= lines.length) throw new DataFormatError(file, 1, 'empty file: expected a CSV header');
  const header = parseCsvRecord(lines[headerIndex]!).map((name) => name.trim());
  const timeColumn = format === 'mlcsv' ? 'timestamp' : 'at';
  const columnOf = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new DataFormatError(file, headerIndex + 1, `missing column "${name}" in header (${header.join(',')})`);
    return index;
  };
  const userColumn = columnOf('userId');
  const itemColumn = columnOf('movieId');
  const ratingColumn = columnOf('rating');
  const timeIndex = columnOf(timeColumn);
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let fields: string[];
    try {
      fields = parseCsvRecord(line);
    } catch (error) {
      throw new DataFormatError(file, i + 1, (error as Error).message);
    }
    if (fields.length !== header.length) {
      throw new DataFormatError(file, i + 1, `expected ${header.length} fields, got ${fields.length}`);
    }
    const time = fields[timeIndex]!;
    const at = format === 'mlcsv' ? parseUnixSeconds(time, file, i + 1) : parseIsoTime(time, file, i + 1);
    builder.add(i + 1, fields[userColumn]!, fields[itemColumn]!, fields[ratingColumn]!, at);
  }
}

const UNIX_SECONDS = /^\s*\d+\s*$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseUnixSeconds(text: string, file: string, line: number): number {
  if (!UNIX_SECONDS.test(text)) throw new DataFormatError(file, line, `timestamp ${JSON.stringify(text)} is not whole Unix seconds`);
  return Number(text) * 1000;
}

function parseIsoTime(text: string, file: string, line: number): number {
  const trimmed = text.trim();
  const ms = ISO_8601.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(ms)) throw new DataFormatError(file, line, `time ${JSON.stringify(text)} is not an ISO 8601 date`);
  return ms;
}

class DatasetBuilder {
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  private users = new Int32Array(1024);
  private items = new Int32Array(1024);
  private ratings = new Float64Array(1024);
  private timestamps = new Float64Array(1024);
  private size = 0;

  constructor(
    private readonly file: string,
    private readonly scale: RatingScale,
  ) {}

  add(line: number, rawUser: string, rawItem: string, rawRating: string, at: number): void {
    const user = rawUser.trim();
    const item = rawItem.trim();
    if (user === '') throw new DataFormatError(this.file, line, 'empty user id');
    if (item === '') throw new DataFormatError(this.file, line, 'empty item id');
    const ratingText = rawRating.trim();
    const rating = ratingText === '' ? Number.NaN : Number(ratingText);
    if (!Number.isFinite(rating) || rating < this.scale.min || rating > this.scale.max) {
      throw new DataFormatError(this.file, line, `rating ${JSON.stringify(rawRating)} is not a number in [${this.scale.min}, ${this.scale.max}]`);
    }
    if (this.size === this.users.length) this.grow();
    this.users[this.size] = indexOf(this.userIndex, this.userIds, user);
    this.items[this.size] = indexOf(this.itemIndex, this.itemIds, item);
    this.ratings[this.size] = rating;
    this.timestamps[this.size] = at;
    this.size++;
  }

  build(): RatingsDataset {
    if (this.size === 0) throw new DataFormatError(this.file, 1, 'no ratings found');
    return {
      file: this.file,
      scale: this.scale,
      userIds: this.userIds,
      itemIds: this.itemIds,
      users: this.users.slice(0, this.size),
      items: this.items.slice(0, this.size),
      ratings: this.ratings.slice(0, this.size),
      timestamps: this.timestamps.slice(0, this.size),
    };
  }

  private grow(): void {
    const capacity = this.users.length * 2;
    const users = new Int32Array(capacity);
    users.set(this.users);
    this.users = users;
    const items = new Int32Array(capacity);
    items.set(this.items);
    this.items = items;
    const ratings = new Float64Array(capacity);
    ratings.set(this.ratings);
    this.ratings = ratings;
    const timestamps = new Float64Array(capacity);
    timestamps.set(this.timestamps);
    this.timestamps = timestamps;
  }
}

function indexOf(index: Map<string, number>, ids: string[], id: string): number {
  let value = index.get(id);
  if (value === undefined) {
    value = ids.length;
    index.set(id, value);
    ids.push(id);
  }
  return value;
}
