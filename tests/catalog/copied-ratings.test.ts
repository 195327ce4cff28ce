/**
 * A rating/vote pair copied between same-titled films of different years is kept on one film and
 * cleared on the other (src/catalog/copied-ratings.ts), in the real vega data and in small cases.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport, newReport, type CatalogMovie, type ParsedCatalog } from '../../src/catalog/catalog-movie.ts';
import { COPIED_RATING_LISTED_REASON, COPIED_RATING_REASON, flagCopiedRatings } from '../../src/catalog/copied-ratings.ts';
import { parseVega } from '../../src/catalog/sources/vega.ts';

function film(title: string, year: number | null, imdbRating: number | null, imdbVotes: number | null): CatalogMovie {
  return {
    source: 'test', sourceId: `${title}-${year}`, title, year, runtimeMinutes: null, genres: ['Drama'], certificate: null, imdbRating, imdbVotes,
    criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null, emotions: {},
  };
}

describe('flagCopiedRatings', () => {
  it('GIVEN a remake and its original with the same rating and votes THEN the most recent keeps them and the older is cleared and flagged', () => {
    const report = newReport('test', 'x');
    const original = film('The Omen', 1976, 5.4, 24523);
    const remake = film('Omen, The', 2006, 5.4, 24523);
    const cleared = flagCopiedRatings([original, remake], report);

    expect(cleared).toEqual([original]);
    expect(original).toMatchObject({ imdbRating: null, imdbVotes: null, copiedRating: { imdbRating: 5.4, imdbVotes: 24523 } });
    expect(remake).toMatchObject({ imdbRating: 5.4, imdbVotes: 24523 });
    expect(remake.copiedRating).toBeUndefined();
    expect(report.flagged).toEqual({ [COPIED_RATING_REASON]: 1 });
    expect(report.flaggedRows).toEqual(['The Omen (1976): IMDb 5.4 from 24,523 votes belongs to Omen, The (2006)']);
    expect(formatReport(report)).toMatch(/flagged\s+1\s+IMDb rating and votes identical/);
  });

  it('GIVEN a list naming the film the pair belongs to THEN that film keeps it, even when older', () => {
    const report = newReport('test', 'x');
    const older = film('Twilight', 1998, 6.1, 4840);
    const newer = film('Twilight', 2008, 6.1, 4840);
    flagCopiedRatings([older, newer], report, new Map([['twilight', 1998]]));

    expect(older.imdbRating).toBe(6.1);
    expect(newer).toMatchObject({ imdbRating: null, imdbVotes: null });
    expect(report.flagged).toEqual({ [COPIED_RATING_LISTED_REASON]: 1 });
  });

  it('GIVEN same-titled films whose ratings or votes differ, different titles with the same pair, or one film THEN nothing is flagged', () => {
    const report = newReport('test', 'x');
    const movies = [
      film('King Kong', 1933, 8.0, 50000), film('King Kong', 2005, 7.6, 50000), // same votes, different rating
      film('Psycho', 1960, 8.6, 200000), film('Psycho', 1998, 8.6, 20000), // same rating, different votes
      film('Jurassic Park', 1993, 7.9, 151365), film('Jurassic Park 3', 2001, 7.9, 151365), // a sequel, another title
      film('Unrated', 1990, null, null), film('Unrated', 2000, null, null),
    ];
    const before = structuredClone(movies);
    expect(flagCopiedRatings(movies, report)).toEqual([]);
    expect(movies).toEqual(before);
    expect(report.flagged).toEqual({});
  });

  it('GIVEN three same-titled films sharing one pair THEN only the most recent keeps it; an unknown year counts as oldest', () => {
    const report = newReport('test', 'x');
    const movies = [film('Hamlet', 1948, 6, 5147), film('Hamlet', null, 6, 5147), film('Hamlet', 2000, 6, 5147)];
    flagCopiedRatings(movies, report);
    expect(movies.map((movie) => movie.imdbRating)).toEqual([null, null, 6]);
    expect(report.flagged[COPIED_RATING_REASON]).toBe(2);
  });
});

describe('the real vega-datasets movies.json', () => {
  let vega: ParsedCatalog;
  beforeAll(() => {
    vega = parseVega();
  });
  const only = (title: string, year: number) => {
    const found = vega.movies.filter((movie) => movie.title === title && movie.year === year);
    expect(found, `${title} (${year})`).toHaveLength(1);
    return found[0]!;
  };

  it('GIVEN Casino Royale (1967, the spoof) carrying the 2006 Bond film\'s 8.0 from 172,936 votes THEN the 2006 film keeps it and the 1967 one is cleared', () => {
    // Both rows in movies.json have IMDB Rating 8 and IMDB Votes 172936; the 1967 film is a comedy
    // with a 30 % Rotten Tomatoes score, the 2006 one an Action film at 94 %: the pair is the 2006 film's.
    expect(only('Casino Royale', 2006)).toMatchObject({ imdbRating: 8, imdbVotes: 172936, criticScore: 94, genres: ['Action'] });
    expect(only('Casino Royale', 1967)).toMatchObject({ imdbRating: null, imdbVotes: null, criticScore: 30, copiedRating: { imdbRating: 8, imdbVotes: 172936 } });
    expect(vega.report.flaggedRows).toContain('Casino Royale (1967): IMDb 8 from 172,936 votes belongs to Casino Royale (2006)');
  });

  it('GIVEN Crash and Twilight, where the older film owns the pair THEN vega-corrections.json keeps it there', () => {
    expect(only('Crash', 1996).imdbRating).toBe(6.1);
    expect(only('Crash', 2005).imdbRating).toBeNull();
    expect(only('Twilight', 1998).imdbRating).toBe(6.1);
    expect(only('Twilight', 2008).imdbRating).toBeNull();
  });

  it('THEN the report counts all 19 same-titled pairs, and no two same-titled films of different years share a pair any more', () => {
    expect(vega.report.flagged).toEqual({ [COPIED_RATING_REASON]: 17, [COPIED_RATING_LISTED_REASON]: 2 });
    const seen = new Map<string, number | null>();
    for (const movie of vega.movies) {
      if (movie.imdbRating === null) continue;
      const key = `${movie.title.toLowerCase()}|${movie.imdbRating}|${movie.imdbVotes}`;
      expect(seen.has(key) && seen.get(key) !== movie.year, `${movie.title} (${movie.year})`).toBe(false);
      seen.set(key, movie.year);
    }
  });
});
