import { describe, expect, it } from 'vitest';
import {
  createFeatureSpec,
  FEATURE_NAMES,
  FeatureInputError,
  featureSpecMismatch,
  genreVocabularyFor,
  MISSING_VALUE,
  movieColumns,
  UserProfile,
  writeFeatureRows,
} from '../../src/ml/features.ts';
import { movie } from './fixtures.ts';

const spec = createFeatureSpec(['Comedy', 'Horror', 'Drama']);
const column = (name: string) => spec.names.indexOf(name);

function rowFor(profile: UserProfile, candidate = movie(1), mood: Parameters<typeof writeFeatureRows>[1] = 'happy', svd = 3.5): Float32Array {
  const out = new Float32Array(spec.names.length);
  writeFeatureRows(spec, mood, profile, [movieColumns(candidate, spec)], [svd], out);
  return out;
}

describe('feature spec', () => {
  it('lists the scalar features in a fixed order, then one column per vocabulary genre', () => {
    expect(spec.names.slice(0, FEATURE_NAMES.length)).toEqual([...FEATURE_NAMES]);
    expect(spec.names.slice(FEATURE_NAMES.length)).toEqual(['genre_is_Comedy', 'genre_is_Horror', 'genre_is_Drama']);
    expect(featureSpecMismatch(spec)).toBeNull();
    expect(featureSpecMismatch({ ...spec, names: [...spec.names].reverse() })).toMatch(/feature names .* differ/);
    expect(featureSpecMismatch({ ...spec, version: 99 })).toMatch(/version 99/);
    expect(() => createFeatureSpec(['Comedy', 'Comedy'])).toThrow('distinct');
  });

  it('takes the most frequent genres as the vocabulary', () => {
    const movies = [movie(1, { genres: ['Comedy', 'Drama'] }), movie(2, { genres: ['Drama'] }), movie(3, { genres: ['Horror', 'Drama'] }), movie(4, { genres: ['Comedy'] })];
    expect(genreVocabularyFor(movies)).toEqual(['Drama', 'Comedy', 'Horror']);
    expect(genreVocabularyFor(movies, 2)).toEqual(['Drama', 'Comedy']);
  });
});

describe('writeFeatureRows', () => {
  it('encodes movie fields, the mood weight and genre one-hots', () => {
    const candidate = movie(1, { runtimeMinutes: 142, imdbRating: 8.1, imdbVotes: 999, year: 1994, genres: ['Horror', 'Thriller'], emotions: { scared: 0.9, happy: 0.2 } });
    const row = rowFor(new UserProfile(spec), candidate, 'scared', 4.25);
    expect(row[column('movie_runtime_minutes')]).toBe(142);
    expect(row[column('movie_imdb_rating')]).toBeCloseTo(8.1, 5);
    expect(row[column('movie_log_votes')]).toBeCloseTo(Math.log1p(999), 5);
    expect(row[column('movie_year')]).toBe(1994);
    expect(row[column('movie_mood_weight')]).toBeCloseTo(0.9, 6);
    expect(row[column('pair_svd_prediction')]).toBe(4.25);
    expect(row[column('genre_is_Horror')]).toBe(1);
    expect(row[column('genre_is_Comedy')]).toBe(0);
    expect(row[column('genre_is_Drama')]).toBe(0);
  });

  it('fills missing values with the documented −1 and never writes NaN', () => {
    const candidate = movie(1, { runtimeMinutes: null, imdbRating: null, imdbVotes: null, year: null, genres: ['Western'] });
    const row = rowFor(new UserProfile(spec), candidate, null);
    for (const name of ['movie_runtime_minutes', 'movie_imdb_rating', 'movie_log_votes', 'movie_year', 'movie_mood_weight', 'user_mean_rating', 'user_emotion_affinity', 'user_genre_affinity']) {
      expect(row[column(name)], name).toBe(MISSING_VALUE);
    }
    expect(row[column('user_log_views')]).toBe(0);
    expect(row[column('user_favorite_rate')]).toBe(0);
    expect(row.every(Number.isFinite)).toBe(true);
  });

  it('summarises the user: activity, mean rating, favorite rate, emotion and genre affinity', () => {
    const profile = new UserProfile(spec);
    for (let v = 0; v < 4; v++) profile.addView();
    const comedy = movie(10, { genres: ['Comedy'], emotions: { happy: 1 } });
    const horror = movie(11, { genres: ['Horror'], emotions: { scared: 0.5 } });
    profile.addFavorite(comedy);
    profile.addRating(comedy, 5); // favorited and rated 5: liked once, not twice
    profile.addRating(horror, 4);
    profile.addRating(movie(12, { genres: ['Drama'] }), 2); // not liked
    const candidate = movie(20, { genres: ['Comedy', 'Drama'], emotions: { happy: 0.6, scared: 0.4 } });
    const row = rowFor(profile, candidate);
    expect(row[column('user_log_views')]).toBeCloseTo(Math.log1p(4), 6);
    expect(row[column('user_mean_rating')]).toBeCloseTo(11 / 3, 5);
    expect(row[column('user_favorite_rate')]).toBeCloseTo(1 / 4, 6);
    // Liked: comedy (happy 1) and horror (scared 0.5); profile = happy 0.5, scared 0.25.
    expect(row[column('user_emotion_affinity')]).toBeCloseTo(0.5 * 0.6 + 0.25 * 0.4, 6);
    // Genre profile: Comedy 1/2, Horror 1/2, Drama 0; the candidate is Comedy + Drama.
    expect(row[column('user_genre_affinity')]).toBeCloseTo((0.5 + 0) / 2, 6);
  });

  it('builds the same profile from a UserTaste as from events', () => {
    const a = movie(1, { genres: ['Comedy'], emotions: { happy: 0.7 } });
    const b = movie(2, { genres: ['Horror'], emotions: { scared: 0.9 } });
    const fromTaste = UserProfile.fromTaste({ userId: 1, ratings: [{ movie: a, stars: 4 }, { movie: b, stars: 1 }], favorites: [b], viewCount: 6, shownCount: 20 }, spec);
    const fromEvents = new UserProfile(spec);
    for (let v = 0; v < 6; v++) fromEvents.addView();
    fromEvents.addRating(a, 4);
    fromEvents.addRating(b, 1);
    fromEvents.addFavorite(b);
    expect(rowFor(fromTaste)).toEqual(rowFor(fromEvents));
  });

  it('rejects NaN inputs with errors naming the movie and field', () => {
    expect(() => movieColumns(movie(3, { runtimeMinutes: Number.NaN }), spec)).toThrow(FeatureInputError);
    expect(() => movieColumns(movie(3, { runtimeMinutes: Number.NaN }), spec)).toThrow('movie test:3: runtimeMinutes is NaN');
    expect(() => movieColumns(movie(4, { emotions: { happy: Number.POSITIVE_INFINITY } }), spec)).toThrow('movie test:4: emotion weight happy');
    expect(() => new UserProfile(spec).addRating(movie(5), Number.NaN)).toThrow('rating of test:5 is NaN');
    expect(() => rowFor(new UserProfile(spec), movie(6), 'happy', Number.NaN)).toThrow('SVD prediction');
    expect(() => rowFor(new UserProfile(spec), movie(6), 'grumpy' as never)).toThrow('unknown mood "grumpy"');
  });
});
