import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, it, expect } from 'vitest';
import { CANONICAL_GENRES, canonicalGenres, emotionWeightsForGenres, genreWeight } from '../../src/catalog/genres.ts';
import { parseImdbCsv } from '../../src/catalog/sources/imdb.ts';
import { parseMovieLens } from '../../src/catalog/sources/movielens.ts';
import { defaultVegaFile, parseVega } from '../../src/catalog/sources/vega.ts';
import { EMOTIONS } from '../../src/core/domain/emotions.ts';
import type { Emotion } from '../../src/core/domain/emotions.ts';
import { missingSharedData, sharedDataPath } from '../helpers/shared-data.ts';

interface GenreMapping {
  genres: Record<string, Partial<Record<Emotion, number>>>;
  aliases: Record<string, string[]>;
  ignored: string[];
}
const MAPPING = JSON.parse(readFileSync(new URL('../../src/catalog/genre-emotions.json', import.meta.url), 'utf8')) as GenreMapping;

function unmappedAmong(labels: Iterable<string>): string[] {
  return canonicalGenres([...labels]).unmapped;
}

describe('every genre label of every real source is mapped', () => {
  describe.skipIf(missingSharedData('ml-100k/u.genre', 'ml-100k/u.item'))('MovieLens 100K', () => {
    it('GIVEN the 19 labels of u.genre THEN none is unmapped', () => {
      const labels = readFileSync(sharedDataPath('ml-100k/u.genre'), 'latin1')
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .map((line) => line.split('|')[0]!);

      expect(labels).toHaveLength(19);
      expect(unmappedAmong(labels)).toEqual([]);
    });

    it('WHEN u.item is parsed THEN the report lists no unmapped genre', () => {
      expect(parseMovieLens(sharedDataPath('ml-100k/u.item')).report.unmappedGenres).toEqual({});
    });
  });

  describe.skipIf(missingSharedData('ml-latest-small/movies.csv'))('MovieLens latest-small', () => {
    it('GIVEN every label of the genres column of movies.csv THEN none is unmapped', () => {
      const rows = parse<Record<string, string>>(readFileSync(sharedDataPath('ml-latest-small/movies.csv'), 'utf8'), { columns: true, bom: true });
      const labels = new Set(rows.flatMap((row) => (row['genres'] ?? '').split('|')));

      expect(labels.size).toBeGreaterThanOrEqual(20);
      expect(labels).toContain('(no genres listed)');
      expect(unmappedAmong(labels)).toEqual([]);
    });

    it('WHEN movies.csv is parsed THEN the report lists no unmapped genre', () => {
      expect(parseMovieLens(sharedDataPath('ml-latest-small/movies.csv')).report.unmappedGenres).toEqual({});
    });
  });

  describe.skipIf(missingSharedData('imdb_top_1000.csv'))('IMDb top 1000', () => {
    it('GIVEN every label of the Genre column THEN none is unmapped', () => {
      const rows = parse<Record<string, string>>(readFileSync(sharedDataPath('imdb_top_1000.csv'), 'utf8'), { columns: true, bom: true });
      const labels = new Set(rows.flatMap((row) => (row['Genre'] ?? '').split(',').map((label) => label.trim())));

      expect(labels.size).toBeGreaterThanOrEqual(15);
      expect(unmappedAmong(labels)).toEqual([]);
    });

    it('WHEN the CSV is parsed THEN the report lists no unmapped genre', () => {
      expect(parseImdbCsv(sharedDataPath('imdb_top_1000.csv')).report.unmappedGenres).toEqual({});
    });
  });

  describe('vega-datasets movies.json', () => {
    it('GIVEN every Major Genre and Creative Type label THEN none is unmapped', () => {
      const rows = JSON.parse(readFileSync(defaultVegaFile(), 'utf8')) as Array<Record<string, unknown>>;
      const labels = new Set(
        rows.flatMap((row) => [row['Major Genre'], row['Creative Type']]).filter((label): label is string => typeof label === 'string'),
      );

      expect(labels).toContain('Thriller/Suspense');
      expect(labels).toContain('Science Fiction');
      expect(unmappedAmong(labels)).toEqual([]);
    });

    it('WHEN movies.json is parsed THEN the report lists no unmapped genre', () => {
      expect(parseVega().report.unmappedGenres).toEqual({});
    });
  });
});

describe('canonicalGenres', () => {
  it('GIVEN an unknown label THEN it is reported as unmapped and the known ones kept', () => {
    expect(canonicalGenres(['Drama', 'Telenovela'])).toEqual({ genres: ['Drama'], unmapped: ['Telenovela'] });
  });

  it('GIVEN labels that are not genres THEN they are ignored, neither mapped nor reported', () => {
    expect(canonicalGenres(['(no genres listed)', 'unknown', 'Contemporary Fiction', 'Multiple Creative Types', '  '])).toEqual({ genres: [], unmapped: [] });
  });

  it('GIVEN an alias for two genres THEN both are returned in order', () => {
    expect(canonicalGenres(['Romantic Comedy'])).toEqual({ genres: ['Comedy', 'Romance'], unmapped: [] });
  });

  it('GIVEN different spellings of the same genres THEN they are matched case-insensitively, trimmed and deduplicated, first first', () => {
    expect(canonicalGenres([' sci-fi', 'Science Fiction', "Children's", 'children', 'COMEDY']).genres).toEqual(['Sci-Fi', 'Family', 'Comedy']);
  });

  it('GIVEN the mapping file THEN every alias points to canonical genres and CANONICAL_GENRES lists them sorted', () => {
    expect(CANONICAL_GENRES).toEqual(Object.keys(MAPPING.genres).sort());
    for (const targets of Object.values(MAPPING.aliases)) for (const target of targets) expect(CANONICAL_GENRES).toContain(target);
  });
});

describe('emotionWeightsForGenres (noisy-or)', () => {
  it('GIVEN Comedy + Romance THEN happy is 1 − (1 − 1)(1 − 0.3) = 1 and relaxed 1 − (1 − 0.4)(1 − 0.3) = 0.58', () => {
    const weights = emotionWeightsForGenres(['Comedy', 'Romance']);

    expect(weights.happy).toBe(1);
    expect(weights.relaxed).toBe(0.58);
    expect(weights.romantic).toBe(1);
    expect(weights.sad).toBe(0.2);
  });

  it('GIVEN Drama + War THEN sad is 1 − 0.4 × 0.4 = 0.84', () => {
    expect(emotionWeightsForGenres(['Drama', 'War']).sad).toBe(0.84);
  });

  it.each(Object.keys(MAPPING.genres))('GIVEN only %s THEN the weights equal its row in the table', (genre) => {
    const expected = Object.fromEntries(Object.entries(MAPPING.genres[genre]!).filter(([, weight]) => weight > 0));

    expect(emotionWeightsForGenres([genre])).toEqual(expected);
    for (const emotion of EMOTIONS) expect(genreWeight(genre, emotion)).toBe(MAPPING.genres[genre]![emotion] ?? 0);
  });

  it('GIVEN no genres or unknown genres THEN there are no weights', () => {
    expect(emotionWeightsForGenres([])).toEqual({});
    expect(emotionWeightsForGenres(['Telenovela'])).toEqual({});
  });

  it('GIVEN more genres THEN no weight ever goes down', () => {
    const one = emotionWeightsForGenres(['Thriller']);
    const three = emotionWeightsForGenres(['Thriller', 'Horror', 'Mystery']);

    for (const emotion of EMOTIONS) expect(three[emotion] ?? 0).toBeGreaterThanOrEqual(one[emotion] ?? 0);
  });
});
