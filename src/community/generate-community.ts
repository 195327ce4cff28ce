/**
 * The prototype's simulated community, rebuilt deterministically (same seed + same `asOf` → same
 * files). What it keeps from the prototype:
 * - users: 20 % active, 80 % casual (active users come back far more often);
 * - sessions spread uniformly over the year before `asOf`; each session picks a mood by weight,
 *   positive moods twice as often as the others;
 * - each session lists movies of that mood (interactions of kind `shown`) and the user opens some
 *   (kind `view`);
 * - favorites from 30 % of views, dated after the view;
 * - ratings on 50 % of favorites, their values shaped by the mood (comfort moods rate higher,
 *   scared and sad lower and wider).
 * What it adds, so the models have something real to learn: every user has hidden genre tastes,
 * and which movie they open, favorite and how they rate it follow those tastes and the movie's quality.
 * @example
 * const community = generateCommunity(movies, { users: 1000, seed: 42, asOf: new Date('2026-11-24') });
 */
import { EMOTIONS, POSITIVE_EMOTIONS, type Emotion } from '../core/domain/emotions.ts';
import { createRng, type Rng } from '../shared/random.ts';

/** The part of a catalog movie the simulation needs. */
export interface SimulationMovie {
  key: string;
  genres: readonly string[];
  imdbRating: number | null;
  imdbVotes: number | null;
  emotions: Partial<Record<Emotion, number>>;
}

export interface SimulatedUser {
  userId: string;
  segment: 'active' | 'casual';
  createdAt: Date;
}
export interface SimulatedInteraction {
  userId: string;
  movieKey: string;
  emotion: Emotion;
  kind: 'view' | 'shown';
  at: Date;
}
export interface SimulatedFavorite {
  userId: string;
  movieKey: string;
  at: Date;
}
export interface SimulatedRating {
  userId: string;
  movieKey: string;
  emotion: Emotion;
  rating: number;
  at: Date;
}
export interface Community {
  users: SimulatedUser[];
  interactions: SimulatedInteraction[];
  favorites: SimulatedFavorite[];
  ratings: SimulatedRating[];
}

export interface GenerateOptions {
  users: number;
  seed: number;
  /** End of the simulated year. */
  asOf: Date;
  /** Share of active users. */
  activeShare?: number;
  /** Share of views that become favorites. */
  favoriteShare?: number;
  /** Share of favorites that get a rating. */
  ratedFavoriteShare?: number;
}

/** A movie belongs to a mood's pool when its weight for that mood reaches this. */
export const MOOD_POOL_THRESHOLD = 0.5;
const MOVIES_SHOWN_PER_SESSION = 5;
const DAY_MS = 86_400_000;
/** How a mood shifts the stars a user gives (the prototype's "values shaped by the emotion"). */
const RATING_SHIFT_BY_EMOTION: Record<Emotion, { shift: number; spread: number }> = {
  happy: { shift: 0.35, spread: 0.6 },
  excited: { shift: 0.2, spread: 0.7 },
  relaxed: { shift: 0.3, spread: 0.5 },
  romantic: { shift: 0.25, spread: 0.6 },
  inspired: { shift: 0.4, spread: 0.6 },
  thoughtful: { shift: 0.1, spread: 0.8 },
  sad: { shift: -0.2, spread: 1.0 },
  scared: { shift: -0.35, spread: 1.1 },
};

interface MoodPool {
  movies: number[];
  /** Cumulative popularity weights, for binary-search sampling. */
  cumulative: Float64Array;
}

function buildPools(movies: readonly SimulationMovie[]): Map<Emotion, MoodPool> {
  const pools = new Map<Emotion, MoodPool>();
  for (const emotion of EMOTIONS) {
    const members: number[] = [];
    movies.forEach((movie, index) => {
      if ((movie.emotions[emotion] ?? 0) >= MOOD_POOL_THRESHOLD) members.push(index);
    });
    const cumulative = new Float64Array(members.length);
    let sum = 0;
    members.forEach((index, i) => {
      // Popular films get listed more, but not overwhelmingly: the square root flattens IMDb's long tail.
      sum += Math.sqrt((movies[index]!.imdbVotes ?? 0) + 100);
      cumulative[i] = sum;
    });
    if (members.length > 0) pools.set(emotion, { movies: members, cumulative });
  }
  return pools;
}

function samplePool(pool: MoodPool, rng: Rng): number {
  const target = rng.next() * pool.cumulative[pool.cumulative.length - 1]!;
  let lo = 0;
  let hi = pool.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pool.cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return pool.movies[lo]!;
}

function pickEmotion(available: readonly Emotion[], rng: Rng): Emotion {
  const weights = available.map((emotion) => (POSITIVE_EMOTIONS.has(emotion) ? 2 : 1));
  let target = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < available.length; i++) {
    target -= weights[i]!;
    if (target < 0) return available[i]!;
  }
  return available[available.length - 1]!;
}

export function generateCommunity(movies: readonly SimulationMovie[], options: GenerateOptions): Community {
  const rng = createRng(options.seed);
  const activeShare = options.activeShare ?? 0.2;
  const favoriteShare = options.favoriteShare ?? 0.3;
  const ratedShare = options.ratedFavoriteShare ?? 0.5;
  const yearStart = options.asOf.getTime() - 365 * DAY_MS;
  const pools = buildPools(movies);
  const moods = EMOTIONS.filter((emotion) => pools.has(emotion));
  if (moods.length === 0) throw new Error('The catalog has no movie with a mood weight ≥ 0.5; import a catalog first.');

  const genreNames = [...new Set(movies.flatMap((movie) => movie.genres))].sort();
  const genreIndex = new Map(genreNames.map((genre, i) => [genre, i]));
  const movieGenres = movies.map((movie) => movie.genres.map((genre) => genreIndex.get(genre)!));
  const quality = movies.map((movie) => ((movie.imdbRating ?? 6.3) - 6.3) / 1.2);

  // Exactly the requested share is active; who is active is random.
  const activeCount = Math.round(options.users * activeShare);
  const order = rng.shuffle(Array.from({ length: options.users }, (_, i) => i));
  const isActive = new Uint8Array(options.users);
  for (let i = 0; i < activeCount; i++) isActive[order[i]!] = 1;

  const community: Community = { users: [], interactions: [], favorites: [], ratings: [] };
  interface View {
    userId: string;
    movie: number;
    emotion: Emotion;
    at: number;
    utility: number;
  }
  const views: View[] = [];

  for (let u = 0; u < options.users; u++) {
    const userId = String(u + 1);
    const active = isActive[u] === 1;
    // Hidden tastes: a few loved genres, a few disliked ones, the rest neutral.
    const taste = new Float64Array(genreNames.length);
    for (let g = 0; g < taste.length; g++) taste[g] = rng.normal(0, 0.6);
    const harshness = rng.normal(0, 0.35);
    const sessions = active ? 25 + rng.int(36) : 2 + rng.int(7);
    // Sessions end 15 minutes before asOf, so every view (≤ 11 min after its session) and favorite stays before it.
    const sessionTimes = Array.from({ length: sessions }, () => yearStart + rng.next() * (365 * DAY_MS - 15 * 60_000)).sort((a, b) => a - b);
    community.users.push({ userId, segment: active ? 'active' : 'casual', createdAt: new Date(Math.floor(sessionTimes[0]!)) });

    const seen = new Set<number>();
    for (const sessionStart of sessionTimes) {
      const emotion = pickEmotion(moods, rng);
      const pool = pools.get(emotion)!;
      const shown: number[] = [];
      for (let attempt = 0; attempt < 20 && shown.length < Math.min(MOVIES_SHOWN_PER_SESSION, pool.movies.length); attempt++) {
        const movie = samplePool(pool, rng);
        if (!shown.includes(movie) && !seen.has(movie)) shown.push(movie);
      }
      const at = Math.floor(sessionStart);
      const scored = shown.map((movie) => {
        const genres = movieGenres[movie]!;
        let affinity = 0;
        for (const g of genres) affinity += taste[g]!;
        affinity /= Math.max(1, genres.length);
        return { movie, utility: affinity + 0.5 * quality[movie]! + rng.normal(0, 0.3) };
      });
      for (const { movie } of scored) community.interactions.push({ userId, movieKey: movies[movie]!.key, emotion, kind: 'shown', at: new Date(at) });
      // Open the most appealing one, sometimes a second.
      scored.sort((a, b) => b.utility - a.utility);
      const opened = scored.slice(0, scored.length > 1 && rng.next() < 0.4 ? 2 : 1);
      opened.forEach(({ movie, utility }, i) => {
        seen.add(movie);
        const viewAt = at + (i + 1) * 60_000 + rng.int(300_000);
        community.interactions.push({ userId, movieKey: movies[movie]!.key, emotion, kind: 'view', at: new Date(viewAt) });
        views.push({ userId, movie, emotion, at: viewAt, utility: utility - harshness });
      });
    }
  }

  // Favorites: 30 % of views overall, more likely the more the user liked the movie. The scale is
  // solved by bisection so that the expected share is exact even though each probability caps at 1.
  const appeal = views.map((view) => Math.exp(1.5 * view.utility));
  const expectedFavorites = (scale: number) => appeal.reduce((sum, a) => sum + Math.min(1, scale * a), 0);
  let lo = 0;
  let hi = 1;
  while (expectedFavorites(hi) < favoriteShare * views.length && hi < 1e9) hi *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (expectedFavorites(mid) < favoriteShare * views.length) lo = mid;
    else hi = mid;
  }
  const scale = (lo + hi) / 2;
  const asOf = options.asOf.getTime();
  const favorited: View[] = [];
  const favoriteTimes: number[] = [];
  views.forEach((view, i) => {
    if (!(rng.next() < Math.min(1, scale * appeal[i]!))) return;
    const favoriteAt = Math.min(asOf - 1, view.at + 60_000 + rng.int(3 * DAY_MS));
    community.favorites.push({ userId: view.userId, movieKey: movies[view.movie]!.key, at: new Date(favoriteAt) });
    favorited.push(view);
    favoriteTimes.push(favoriteAt);
  });

  // Ratings on half the favorites: favorites are liked, so stars centre near 4; how much more the
  // user liked this one than their typical favorite, and the mood, move it from there.
  const utilities = favorited.map((view) => view.utility);
  const mean = utilities.reduce((a, b) => a + b, 0) / Math.max(1, utilities.length);
  const sd = Math.sqrt(utilities.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, utilities.length)) || 1;
  favorited.forEach((view, i) => {
    if (!(rng.next() < ratedShare)) return;
    const { shift, spread } = RATING_SHIFT_BY_EMOTION[view.emotion];
    const stars = Math.round(3.8 + 0.7 * ((view.utility - mean) / sd) + shift + rng.normal(0, spread * 0.7));
    community.ratings.push({
      userId: view.userId,
      movieKey: movies[view.movie]!.key,
      emotion: view.emotion,
      rating: Math.min(5, Math.max(1, stars)),
      at: new Date(Math.min(asOf - 1, favoriteTimes[i]! + 60_000 + rng.int(DAY_MS))),
    });
  });
  return community;
}

/** Start of the current UTC day: the default `asOf`, so runs on the same day write the same files. */
export function startOfUtcDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
