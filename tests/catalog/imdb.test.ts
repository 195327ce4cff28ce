import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { CatalogFileError, formatReport } from '../../src/catalog/catalog-movie.ts';
import type { CatalogMovie, ParsedCatalog } from '../../src/catalog/catalog-movie.ts';
import { parseCatalog } from '../../src/catalog/parse-catalog.ts';
import { parseImdbCsv } from '../../src/catalog/sources/imdb.ts';
import { missingSharedData, sharedDataPath } from '../helpers/shared-data.ts';

const IMDB_FILE = 'imdb_top_1000.csv';

describe.skipIf(missingSharedData(IMDB_FILE))('the real IMDb top-1000 CSV', () => {
  let imdb: ParsedCatalog;
  const movie = (title: string): CatalogMovie => {
    const found = imdb.movies.filter((m) => m.title === title);
    expect(found, `exactly one "${title}"`).toHaveLength(1);
    return found[0]!;
  };
  beforeAll(() => {
    imdb = parseImdbCsv(sharedDataPath(IMDB_FILE));
  });

  it('THEN all 1000 rows are read and kept, with no bad rows', () => {
    expect(imdb.report.rowsRead).toBe(1000);
    expect(imdb.movies).toHaveLength(1000);
    expect(imdb.report.problemCount).toBe(0);
  });

  it('GIVEN Apollo 13 with Released_Year "PG" THEN its year is unknown and the report says a "PG" year was cleared', () => {
    expect(movie('Apollo 13').year).toBeNull();
    expect(imdb.report.fixed).toEqual({ 'year that is not a year ("PG") cleared': 1 });
    expect(formatReport(imdb.report)).toMatch(/fixed\s+1\s+year that is not a year \("PG"\) cleared/);
  });

  it('GIVEN Genre "Crime, Drama" THEN the genres are [Crime, Drama]', () => {
    expect(movie('The Godfather').genres).toEqual(['Crime', 'Drama']);
  });

  it('GIVEN the first row THEN every column lands in its field ("142 min" → 142, Meta_score → criticScore, four stars)', () => {
    expect(movie('The Shawshank Redemption')).toMatchObject({
      source: 'imdb',
      sourceId: 'the-shawshank-redemption-1994',
      year: 1994,
      runtimeMinutes: 142,
      genres: ['Drama'],
      certificate: 'A',
      imdbRating: 9.3,
      imdbVotes: 2343110,
      criticScore: 80,
      director: 'Frank Darabont',
      cast: ['Tim Robbins', 'Morgan Freeman', 'Bob Gunton', 'William Sadler'],
      imdbId: null,
    });
  });

  it('GIVEN quoted fields with commas THEN titles, overviews and poster URLs survive whole', () => {
    expect(movie('Il buono, il brutto, il cattivo').year).toBe(1966);
    expect(movie('The Shawshank Redemption').overview).toBe(
      'Two imprisoned men bond over a number of years, finding solace and eventual redemption through acts of common decency.',
    );
    expect(movie('The Shawshank Redemption').posterUrl).toMatch(/^https:\/\/m\.media-amazon\.com\/.*_CR0,0,67,98_AL_\.jpg$/);
  });

  it('THEN every movie has 1–4 stars, a runtime, a rating and at least one genre', () => {
    for (const m of imdb.movies) {
      expect(m.cast.length, m.title).toBeGreaterThanOrEqual(1);
      expect(m.cast.length, m.title).toBeLessThanOrEqual(4);
      expect(m.runtimeMinutes, m.title).toBeGreaterThan(0);
      expect(m.imdbRating, m.title).toBeGreaterThanOrEqual(1);
      expect(m.genres.length, m.title).toBeGreaterThan(0);
    }
  });

  it('GIVEN Meta_score empty in 157 rows (SOURCES.md) THEN exactly 157 movies have no critic score', () => {
    expect(imdb.movies.filter((m) => m.criticScore === null)).toHaveLength(157);
    expect(imdb.movies.filter((m) => m.certificate === null)).toHaveLength(101);
  });

  it('GIVEN parseCatalog("imdb") without a file THEN it asks for --file', () => {
    expect(() => parseCatalog('imdb')).toThrow(CatalogFileError);
    expect(() => parseCatalog('imdb')).toThrow(/^--file: required for --source imdb/);
  });
});

describe('parseImdbCsv on small fixture files', () => {
  const HEADER = 'Poster_Link,Series_Title,Released_Year,Certificate,Runtime,Genre,IMDB_Rating,Overview,Meta_score,Director,Star1,Star2,Star3,Star4,No_of_Votes,Gross';
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'feelms-imdb-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function row(title: string, rating = '8.0', year = '1999'): string {
    return `https://img.example/p.jpg,"${title}",${year},R,120 min,"Crime, Drama",${rating},"An overview, with commas",70,Some Director,A,B,,,"1,234","5,000"`;
  }
  function fixture(name: string, lines: string[], eol = '\r\n'): string {
    const file = join(dir, name);
    writeFileSync(file, lines.join(eol));
    return file;
  }
  function caught(run: () => unknown): CatalogFileError {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogFileError);
      return error as CatalogFileError;
    }
    throw new Error('expected a CatalogFileError');
  }

  it('GIVEN a row with IMDB_Rating "abc" THEN it is reported with its line number and the other rows import', () => {
    const { movies, report } = parseImdbCsv(fixture('bad-row.csv', [HEADER, row('One'), row('Two', 'abc'), row('Three')]));

    expect(movies.map((m) => m.title)).toEqual(['One', 'Three']);
    expect(report.rowsRead).toBe(3);
    expect(report.problemCount).toBe(1);
    expect(report.problems).toEqual([{ line: 3, message: 'IMDB_Rating "abc" is not a number from 1 to 10' }]);
    expect(formatReport(report)).toContain('line 3: IMDB_Rating "abc"');
  });

  it('GIVEN a small well-formed file THEN votes with thousands separators, empty stars and quoted genres are parsed', () => {
    const { movies } = parseImdbCsv(fixture('good.csv', [HEADER, row('Heat, Again')], '\n'));

    expect(movies[0]).toMatchObject({ title: 'Heat, Again', imdbVotes: 1234, cast: ['A', 'B'], genres: ['Crime', 'Drama'], overview: 'An overview, with commas' });
  });

  it('GIVEN two rows with the same title and year THEN the second is dropped as a duplicate', () => {
    const { movies, report } = parseImdbCsv(fixture('dup.csv', [HEADER, row('Twice'), row('Twice', '7.0')]));

    expect(movies.map((m) => m.imdbRating)).toEqual([8]);
    expect(report.dropped).toEqual({ 'duplicate (same title and year)': 1 });
  });

  it('GIVEN a CSV with another header THEN a CatalogFileError names the file and the missing columns', () => {
    const file = fixture('wrong-header.csv', ['movieId,title,genres', '1,Toy Story (1995),Comedy']);

    const error = caught(() => parseImdbCsv(file));

    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(file)}:1: not an IMDB top-1000 CSV: missing column\\(s\\) Series_Title`));
  });

  it('GIVEN a quote that is never closed THEN a CatalogFileError names the file and the line', () => {
    const file = fixture('unterminated.csv', [HEADER, row('One'), 'https://img.example/p.jpg,"Never closed,1999,R,120 min,Drama,8.0,ov,70,D,A,B,C,D,1,2'], '\n');

    const error = caught(() => parseImdbCsv(file));

    expect(error.file).toBe(file);
    expect(error.message.startsWith(`${file}:`)).toBe(true);
    expect(error.message).toMatch(/malformed CSV: Quote Not Closed/);
    expect(error.line).toBe(3);
  });

  it('GIVEN a missing file THEN a CatalogFileError names it', () => {
    const file = join(dir, 'absent.csv');

    expect(caught(() => parseImdbCsv(file)).message).toBe(`${file}: file not found`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
