import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { CatalogFileError } from '../../src/catalog/catalog-movie.ts';
import type { CatalogMovie, ParsedCatalog } from '../../src/catalog/catalog-movie.ts';
import { parseCatalog } from '../../src/catalog/parse-catalog.ts';
import { parseMovieLens, parseMovieLens100kItems, parseMovieLensCsv, splitTitleYear } from '../../src/catalog/sources/movielens.ts';
import { missingSharedData, sharedDataPath } from '../helpers/shared-data.ts';

const LATEST_MOVIES = 'ml-latest-small/movies.csv';
const ML100K_ITEMS = 'ml-100k/u.item';

function byId(catalog: ParsedCatalog, id: string): CatalogMovie {
  const movie = catalog.movies.find((m) => m.sourceId === id);
  expect(movie, `movie ${id}`).toBeDefined();
  return movie!;
}

describe.skipIf(missingSharedData(LATEST_MOVIES, 'ml-latest-small/links.csv'))('the real ml-latest-small movies.csv', () => {
  let latest: ParsedCatalog;
  beforeAll(() => {
    latest = parseMovieLens(sharedDataPath(LATEST_MOVIES));
  });

  it('THEN all 9,742 movies are read and kept, with no bad rows', () => {
    expect(latest.report.source).toBe('movielens');
    expect(latest.report.rowsRead).toBe(9742);
    expect(latest.movies).toHaveLength(9742);
    expect(latest.report.problemCount).toBe(0);
  });

  it('GIVEN "Matrix, The (1999)" THEN the title is "The Matrix" and the year 1999', () => {
    expect(byId(latest, '2571')).toMatchObject({ title: 'The Matrix', year: 1999, genres: ['Action', 'Sci-Fi', 'Thriller'] });
  });

  it('GIVEN links.csv beside movies.csv THEN IMDb ids are filled in, zero-padded (Toy Story → tt0114709)', () => {
    expect(byId(latest, '1')).toMatchObject({ title: 'Toy Story', year: 1995, imdbId: 'tt0114709' });
    expect(latest.movies.every((m) => m.imdbId !== null && /^tt\d{7,}$/.test(m.imdbId))).toBe(true);
  });

  it('GIVEN Children in the genres THEN it maps to Family', () => {
    expect(byId(latest, '1').genres).toEqual(['Adventure', 'Animation', 'Family', 'Comedy', 'Fantasy']);
  });

  it('GIVEN "(no genres listed)" THEN the movie is kept with no genres and no emotions, and counted', () => {
    const listedWithout = readFileSync(sharedDataPath(LATEST_MOVIES), 'utf8').split('\n').filter((line) => line.includes('(no genres listed)')).length;

    expect(byId(latest, '114335')).toMatchObject({ title: 'La cravate', year: 1957, genres: [], emotions: {} });
    expect(latest.movies.filter((m) => m.genres.length === 0)).toHaveLength(listedWithout);
    expect(latest.report.fixed['no genres listed (kept; no mood will pick it)']).toBe(listedWithout);
  });

  it('GIVEN titles without a year THEN they are kept with year null and counted', () => {
    const withoutYear = latest.movies.filter((m) => m.year === null);

    expect(withoutYear.map((m) => m.title)).toContain('Babylon 5');
    expect(latest.report.fixed['no year in the title (kept without a year)']).toBe(withoutYear.length);
  });

  it('GIVEN parseCatalog("movielens") with the file THEN it is the same catalog', () => {
    expect(parseCatalog('movielens', sharedDataPath(LATEST_MOVIES)).movies).toHaveLength(latest.movies.length);
  });
});

describe.skipIf(missingSharedData(ML100K_ITEMS))('the real ml-100k u.item', () => {
  let items: ParsedCatalog;
  beforeAll(() => {
    items = parseMovieLens(sharedDataPath(ML100K_ITEMS));
  });

  it('THEN all 1,682 rows are read; the one titled "unknown" is dropped', () => {
    expect(items.report.source).toBe('ml100k');
    expect(items.report.rowsRead).toBe(1682);
    expect(items.report.dropped).toEqual({ 'no title': 1 });
    expect(items.movies).toHaveLength(1681);
  });

  it('GIVEN Latin-1 text THEN accented titles are decoded correctly', () => {
    const titles = items.movies.map((m) => m.title);

    expect(titles).toContain('Les Misérables');
    expect(titles.filter((title) => title.includes('é')).length).toBeGreaterThan(3);
    expect(titles.some((title) => title.includes('\uFFFD') || title.includes('Ã'))).toBe(false);
  });

  it('GIVEN Toy Story genre flags THEN its genres are Animation, Family, Comedy', () => {
    expect(byId(items, '1')).toMatchObject({ title: 'Toy Story', year: 1995, genres: ['Animation', 'Family', 'Comedy'] });
  });

  it('THEN every id is unique', () => {
    expect(new Set(items.movies.map((m) => m.sourceId)).size).toBe(items.movies.length);
  });
});

describe('splitTitleYear', () => {
  it.each([
    ['Toy Story (1995)', 'Toy Story', 1995],
    ['Matrix, The (1999)', 'The Matrix', 1999],
    ['Misérables, Les (1995)', 'Les Misérables', 1995],
    ["Homme qui aimait les femmes, L' (1977)", "L'Homme qui aimait les femmes", 1977],
    ['Fawlty Towers (1975-1979)', 'Fawlty Towers', 1975],
    ['Big Bang Theory, The (2007-)', 'The Big Bang Theory', 2007],
    ['Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)', 'Shanghai Triad (Yao a yao yao dao waipo qiao)', 1995],
    ['(500) Days of Summer (2009)', '(500) Days of Summer', 2009],
    ['1941 (1979)', '1941', 1979],
    ['  Heat (1995)  ', 'Heat', 1995],
    ['Babylon 5', 'Babylon 5', null],
    ['Nineteen Eighty-Four (84)', 'Nineteen Eighty-Four (84)', null],
  ])('GIVEN %j THEN title %j and year %j', (raw, title, year) => {
    expect(splitTitleYear(raw)).toEqual({ title, year });
  });
});

describe('MovieLens fixture files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'feelms-movielens-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function fixture(name: string, text: string | Buffer): string {
    const file = join(dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  }
  const flags = (...on: number[]) => Array.from({ length: 19 }, (_, i) => (on.includes(i) ? '1' : '0')).join('|');

  it('GIVEN a u.item row with the wrong number of fields THEN it is reported with its line number and the rest imports', () => {
    const file = fixture(
      'short/u.item',
      [`1|Toy Story (1995)|01-Jan-1995||http://x|${flags(3, 4, 5)}`, '2|Short Row (1995)|01-Jan-1995||http://x|0|1', `3|Heat (1995)|01-Jan-1995||http://x|${flags(1)}`, ''].join('\n'),
    );

    const { movies, report } = parseMovieLens(file);

    expect(movies.map((m) => m.title)).toEqual(['Toy Story', 'Heat']);
    expect(report.problems).toEqual([{ line: 2, message: 'expected 24 "|"-separated fields, found 7' }]);
  });

  it('GIVEN a u.item title without a year THEN the year comes from the release date', () => {
    const file = fixture('dated/u.item', `7|Some Film|01-Jan-1996||http://x|${flags(8)}\n`);

    expect(parseMovieLens100kItems(file).movies[0]).toMatchObject({ title: 'Some Film', year: 1996, genres: ['Drama'] });
  });

  it('GIVEN a Latin-1 encoded u.item byte THEN it is decoded as Latin-1, not UTF-8', () => {
    const file = fixture('latin1/u.item', Buffer.from(`9|Café au Lait (1993)|01-Jan-1993||http://x|${flags(5)}\n`, 'latin1'));

    expect(parseMovieLens(file).movies[0]?.title).toBe('Café au Lait');
  });

  it('GIVEN a movies.csv row whose movieId is not a number THEN it is reported with its line number', () => {
    const file = fixture('ids/movies.csv', 'movieId,title,genres\n1,Toy Story (1995),Comedy\nabc,Bad (2001),Drama\n');

    const { movies, report } = parseMovieLensCsv(file);

    expect(movies.map((m) => m.sourceId)).toEqual(['1']);
    expect(report.problems).toEqual([{ line: 3, message: 'movieId "abc" is not a number' }]);
  });

  it('GIVEN a movies.csv row with the wrong number of fields THEN it is reported with its line number', () => {
    const file = fixture('fields/movies.csv', 'movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Matrix, The (1999),Action\n');

    const { movies, report } = parseMovieLensCsv(file);

    expect(movies.map((m) => m.sourceId)).toEqual(['1']);
    expect(report.problems.map((problem) => problem.line)).toEqual([3]);
  });

  it('GIVEN a CSV without the MovieLens header THEN a CatalogFileError names the file', () => {
    const file = fixture('header/movies.csv', 'id,name\n1,Toy Story\n');

    expect(() => parseMovieLensCsv(file)).toThrow(CatalogFileError);
    expect(() => parseMovieLensCsv(file)).toThrow(`${file}:1: not a MovieLens movies.csv`);
  });

  it('GIVEN no links.csv beside movies.csv THEN IMDb ids are unknown', () => {
    const file = fixture('nolinks/movies.csv', 'movieId,title,genres\n1,Toy Story (1995),Animation|Children|Comedy\n');

    expect(parseMovieLensCsv(file).movies[0]).toMatchObject({ imdbId: null, genres: ['Animation', 'Family', 'Comedy'] });
  });

  it('GIVEN a file with another name THEN its content decides the format', () => {
    const csv = fixture('sniff/catalog.txt', 'movieId,title,genres\n5,Heat (1995),Action\n');

    expect(parseMovieLens(csv).report.source).toBe('movielens');
  });

  it('GIVEN a missing file THEN a CatalogFileError names it', () => {
    const file = join(dir, 'absent', 'movies.csv');

    expect(() => parseMovieLens(file)).toThrow(`${file}: file not found`);
  });
});
