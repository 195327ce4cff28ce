/**
 * Title search (src/core/recommend/title-search.ts): what a user types → one movie, "did you mean"
 * suggestions, or none. On the real default catalog (the vega source, as tests/catalog parses it)
 * and on small made-up catalogs for the normalisation rules. No timings here: `like.p50Ms` is the
 * benchmark's.
 */
import { describe, expect, it } from 'vitest';
import { parseVega } from '../../src/catalog/sources/vega.ts';
import { movieKey, type Movie } from '../../src/core/domain/movie.ts';
import {
  editDistance,
  findTitle,
  MAX_TITLE_QUERY_CHARS,
  normalizeTitleText,
  rankTitles,
  type TitleSearchResult,
} from '../../src/core/recommend/title-search.ts';
import { aMovie } from '../fakes/movies.ts';

/** The default catalog as the database would hold it: frozen, ids in order. */
const VEGA: readonly Movie[] = Object.freeze(
  parseVega().movies.map(
    (movie, index): Movie => ({
      id: index + 1, key: movieKey(movie.source, movie.sourceId), title: movie.title, year: movie.year, runtimeMinutes: movie.runtimeMinutes,
      genres: movie.genres, certificate: movie.certificate, imdbRating: movie.imdbRating, imdbVotes: movie.imdbVotes, criticScore: movie.criticScore,
      director: movie.director, cast: movie.cast, posterUrl: movie.posterUrl, overview: movie.overview, imdbId: movie.imdbId, emotions: movie.emotions,
    }),
  ),
);

const heading = (movie: Movie) => `${movie.title} (${movie.year ?? '?'})`;
/** A result as one readable string: "found The Matrix (1999)", "suggest A (1) | B (2)", "none", "invalid empty". */
function verdict(result: TitleSearchResult): string {
  switch (result.kind) {
    case 'found':
      return `found ${heading(result.movie)}`;
    case 'suggestions':
      return `suggest ${result.movies.map(heading).join(' | ')}`;
    case 'none':
      return 'none';
    case 'invalid':
      return `invalid ${result.reason}`;
  }
}
const search = (query: string, movies: readonly Movie[] = VEGA) => verdict(findTitle(movies, query));

describe('findTitle on the default catalog', () => {
  it.each([
    ['matrix'],
    ['The Matrix'],
    ['THE MATRIX!!!'],
    ['Matrix, The'],
    ['  the   matrix  '],
    ['the matrix 1999'],
    ['the matrix (1999)'],
    ['The Matrix [1999]'],
    ['the matrix 99'],
    ["the matrix '99"],
    ['the matrix 2000'],
  ])('GIVEN "%s" THEN The Matrix (1999)', (query) => {
    expect(search(query)).toBe('found The Matrix (1999)');
  });

  it.each([
    ['jurasic prak', 'Jurassic Park (1993)'],
    ['the shawshenk redemption', 'The Shawshank Redemption (1994)'],
    ['finding nemmo', 'Finding Nemo (2003)'],
    ['lord of the rings the two tower', 'The Lord of the Rings: The Two Towers (2002)'],
  ])('GIVEN the typo "%s" THEN %s', (query, expected) => {
    expect(search(query)).toBe(`found ${expected}`);
  });

  it.each([
    ['toy story', 'Toy Story (1995)'],
    ['toy story 2', 'Toy Story 2 (1999)'],
    ['toy story 3', 'Toy Story 3 (2010)'],
    ['godfather', 'The Godfather (1972)'],
    ['godfather 2', 'The Godfather: Part II (1974)'],
    ['the godfather part ii', 'The Godfather: Part II (1974)'],
    ['back to the future 2', 'Back to the Future Part II (1989)'],
    ['fellowship of the ring', 'The Lord of the Rings: The Fellowship of the Ring (2001)'],
    ['monsters inc', 'Monsters, Inc. (2001)'],
    ['wall-e', 'WALL-E (2008)'],
    ['walle', 'WALL-E (2008)'],
    ['se7en', 'Se7en (1995)'],
    ['schindler', "Schindler's List (1993)"],
  ])('GIVEN "%s" (sequels, subtitles, punctuation, a unique prefix) THEN %s', (query, expected) => {
    expect(search(query)).toBe(`found ${expected}`);
  });

  it('GIVEN a title two films share THEN both are suggested; GIVEN its year (±1) THEN that film', () => {
    expect(search('casino royale')).toMatch(/^suggest Casino Royale \(2006\) \| Casino Royale \(1967\)/);
    expect(search('casino royale 2006')).toBe('found Casino Royale (2006)');
    expect(search('casino royale (1967)')).toBe('found Casino Royale (1967)');
    expect(search('casino royale 2007')).toBe('found Casino Royale (2006)');
  });

  it('GIVEN a year that matches no film of that title (more than a year off) THEN never that film as a confident match', () => {
    expect(search('the matrix 2005')).not.toMatch(/^found/);
    expect(search('jurassic park 1980')).not.toMatch(/^found/);
  });

  it('GIVEN a series name THEN up to three of its films as "did you mean"', () => {
    const result = findTitle(VEGA, 'star wars');
    expect(result.kind).toBe('suggestions');
    const movies = result.kind === 'suggestions' ? result.movies : [];
    expect(movies).toHaveLength(3);
    for (const movie of movies) expect(movie.title).toMatch(/^Star Wars/);
  });

  it('GIVEN a short title one letter off THEN only a suggestion: "amelie" may be a typo for Amelia, or a film the catalog lacks', () => {
    expect(search('amelie')).toMatch(/^suggest Amelia \(2009\)/);
    expect(search('the matirx')).toMatch(/^suggest The Matrix \(1999\)/);
  });

  it('GIVEN words that are no title THEN none', () => {
    expect(search('xyzzy qwerty plugh')).toBe('none');
  });

  it.each([
    ['', 'invalid empty'],
    ['   \n\t ', 'invalid empty'],
    ['!!! ??? ...', 'invalid noLetters'],
    ['😀🎬🍿', 'invalid noLetters'],
    ['x'.repeat(5000), 'invalid tooLong'],
    ['🎬'.repeat(MAX_TITLE_QUERY_CHARS + 1), 'invalid tooLong'],
  ])('GIVEN bad input %j THEN refused unread', (query, expected) => {
    expect(search(query)).toBe(expected);
  });

  it('GIVEN the longest query allowed THEN it is searched (no match, no error)', () => {
    expect(search('a'.repeat(MAX_TITLE_QUERY_CHARS))).not.toMatch(/^invalid/);
  });
});

describe('findTitle: normalisation, on made-up catalogs', () => {
  it('GIVEN catalog titles with accents, trailing articles, alternative titles and "&" THEN plain typing finds them', () => {
    const movies = [
      aMovie({ title: 'Amélie', year: 2001 }),
      aMovie({ title: 'Matrix, The', year: 1999 }),
      aMovie({ title: "City of Lost Children, The (Cité des enfants perdus, La)", year: 1995 }),
      aMovie({ title: 'Romeo & Juliet', year: 1968 }),
      aMovie({ title: "L'Avventura", year: 1960 }),
    ];
    expect(search('AMELIE', movies)).toBe('found Amélie (2001)');
    expect(search('the matrix', movies)).toBe('found Matrix, The (1999)');
    expect(search('city of lost children', movies)).toMatch(/^found City of Lost Children/);
    expect(search('cité des enfants perdus', movies)).toMatch(/^found City of Lost Children/);
    expect(search('romeo and juliet', movies)).toBe('found Romeo & Juliet (1968)');
    expect(search('avventura', movies)).toBe("found L'Avventura (1960)");
  });

  it('GIVEN a catalog list that is not frozen THEN it is searched all the same', () => {
    const movies = [aMovie({ title: 'Heat', year: 1995 }), aMovie({ title: 'Heat', year: 1986 })];
    expect(search('heat 95', movies)).toBe('found Heat (1995)');
    movies.push(aMovie({ title: 'Up', year: 2009 }));
    expect(search('up', movies)).toBe('found Up (2009)');
  });

  it('normalizeTitleText drops what does not tell titles apart', () => {
    expect(normalizeTitleText('Matrix, The')).toBe('matrix');
    expect(normalizeTitleText('THE MATRIX!!!')).toBe('matrix');
    expect(normalizeTitleText('Amélie')).toBe('amelie');
    expect(normalizeTitleText("Schindler's List")).toBe('schindlers list');
    expect(normalizeTitleText('L.A. Confidential')).toBe(normalizeTitleText('LA Confidential'));
    expect(normalizeTitleText('Rocky II')).toBe('rocky 2');
    expect(normalizeTitleText('Back to the Future Part III')).toBe('back to the future 3');
    expect(normalizeTitleText('Face/Off')).toBe('face off');
    expect(normalizeTitleText('🎬!!')).toBe('');
  });

  it('editDistance counts an adjacent swap as one edit (Damerau-Levenshtein, optimal string alignment)', () => {
    expect(editDistance('matrix', 'matirx')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('rankTitles (autocomplete)', () => {
  it('GIVEN the start of a title THEN its films first, best first, at most the limit', () => {
    const ranked = rankTitles(VEGA, 'matr', 25);
    expect(ranked.length).toBeGreaterThan(0);
    expect(ranked.length).toBeLessThanOrEqual(25);
    expect(ranked.slice(0, 3).map(({ movie }) => movie.title)).toEqual(['The Matrix', 'The Matrix Reloaded', 'The Matrix Revolutions']);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i]!.score).toBeLessThanOrEqual(ranked[i - 1]!.score);
  });

  it('GIVEN a typo as typed so far THEN the intended film is still offered', () => {
    expect(rankTitles(VEGA, 'jurasic', 5).map(({ movie }) => movie.title)).toContain('Jurassic Park');
  });

  it('GIVEN an empty field, punctuation or 5,000 characters THEN nothing, without error', () => {
    expect(rankTitles(VEGA, '', 25)).toEqual([]);
    expect(rankTitles(VEGA, '?!', 25)).toEqual([]);
    expect(rankTitles(VEGA, 'x'.repeat(5000), 25)).toEqual([]);
    expect(rankTitles(VEGA, 'matrix', 0)).toEqual([]);
  });
});
