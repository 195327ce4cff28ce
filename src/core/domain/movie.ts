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

export function movieKey(source: string, sourceId: string): string {
  return `${source}:${sourceId}`;
}
