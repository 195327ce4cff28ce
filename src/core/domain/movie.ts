import type { EmotionWeights } from './emotions.ts';

/**
 * A catalog movie as the core sees it. `key` is stable across databases (`source:sourceId`, e.g.
 * `vega:1234`), so trained models can refer to movies without knowing database ids.
 * @example
 * movieKey('imdb', 'tt0111161') // 'imdb:tt0111161'
 */
export interface Movie {
  id: number;
  key: string;
  title: string;
  year: number | null;
  runtimeMinutes: number | null;
  /** In source order; the first is the primary genre. */
  genres: string[];
  certificate: string | null;
  imdbRating: number | null;
  imdbVotes: number | null;
  criticScore: number | null;
  director: string | null;
  cast: string[];
  posterUrl: string | null;
  overview: string | null;
  imdbId: string | null;
  emotions: EmotionWeights;
}

/** A movie known by its key and title only (rating files without a movie file, offline tools). */
export function bareMovie(id: number, key: string, title: string): Movie {
  return {
    id, key, title, year: null, runtimeMinutes: null, genres: [], certificate: null, imdbRating: null, imdbVotes: null,
    criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null, emotions: {},
  };
}

/** Jaccard similarity of a movie's genres to a set of genres (0 when either is empty). */
export function genreJaccard(of: ReadonlySet<string>, genres: readonly string[]): number {
  if (of.size === 0 || genres.length === 0) return 0;
  let shared = 0;
  for (const genre of genres) if (of.has(genre)) shared++;
  return shared / (of.size + genres.length - shared);
}

export function movieKey(source: string, sourceId: string): string {
  return `${source}:${sourceId}`;
}
