/**
 * The cold-start offer, "rate a few well-known <mood> movies" (Recommender.wellKnown): clear
 * examples of the mood, not merely famous films that pass its threshold.
 */
import { describe, expect, it } from 'vitest';
import { genreWeight } from '../../src/catalog/genres.ts';
import { parseVega } from '../../src/catalog/sources/vega.ts';
import type { ChannelUser } from '../../src/core/conversation/turn.ts';
import { movieKey, type Movie } from '../../src/core/domain/movie.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { DEFAULT_RANKING, Recommender } from '../../src/core/recommend/recommend.ts';
import { FakeScorer } from '../fakes/fake-scorer.ts';
import { createInMemoryRepositories } from '../fakes/in-memory-repositories.ts';
import { aMovie } from '../fakes/movies.ts';
import { FixedClock } from '../helpers/transcript.ts';

const user: ChannelUser = { platform: 'console', platformUserId: 'w', displayName: 'W' };

async function offer(movies: Movie[], count: number): Promise<Movie[]> {
  const clock = new FixedClock();
  const repos = createInMemoryRepositories(movies, { now: () => clock.now() });
  const recommender = new Recommender({ ...repos, scorer: new FakeScorer(), clock, logger: silentLogger }, DEFAULT_RANKING, genreWeight);
  const { userId } = await repos.users.findOrCreate(user);
  return recommender.wellKnown(userId, 'happy', count);
}

describe('Recommender.wellKnown', () => {
  it('GIVEN famous films that only just pass the happy threshold THEN the offer is films that are plainly happy, however fewer votes they have', async () => {
    const movies = [
      aMovie({ title: 'The Lord of the Rings', genres: ['Adventure', 'Fantasy'], imdbVotes: 400_000, emotions: { happy: 0.58, excited: 0.88 } }),
      aMovie({ title: 'Sin City', genres: ['Action', 'Fantasy'], imdbVotes: 255_814, emotions: { happy: 0.52, excited: 1 } }),
      aMovie({ title: 'Finding Nemo', genres: ['Adventure', 'Family'], imdbVotes: 150_000, emotions: { happy: 0.86, relaxed: 0.6 } }),
      aMovie({ title: 'Groundhog Day', genres: ['Comedy', 'Fantasy'], imdbVotes: 100_000, emotions: { happy: 1 } }),
      aMovie({ title: 'Notting Hill', genres: ['Comedy', 'Romance'], imdbVotes: 90_000, emotions: { happy: 1, romantic: 1 } }),
    ];
    const titles = (await offer(movies, 3)).map((movie) => movie.title);
    expect(titles).toEqual(['Finding Nemo', 'Groundhog Day', 'Notting Hill']);
  });

  it('GIVEN strong fits THEN they are ordered by IMDb votes × mood weight, not votes alone', async () => {
    const movies = [
      aMovie({ title: 'More votes, weaker fit', genres: ['Comedy'], imdbVotes: 100_000, emotions: { happy: 0.8 } }),
      aMovie({ title: 'Fewer votes, pure comedy', genres: ['Family'], imdbVotes: 90_000, emotions: { happy: 1 } }),
    ];
    expect((await offer(movies, 2)).map((movie) => movie.title)).toEqual(['Fewer votes, pure comedy', 'More votes, weaker fit']);
  });

  it('GIVEN too few strong fits to fill the offer THEN weaker candidates fill it, after the strong ones', async () => {
    const movies = [
      aMovie({ title: 'Weak famous', genres: ['Adventure'], imdbVotes: 500_000, emotions: { happy: 0.6 } }),
      aMovie({ title: 'Weak', genres: ['Fantasy'], imdbVotes: 50_000, emotions: { happy: 0.55 } }),
      aMovie({ title: 'Strong', genres: ['Comedy'], imdbVotes: 1_000, emotions: { happy: 0.9 } }),
      aMovie({ title: 'Not happy', genres: ['Horror'], imdbVotes: 900_000, emotions: { happy: 0.3, scared: 1 } }),
    ];
    expect((await offer(movies, 3)).map((movie) => movie.title)).toEqual(['Strong', 'Weak famous', 'Weak']);
  });

  it('GIVEN the default catalog THEN the happy offer holds no dark or violent film (no Sin City), only strong fits', async () => {
    const movies = parseVega().movies.map((movie, index): Movie => ({
      id: index + 1, key: movieKey(movie.source, movie.sourceId), title: movie.title, year: movie.year, runtimeMinutes: movie.runtimeMinutes,
      genres: movie.genres, certificate: movie.certificate, imdbRating: movie.imdbRating, imdbVotes: movie.imdbVotes, criticScore: movie.criticScore,
      director: movie.director, cast: movie.cast, posterUrl: movie.posterUrl, overview: movie.overview, imdbId: movie.imdbId, emotions: movie.emotions,
    }));
    const offered = await offer(movies, 10);
    expect(offered).toHaveLength(10);
    for (const movie of offered) {
      expect(movie.title).not.toBe('Sin City');
      expect(movie.emotions.happy ?? 0, movie.title).toBeGreaterThanOrEqual(0.7);
      expect(movie.genres.some((genre) => ['Horror', 'Thriller', 'War', 'Crime'].includes(genre)), movie.title).toBe(false);
    }
  });
});
