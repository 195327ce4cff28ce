import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { CatalogFileError, formatReport, moveTrailingArticle, slugId } from '../../src/catalog/catalog-movie.ts';
import type { CatalogMovie, ParsedCatalog } from '../../src/catalog/catalog-movie.ts';
import { parseCatalog } from '../../src/catalog/parse-catalog.ts';
import { defaultVegaFile, parseVega, parseVegaReleaseYear } from '../../src/catalog/sources/vega.ts';

function byTitle(catalog: ParsedCatalog, title: string): CatalogMovie[] {
  return catalog.movies.filter((movie) => movie.title === title);
}

function onlyByTitle(catalog: ParsedCatalog, title: string): CatalogMovie {
  const found = byTitle(catalog, title);
  expect(found, `exactly one "${title}"`).toHaveLength(1);
  return found[0]!;
}

describe('the real vega-datasets movies.json', () => {
  let vega: ParsedCatalog;
  beforeAll(() => {
    vega = parseVega();
  });

  it('GIVEN the installed package THEN all 3,201 rows are read from its movies.json', () => {
    expect(defaultVegaFile()).toMatch(/vega-datasets[/\\]data[/\\]movies\.json$/);
    expect(vega.report.rowsRead).toBe(3201);
    expect(vega.report.file).toBe(defaultVegaFile());
    expect(vega.movies.length).toBeGreaterThan(2800);
  });

  it('GIVEN parseCatalog("vega") without a file THEN it reads the same catalog', () => {
    expect(parseCatalog('vega').movies).toEqual(vega.movies);
  });

  it('GIVEN release dates a century too late THEN two-digit-year mistakes lose a century', () => {
    expect(parseVegaReleaseYear('Dec 31 2046')).toEqual({ year: 1946, centuryFixed: true }); // Duel in the Sun (dropped later: no genre)
    expect(onlyByTitle(vega, 'The Best Years of Our Lives').year).toBe(1946); // "Nov 21 2046"
    expect(onlyByTitle(vega, 'Gone with the Wind').year).toBe(1939); // "Dec 15 2039"
    expect(onlyByTitle(vega, 'The Birth of a Nation').year).toBe(1915); // "Feb 08 2015"
    expect(onlyByTitle(vega, 'Snow White and the Seven Dwarfs').year).toBe(1937);
  });

  it('GIVEN titles stored as JSON numbers THEN they become strings', () => {
    expect(onlyByTitle(vega, '1776')).toMatchObject({ title: '1776', year: 1972 });
    expect(onlyByTitle(vega, '300')).toMatchObject({ title: '300', year: 2007, genres: ['Action', 'History'] });
    for (const movie of vega.movies) expect(typeof movie.title).toBe('string');
  });

  it('GIVEN "Charge of the Light Brigade, The" THEN the article moves to the front', () => {
    expect(onlyByTitle(vega, 'The Charge of the Light Brigade')).toMatchObject({ year: 1936, sourceId: 'the-charge-of-the-light-brigade-1936' });
    expect(byTitle(vega, 'Charge of the Light Brigade, The')).toEqual([]);
  });

  it('THEN every sourceId is unique', () => {
    const ids = vega.movies.map((movie) => movie.sourceId);

    expect(new Set(ids).size).toBe(ids.length);
  });

  it('THEN every movie has at least one genre and the emotions of those genres', () => {
    for (const movie of vega.movies) {
      expect(movie.genres.length, movie.title).toBeGreaterThan(0);
      expect(Object.keys(movie.emotions).length, movie.title).toBeGreaterThan(0);
    }
  });

  it('THEN no year is later than the last year of the data set, 2011', () => {
    const years = vega.movies.map((movie) => movie.year).filter((year): year is number => year !== null);

    expect(Math.max(...years)).toBeLessThanOrEqual(2011);
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1888);
  });

  it('GIVEN a genuine 2011 release THEN it keeps 2011', () => {
    expect(onlyByTitle(vega, 'The Adventures of Tintin: Secret of the Unicorn').year).toBe(2011);
  });

  it('THEN every row is kept, fixed or dropped for a named reason', () => {
    const { fixed, dropped, problemCount } = vega.report;

    expect(fixed['release year a century too late (two-digit-year error)']).toBeGreaterThanOrEqual(20);
    expect(fixed['title stored as a number']).toBe(9);
    expect(fixed['article moved to the front of the title']).toBeGreaterThan(0);
    expect(fixed['missing Major Genre filled from Creative Type']).toBeGreaterThan(0);
    expect(fixed['"Open" is not an MPAA rating; cleared']).toBeGreaterThan(0);
    expect(dropped['no genre (neither Major Genre nor Creative Type)']).toBeGreaterThan(200);
    expect(dropped['no title']).toBe(1);
    expect(problemCount).toBe(0);
    const droppedRows = Object.values(dropped).reduce((a, b) => a + b, 0);
    expect(vega.movies.length + droppedRows).toBe(vega.report.rowsRead);
  });

  it('THEN the printed report states rows read and each reason with its count', () => {
    const text = formatReport(vega.report, { inserted: 10, updated: 2 });

    expect(text).toContain('3201 rows read');
    expect(text).toContain('10 movies added, 2 updated');
    expect(text).toMatch(/fixed\s+9\s+title stored as a number/);
    expect(text).toMatch(/dropped\s+1\s+no title/);
  });

  it('THEN "Open" never appears as a certificate', () => {
    expect(vega.movies.some((movie) => movie.certificate === 'Open')).toBe(false);
  });
});

describe('parseVega on small fixture files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'feelms-vega-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function row(overrides: Record<string, unknown>): Record<string, unknown> {
    return {
      Title: 'Heat',
      'Release Date': 'Dec 15 1995',
      'MPAA Rating': 'R',
      'Running Time min': 170,
      'Major Genre': 'Action',
      'Creative Type': 'Contemporary Fiction',
      Director: 'Michael Mann',
      'Rotten Tomatoes Rating': 86,
      'IMDB Rating': 8.2,
      'IMDB Votes': 1000,
      ...overrides,
    };
  }

  function fixture(name: string, content: unknown): string {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('GIVEN two rows with the same title and year THEN one is kept: the one with more votes, whichever comes first', () => {
    const moreVotesLast = parseVega(fixture('dup1.json', [row({ 'IMDB Votes': 10, Director: 'first' }), row({ 'IMDB Votes': 5000, Director: 'second' })]));
    const moreVotesFirst = parseVega(fixture('dup2.json', [row({ 'IMDB Votes': 5000, Director: 'first' }), row({ 'IMDB Votes': 10, Director: 'second' })]));

    expect(moreVotesLast.movies.map((movie) => [movie.director, movie.imdbVotes])).toEqual([['second', 5000]]);
    expect(moreVotesFirst.movies.map((movie) => [movie.director, movie.imdbVotes])).toEqual([['first', 5000]]);
    expect(moreVotesLast.report.dropped).toEqual({ 'duplicate (same title and year)': 1 });
  });

  it('GIVEN the same title in different years THEN both are kept', () => {
    const { movies } = parseVega(fixture('remake.json', [row({}), row({ 'Release Date': 'Jan 01 1972' })]));

    expect(movies.map((movie) => movie.sourceId)).toEqual(['heat-1995', 'heat-1972']);
  });

  it('GIVEN impossible values THEN they are cleared and counted, the movie kept', () => {
    const { movies, report } = parseVega(
      fixture('impossible.json', [
        row({ Title: 'Zero Minutes', 'Running Time min': 0 }),
        row({ Title: 'Forever', 'Running Time min': 9999 }),
        row({ Title: 'Eleven', 'IMDB Rating': 11 }),
        row({ Title: 'Overrated', 'Rotten Tomatoes Rating': 150 }),
      ]),
    );

    const get = (title: string) => movies.find((movie) => movie.title === title)!;
    expect(movies).toHaveLength(4);
    expect(get('Zero Minutes').runtimeMinutes).toBeNull();
    expect(get('Forever').runtimeMinutes).toBeNull();
    expect(get('Eleven')).toMatchObject({ imdbRating: null, imdbVotes: null, runtimeMinutes: 170 });
    expect(get('Overrated')).toMatchObject({ criticScore: null, imdbRating: 8.2 });
    expect(report.fixed).toMatchObject({
      'impossible running time cleared': 2,
      'IMDb rating outside 1–10 cleared': 1,
      'Rotten Tomatoes score outside 0–100 cleared': 1,
    });
  });

  it('GIVEN a row without genres but with a Creative Type THEN the genre comes from the Creative Type', () => {
    const { movies, report } = parseVega(fixture('creative.json', [row({ 'Major Genre': null, 'Creative Type': 'Kids Fiction' })]));

    expect(movies[0]?.genres).toEqual(['Family']);
    expect(report.fixed['missing Major Genre filled from Creative Type']).toBe(1);
  });

  it('GIVEN a record that is not an object THEN it is a problem with its record number and the rest imports', () => {
    const { movies, report } = parseVega(fixture('mixed.json', [row({}), 'oops', row({ Title: 'Ronin', 'Release Date': 'Sep 25 1998' })]));

    expect(movies.map((movie) => movie.title)).toEqual(['Heat', 'Ronin']);
    expect(report.problems).toEqual([{ line: 2, message: 'record is not an object' }]);
  });

  it('GIVEN JSON that is not an array THEN a CatalogFileError names the file', () => {
    const file = fixture('object.json', { movies: [] });

    expect(() => parseVega(file)).toThrow(CatalogFileError);
    expect(() => parseVega(file)).toThrow(`${file}: expected a JSON array of movies`);
  });

  it('GIVEN a file that is not valid JSON THEN a CatalogFileError names the file', () => {
    const file = fixture('broken.json', '[{"Title": "Heat",');

    expect(() => parseVega(file)).toThrow(CatalogFileError);
    expect(() => parseVega(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });

  it('GIVEN a missing file THEN a CatalogFileError names the file', () => {
    const file = join(dir, 'nope.json');

    let error: unknown;
    try {
      parseVega(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CatalogFileError);
    expect((error as CatalogFileError).file).toBe(file);
    expect((error as Error).message).toBe(`${file}: file not found`);
  });
});

describe('parseVegaReleaseYear', () => {
  it.each([
    ['Jun 12 1998', { year: 1998, centuryFixed: false }],
    ['Dec 31 2046', { year: 1946, centuryFixed: true }],
    ['Feb 08 2015', { year: 1915, centuryFixed: true }],
    ['Jan 01 2010', { year: 2010, centuryFixed: false }],
    ['Foo 12 1998', { year: null, centuryFixed: false }],
    ['Jun 40 1998', { year: null, centuryFixed: false }],
    ['1998-06-12', { year: null, centuryFixed: false }],
    ['Jan 01 1700', { year: null, centuryFixed: false }],
    [null, { year: null, centuryFixed: false }],
    [1998, { year: null, centuryFixed: false }],
  ])('GIVEN %j THEN %j', (raw, expected) => {
    expect(parseVegaReleaseYear(raw)).toEqual(expected);
  });
});

describe('slugId and moveTrailingArticle', () => {
  it.each([
    ['The Matrix', 1999, 'the-matrix-1999'],
    ['Amélie & Nino', null, 'amelie-and-nino'],
    ['???', 2000, 'untitled-2000'],
    ['  Spaces -- and punctuation!  ', 2001, 'spaces-and-punctuation-2001'],
  ])('GIVEN %j (%j) THEN the slug is %j', (title, year, expected) => {
    expect(slugId(title, year)).toBe(expected);
  });

  it('GIVEN a very long title THEN the slug part is cut at 56 characters but keeps the year', () => {
    expect(slugId('x'.repeat(100), 2000)).toBe(`${'x'.repeat(56)}-2000`);
  });

  it.each([
    ['Charge of the Light Brigade, The', 'The Charge of the Light Brigade'],
    ['Misérables, Les', 'Les Misérables'],
    ["Homme qui aimait les femmes, L'", "L'Homme qui aimait les femmes"],
    ['Good, the Bad and the Ugly, The', 'The Good, the Bad and the Ugly'],
    ['Whatever, Then', 'Whatever, Then'],
    ['  Heat  ', 'Heat'],
  ])('GIVEN %j THEN %j', (title, expected) => {
    expect(moveTrailingArticle(title)).toBe(expected);
  });
});
