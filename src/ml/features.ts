import { EMOTIONS, isEmotion } from '../core/domain/emotions.ts';
import type { Emotion } from '../core/domain/emotions.ts';
import type { Movie } from '../core/domain/movie.ts';
import type { UserTaste } from '../core/ports/scorer.ts';

/**
 * The random forest's features: ONE definition used by training (src/ml/train.ts) and serving
 * (src/ml/onnx-scorer.ts), so the two can never drift apart. The manifest records the names and
 * the genre vocabulary; the scorer refuses a manifest whose names differ from this module's.
 *
 * Missing values (a movie without runtime, a user without ratings, a training view without a
 * mood) become {@link MISSING_VALUE}, −1: every real value of these features is ≥ 0, so a tree
 * can isolate "unknown" with one split. NaN or ±Infinity is never a missing value: it means a bug
 * upstream, and building features throws instead of feeding it to the model.
 */
export const FEATURE_NAMES = [
  'movie_runtime_minutes',
  'movie_imdb_rating',
  'movie_log_votes',
  'movie_year',
  /** The movie's weight for the mood the user asked for. */
  'movie_mood_weight',
  /** log(1 + number of views). */
  'user_log_views',
  'user_mean_rating',
  /** favorites / views, capped at 1. */
  'user_favorite_rate',
  /** Mean emotion vector of the movies the user liked, dotted with this movie's. */
  'user_emotion_affinity',
  /** Mean genre indicator of the movies the user liked, averaged over this movie's genres. */
  'user_genre_affinity',
  /** The SVD's predicted rating for this user (folded in) and movie. */
  'pair_svd_prediction',
] as const;
export type ScalarFeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_SPEC_VERSION = 1;
export const MISSING_VALUE = -1;
/** A rating at or above this counts as "liked" for the affinity profiles, like a favorite does. */
export const LIKED_MIN_STARS = 4;
export const GENRE_FEATURE_PREFIX = 'genre_is_';

const SCALAR_COUNT = FEATURE_NAMES.length;
/** Column index of each scalar feature, so the writer below cannot disagree with the name list. */
const COLUMN = Object.fromEntries(FEATURE_NAMES.map((name, index) => [name, index])) as Record<ScalarFeatureName, number>;

/** What training stores in the manifest and serving needs to rebuild the same columns. */
export interface FeatureSpec {
  version: number;
  /** All column names in order: {@link FEATURE_NAMES}, then one `genre_is_<genre>` per vocabulary entry. */
  names: string[];
  genreVocabulary: string[];
  missingValue: number;
  likedMinStars: number;
}

export function createFeatureSpec(genreVocabulary: readonly string[]): FeatureSpec {
  const seen = new Set<string>();
  for (const genre of genreVocabulary) {
    if (genre.trim() === '' || seen.has(genre)) throw new RangeError(`genre vocabulary entries must be distinct and non-empty, got ${JSON.stringify(genre)}`);
    seen.add(genre);
  }
  return {
    version: FEATURE_SPEC_VERSION,
    names: featureNames(genreVocabulary),
    genreVocabulary: [...genreVocabulary],
    missingValue: MISSING_VALUE,
    likedMinStars: LIKED_MIN_STARS,
  };
}

export function featureNames(genreVocabulary: readonly string[]): string[] {
  return [...FEATURE_NAMES, ...genreVocabulary.map((genre) => `${GENRE_FEATURE_PREFIX}${genre}`)];
}

/**
 * Why a stored spec cannot be served by this build, or null when it can. Checked when models load.
 */
export function featureSpecMismatch(spec: FeatureSpec): string | null {
  if (spec.version !== FEATURE_SPEC_VERSION) return `feature spec version ${spec.version}, this build computes version ${FEATURE_SPEC_VERSION}`;
  if (spec.missingValue !== MISSING_VALUE) return `missing value ${spec.missingValue}, this build fills ${MISSING_VALUE}`;
  if (spec.likedMinStars !== LIKED_MIN_STARS) return `liked threshold ${spec.likedMinStars}, this build uses ${LIKED_MIN_STARS}`;
  const expected = featureNames(spec.genreVocabulary);
  if (expected.length !== spec.names.length || expected.some((name, i) => name !== spec.names[i])) {
    return `feature names [${spec.names.join(', ')}] differ from this build's [${expected.join(', ')}]`;
  }
  return null;
}

/**
 * The vocabulary for the genre one-hots: the catalog's genres by descending movie count (ties by
 * name), at most `limit` of them. Rare genres beyond the limit simply get no column.
 */
export function genreVocabularyFor(movies: readonly Movie[], limit = 24): string[] {
  const counts = new Map<string, number>();
  for (const movie of movies) for (const genre of new Set(movie.genres)) counts.set(genre, (counts.get(genre) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([genre]) => genre);
}

export class FeatureInputError extends Error {
  readonly code = 'FEATURE_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'FeatureInputError';
  }
}

/**
 * A user's history, reduced to what the user features need. Built from a `UserTaste` at serving
 * time, or event by event (in time order) during training so each training row only sees the past.
 */
export class UserProfile {
  viewCount = 0;
  favoriteCount = 0;
  ratingCount = 0;
  ratingSum = 0;
  private readonly likedKeys = new Set<string>();
  private readonly emotionSums = new Float64Array(EMOTIONS.length);
  private readonly genreSums: Float64Array;

  constructor(private readonly spec: FeatureSpec) {
    this.genreSums = new Float64Array(spec.genreVocabulary.length);
  }

  static fromTaste(taste: UserTaste, spec: FeatureSpec): UserProfile {
    const profile = new UserProfile(spec);
    if (!isCount(taste.viewCount)) throw new FeatureInputError(`user ${taste.userId}: viewCount must be a non-negative integer, got ${taste.viewCount}`);
    profile.viewCount = taste.viewCount;
    for (const favorite of taste.favorites) profile.addFavorite(favorite);
    for (const rating of taste.ratings) profile.addRating(rating.movie, rating.stars);
    return profile;
  }

  get likedCount(): number {
    return this.likedKeys.size;
  }

  addView(): void {
    this.viewCount++;
  }

  addFavorite(movie: Movie): void {
    this.favoriteCount++;
    this.like(movie);
  }

  addRating(movie: Movie, stars: number): void {
    if (!Number.isFinite(stars)) throw new FeatureInputError(`rating of ${movie.key} is ${stars}: expected a finite number`);
    this.ratingCount++;
    this.ratingSum += stars;
    if (stars >= LIKED_MIN_STARS) this.like(movie);
  }

  /** The features that depend on the user only. */
  userFeatures(): { logViews: number; meanRating: number; favoriteRate: number } {
    return {
      logViews: Math.log1p(this.viewCount),
      meanRating: this.ratingCount === 0 ? MISSING_VALUE : this.ratingSum / this.ratingCount,
      // Capped: a favorite can be recorded without a view event (e.g. from the favorites list).
      favoriteRate: Math.min(1, this.favoriteCount / Math.max(1, this.viewCount)),
    };
  }

  /** Mean emotion weights of liked movies (zeros when none). */
  emotionProfile(): Float64Array {
    const n = this.likedKeys.size;
    return this.emotionSums.map((sum) => (n === 0 ? 0 : sum / n));
  }

  /** Share of liked movies carrying each vocabulary genre (zeros when none). */
  genreProfile(): Float64Array {
    const n = this.likedKeys.size;
    return this.genreSums.map((sum) => (n === 0 ? 0 : sum / n));
  }

  private like(movie: Movie): void {
    // A movie both favorited and rated 4+ counts once.
    if (this.likedKeys.has(movie.key)) return;
    this.likedKeys.add(movie.key);
    const emotions = emotionVector(movie);
    for (let e = 0; e < emotions.length; e++) this.emotionSums[e]! += emotions[e]!;
    const genres = this.spec.genreVocabulary;
    for (let g = 0; g < genres.length; g++) if (movie.genres.includes(genres[g]!)) this.genreSums[g]!++;
  }
}

/** The movie's weights in {@link EMOTIONS} order; absent emotions weigh 0. Throws on non-finite weights. */
export function emotionVector(movie: Movie): Float64Array {
  const vector = new Float64Array(EMOTIONS.length);
  for (let e = 0; e < EMOTIONS.length; e++) {
    const weight = movie.emotions[EMOTIONS[e]!];
    if (weight === undefined) continue;
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      throw new FeatureInputError(`movie ${movie.key}: emotion weight ${EMOTIONS[e]} is ${String(weight)}, expected a finite number`);
    }
    vector[e] = weight;
  }
  return vector;
}

/** Per-movie columns that do not depend on the user; cacheable per catalog. */
export interface MovieColumns {
  /**
   * A full feature row with the movie's own columns (runtime … year, genre one-hots) filled in and
   * the rest 0: serving copies it with one `set` and then writes the user-dependent columns, which
   * is several times faster than writing every column of 10,000 rows.
   */
  row: Float32Array;
  emotions: Float64Array;
  /** Indices into the genre vocabulary. */
  genreSlots: Int32Array;
}

export function movieColumns(movie: Movie, spec: FeatureSpec): MovieColumns {
  const genreSlots: number[] = [];
  for (const genre of new Set(movie.genres)) {
    const slot = spec.genreVocabulary.indexOf(genre);
    if (slot >= 0) genreSlots.push(slot);
  }
  const row = new Float32Array(spec.names.length);
  row[COLUMN.movie_runtime_minutes] = optionalNumber(movie, 'runtimeMinutes', movie.runtimeMinutes);
  row[COLUMN.movie_imdb_rating] = optionalNumber(movie, 'imdbRating', movie.imdbRating);
  row[COLUMN.movie_log_votes] = movie.imdbVotes === null ? MISSING_VALUE : Math.log1p(Math.max(0, optionalNumber(movie, 'imdbVotes', movie.imdbVotes)));
  row[COLUMN.movie_year] = optionalNumber(movie, 'year', movie.year);
  for (const slot of genreSlots) row[SCALAR_COUNT + slot] = 1;
  return { row, emotions: emotionVector(movie), genreSlots: Int32Array.from(genreSlots) };
}

/**
 * Writes feature rows for one user and mood into `out` (row-major, `spec.names.length` columns),
 * starting at `rowOffset`. `mood === null` (a training view recorded without a mood) fills the
 * mood weight with {@link MISSING_VALUE}. `svdPredictions[j]` is the SVD column of row j.
 */
export function writeFeatureRows(
  spec: FeatureSpec,
  mood: Emotion | null,
  profile: UserProfile,
  movies: ReadonlyArray<MovieColumns>,
  svdPredictions: ArrayLike<number>,
  out: Float32Array,
  rowOffset = 0,
): void {
  const width = spec.names.length;
  if (svdPredictions.length !== movies.length) throw new RangeError(`${svdPredictions.length} SVD predictions for ${movies.length} movies`);
  if ((rowOffset + movies.length) * width > out.length) throw new RangeError('feature output buffer is too small');
  if (mood !== null && !isEmotion(mood)) throw new FeatureInputError(`unknown mood ${JSON.stringify(mood)}`);
  const moodIndex = mood === null ? -1 : EMOTIONS.indexOf(mood);
  const user = profile.userFeatures();
  const hasLiked = profile.likedCount > 0;
  const emotionProfile = profile.emotionProfile();
  const genreProfile = profile.genreProfile();
  for (let j = 0; j < movies.length; j++) {
    const movie = movies[j]!;
    const base = (rowOffset + j) * width;
    let emotionAffinity = MISSING_VALUE;
    if (hasLiked) {
      emotionAffinity = 0;
      for (let e = 0; e < emotionProfile.length; e++) emotionAffinity += emotionProfile[e]! * movie.emotions[e]!;
    }
    let genreAffinity = MISSING_VALUE;
    if (hasLiked && movie.genreSlots.length > 0) {
      genreAffinity = 0;
      for (let s = 0; s < movie.genreSlots.length; s++) genreAffinity += genreProfile[movie.genreSlots[s]!]!;
      genreAffinity /= movie.genreSlots.length;
    }
    const svd = svdPredictions[j]!;
    if (!Number.isFinite(svd)) throw new FeatureInputError(`SVD prediction for candidate ${j} is ${svd}`);
    if (movie.row.length !== width) throw new RangeError('movie columns were built for another feature spec');
    out.set(movie.row, base);
    out[base + COLUMN.movie_mood_weight] = moodIndex < 0 ? MISSING_VALUE : movie.emotions[moodIndex]!;
    out[base + COLUMN.user_log_views] = user.logViews;
    out[base + COLUMN.user_mean_rating] = user.meanRating;
    out[base + COLUMN.user_favorite_rate] = user.favoriteRate;
    out[base + COLUMN.user_emotion_affinity] = emotionAffinity;
    out[base + COLUMN.user_genre_affinity] = genreAffinity;
    out[base + COLUMN.pair_svd_prediction] = svd;
  }
}

function optionalNumber(movie: Movie, field: string, value: number | null): number {
  if (value === null) return MISSING_VALUE;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FeatureInputError(`movie ${movie.key}: ${field} is ${String(value)}, expected a finite number or null`);
  }
  return value;
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}
