import { EMOTIONS, POSITIVE_EMOTIONS } from '../core/domain/emotions.ts';
import type { Emotion, EmotionWeights } from '../core/domain/emotions.ts';
import type { Movie } from '../core/domain/movie.ts';
import { createRng } from '../shared/random.ts';
import type { Rng } from '../shared/random.ts';
import type { TrainingData, TrainingFavorite, TrainingInteraction, TrainingRating } from './training-data.ts';

/**
 * A seeded, planted-structure stand-in for the simulated community, for tests and benchmarks
 * that must not depend on generated files. It is NOT the product's generator (scripts/generate.ts):
 * it only has to look like its output and contain learnable signal.
 *
 * Each user has hidden tastes (a preference per genre, shared with the movie's emotions through
 * the genre → emotion map). Whether a viewed movie is favorited, and how it is rated, depends on
 * that taste, on the movie's IMDb rating and on how well it fits the mood of the view, plus noise.
 */
export const SYNTHETIC_GENRES = ['Comedy', 'Action', 'Drama', 'Romance', 'Horror', 'Thriller', 'Documentary', 'Animation', 'Sci-Fi', 'Crime', 'Family', 'Biography'] as const;

const GENRE_EMOTIONS: Readonly<Record<(typeof SYNTHETIC_GENRES)[number], Emotion>> = {
  Comedy: 'happy',
  Action: 'excited',
  Drama: 'sad',
  Romance: 'romantic',
  Horror: 'scared',
  Thriller: 'scared',
  Documentary: 'thoughtful',
  Animation: 'relaxed',
  'Sci-Fi': 'thoughtful',
  Crime: 'excited',
  Family: 'relaxed',
  Biography: 'inspired',
};

export interface SyntheticCommunityOptions {
  users: number;
  movies: number;
  seed: number;
  /** Mean views of an active user (20 % of users); casual users view a fifth as many. */
  activeViews: number;
  /** The data spans this many days before `end`. */
  days: number;
  end: Date;
}

const DEFAULTS: SyntheticCommunityOptions = {
  users: 200,
  movies: 400,
  seed: 7,
  activeViews: 60,
  days: 365,
  end: new Date('2025-01-01T00:00:00Z'),
};

export function syntheticCatalog(count: number, seed: number): Movie[] {
  const rng = createRng(seed ^ 0x2545f491);
  const movies: Movie[] = [];
  for (let i = 0; i < count; i++) {
    const genreCount = 1 + rng.int(3);
    const genres: string[] = [];
    while (genres.length < genreCount) {
      const genre = SYNTHETIC_GENRES[rng.int(SYNTHETIC_GENRES.length)]!;
      if (!genres.includes(genre)) genres.push(genre);
    }
    const emotions: EmotionWeights = {};
    genres.forEach((genre, position) => {
      const emotion = GENRE_EMOTIONS[genre as (typeof SYNTHETIC_GENRES)[number]];
      const weight = round3((position === 0 ? 0.7 : 0.4) + 0.3 * rng.next());
      emotions[emotion] = Math.max(emotions[emotion] ?? 0, weight);
    });
    // A few gaps, as in real catalogs, exercise the missing-value fill.
    const missing = rng.next() < 0.05;
    movies.push({
      id: i + 1,
      key: `synth:${i + 1}`,
      title: `Synthetic Movie ${i + 1}`,
      year: missing ? null : 1950 + rng.int(75),
      runtimeMinutes: missing ? null : 80 + rng.int(100),
      genres,
      certificate: null,
      imdbRating: round1(clamp(rng.normal(6.9, 0.8), 1, 10)),
      imdbVotes: missing ? null : Math.round(Math.exp(rng.normal(10.5, 1.3))),
      criticScore: null,
      director: null,
      cast: [],
      posterUrl: null,
      overview: null,
      imdbId: null,
      emotions,
    });
  }
  return movies;
}

export function syntheticCommunity(options: Partial<SyntheticCommunityOptions> = {}): TrainingData {
  const o = { ...DEFAULTS, ...options };
  const rng = createRng(o.seed);
  const movies = syntheticCatalog(o.movies, o.seed);
  const byEmotion = new Map<Emotion, Movie[]>(EMOTIONS.map((emotion) => [emotion, movies.filter((m) => (m.emotions[emotion] ?? 0) > 0)]));
  const ratings: TrainingRating[] = [];
  const interactions: TrainingInteraction[] = [];
  const favorites: TrainingFavorite[] = [];
  const endMs = o.end.getTime();
  const spanMs = o.days * 86_400_000;

  for (let u = 0; u < o.users; u++) {
    const userKey = String(u + 1);
    const active = rng.next() < 0.2;
    const taste = new Map<string, number>(SYNTHETIC_GENRES.map((genre) => [genre, rng.normal(0, 1)]));
    const generosity = rng.normal(0, 0.5);
    const views = Math.max(1, Math.round((active ? o.activeViews : o.activeViews / 5) * (0.5 + rng.next())));
    const seen = new Set<string>();
    for (let v = 0; v < views; v++) {
      const emotion = pickEmotion(rng);
      const pool = byEmotion.get(emotion)!;
      if (pool.length === 0) continue;
      // Users open movies that fit their taste more often than others.
      let movie = pool[rng.int(pool.length)]!;
      for (let tries = 0; tries < 2; tries++) {
        const other = pool[rng.int(pool.length)]!;
        if (affinity(taste, other) > affinity(taste, movie)) movie = other;
      }
      const at = endMs - spanMs + rng.next() * spanMs * 0.98;
      for (let s = 0; s < 3; s++) {
        const shown = pool[rng.int(pool.length)]!;
        interactions.push({ userKey, movieKey: shown.key, emotion, kind: 'shown', at: new Date(at - 1000) });
      }
      interactions.push({ userKey, movieKey: movie.key, emotion, kind: 'view', at: new Date(at) });
      if (seen.has(movie.key)) continue;
      seen.add(movie.key);
      const liking = affinity(taste, movie) + 0.8 * ((movie.imdbRating ?? 6.9) - 6.9) + 1.2 * (movie.emotions[emotion] ?? 0) + generosity;
      const favoriteChance = 1 / (1 + Math.exp(-(1.6 * liking - 3.2)));
      const favorited = rng.next() < favoriteChance;
      if (favorited) favorites.push({ userKey, movieKey: movie.key, at: new Date(at + 60_000 + rng.next() * 3_600_000) });
      if ((favorited && rng.next() < 0.5) || rng.next() < 0.25) {
        const stars = clamp(Math.round(3 + 0.9 * liking + rng.normal(0, 0.6)), 1, 5);
        ratings.push({ userKey, movieKey: movie.key, stars, at: new Date(at + 120_000 + rng.next() * 3_600_000) });
      }
    }
  }
  return { movies, ratings, interactions, favorites };
}

function affinity(taste: Map<string, number>, movie: Movie): number {
  let sum = 0;
  for (const genre of movie.genres) sum += taste.get(genre) ?? 0;
  return sum / Math.max(1, movie.genres.length);
}

function pickEmotion(rng: Rng): Emotion {
  // Positive moods are picked twice as often, like the prototype's generator.
  const weights = EMOTIONS.map((emotion) => (POSITIVE_EMOTIONS.has(emotion) ? 2 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (let e = 0; e < EMOTIONS.length; e++) {
    x -= weights[e]!;
    if (x < 0) return EMOTIONS[e]!;
  }
  return EMOTIONS[EMOTIONS.length - 1]!;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
