import type { Movie } from '../../src/core/domain/movie.ts';

/** A catalog movie with sensible defaults; tests override what they care about. */
export function movie(id: number, overrides: Partial<Movie> = {}): Movie {
  return {
    id,
    key: `test:${id}`,
    title: `Movie ${id}`,
    year: 2000,
    runtimeMinutes: 100,
    genres: ['Drama'],
    certificate: null,
    imdbRating: 7,
    imdbVotes: 10_000,
    criticScore: null,
    director: null,
    cast: [],
    posterUrl: null,
    overview: null,
    imdbId: null,
    emotions: { sad: 0.8 },
    ...overrides,
  };
}
