/**
 * A test-data "mother" for catalog movies (STYLE.md C10): sensible defaults, override what the test
 * is about. Ids auto-increment per test file, and the key follows the id (`test:<id>`).
 * @example
 * const scary = aMovie({ title: 'The Thing', genres: ['Horror'], emotions: { scared: 0.9 } });
 * const catalog = [aMovie(), aMovie({ emotions: { happy: 0.3, sad: 0.6 } })];
 */
import { movieKey, type Movie } from '../../src/core/domain/movie.ts';

let nextId = 1;

export function aMovie(overrides: Partial<Movie> = {}): Movie {
  const id = overrides.id ?? nextId;
  nextId = Math.max(nextId, id) + 1;
  return {
    id,
    key: movieKey('test', String(id)),
    title: `Test Movie ${id}`,
    year: 2000 + (id % 25),
    runtimeMinutes: 95,
    genres: ['Comedy'],
    certificate: 'PG',
    imdbRating: 7.5,
    imdbVotes: 12_000,
    criticScore: 70,
    director: 'Jane Doe',
    cast: ['Ana Actor', 'Bo Actor'],
    posterUrl: null,
    overview: 'A test movie.',
    imdbId: `tt${String(1_000_000 + id)}`,
    emotions: { happy: 0.8 },
    ...overrides,
  };
}

/** `count` movies from the same defaults, each with the same overrides. */
export function someMovies(count: number, overrides: Partial<Omit<Movie, 'id' | 'key'>> = {}): Movie[] {
  return Array.from({ length: count }, () => aMovie(overrides));
}
