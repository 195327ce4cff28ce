/**
 * "More like this" (SimilarRecommender, src/core/recommend/similar.ts) on the in-memory
 * repositories: the item model's order when the scorer has one, genre similarity × the quality prior
 * when it does not (or does not know the seed, or fails), never the seed or what the user rated,
 * favorited, dismissed or was already shown.
 */
import { describe, expect, it } from 'vitest';
import { copy } from '../../src/core/copy.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import { bayesianPrior, DEFAULT_RANKING } from '../../src/core/recommend/recommend.ts';
import { SimilarRecommender, strongestMood } from '../../src/core/recommend/similar.ts';
import { FakeScorer } from '../fakes/fake-scorer.ts';
import { createInMemoryRepositories } from '../fakes/in-memory-repositories.ts';
import { FixedClock } from '../helpers/transcript.ts';
import { film, recordingLogger } from './support.ts';

function catalog() {
  const matrix = film('The Matrix', 1999, ['Action', 'Sci-Fi'], { rating: 8.7, votes: 1_500_000 });
  const t2 = film('Terminator 2', 1991, ['Action', 'Sci-Fi'], { rating: 8.5, votes: 1_000_000 });
  const bladeRunner = film('Blade Runner', 1982, ['Sci-Fi', 'Drama'], { rating: 8.1, votes: 700_000 });
  const dieHard = film('Die Hard', 1988, ['Action', 'Thriller'], { rating: 8.2, votes: 800_000 });
  const alien = film('Alien', 1979, ['Horror', 'Sci-Fi'], { rating: 8.4, votes: 800_000 });
  const inception = film('Inception', 2010, ['Action', 'Sci-Fi', 'Thriller'], { rating: 8.8, votes: 2_000_000 });
  const nottingHill = film('Notting Hill', 1999, ['Comedy', 'Romance'], { rating: 7.1, votes: 300_000 });
  const speed = film('Speed', 1994, ['Action'], { rating: 7.2, votes: 350_000 });
  const obscure = film('Obscure Cyber Chase', 2004, ['Action', 'Sci-Fi'], { rating: 7.0, votes: 1_000 });
  const noGenres = film('Untitled Reel', 1950, []);
  return { matrix, t2, bladeRunner, dieHard, alien, inception, nottingHill, speed, obscure, noGenres, all: [matrix, t2, bladeRunner, dieHard, alien, inception, nottingHill, speed, obscure, noGenres] };
}

async function setup(scorer = new FakeScorer()) {
  const movies = catalog();
  const clock = new FixedClock();
  const repos = createInMemoryRepositories(movies.all, { now: () => clock.now() });
  const logger = recordingLogger();
  const similar = new SimilarRecommender({ ...repos, scorer, clock, logger }, DEFAULT_RANKING);
  const { userId } = await repos.users.findOrCreate({ platform: 'console', platformUserId: 's', displayName: 'S' });
  return { movies, repos, scorer, logger, similar, userId };
}

const titles = (picks: ReadonlyArray<{ movie: Movie }> | undefined) => (picks ?? []).map((pick) => pick.movie.title);

/** The fallback order by its definition: the seed's primary genre first, then Jaccard × prior, ties by votes. */
function byGenre(seed: Movie, all: readonly Movie[], leaveOut: ReadonlySet<number>): string[] {
  const prior = bayesianPrior(all, DEFAULT_RANKING.priorVotes);
  const jaccard = (a: readonly string[], b: readonly string[]) => {
    const shared = a.filter((g) => b.includes(g)).length;
    return a.length === 0 || b.length === 0 ? 0 : shared / (a.length + b.length - shared);
  };
  return all
    .filter((movie) => movie.id !== seed.id && !leaveOut.has(movie.id) && jaccard(seed.genres, movie.genres) > 0)
    .map((movie) => ({ movie, same: movie.genres[0] === seed.genres[0], value: jaccard(seed.genres, movie.genres) * prior(movie) }))
    .sort((a, b) => Number(b.same) - Number(a.same) || b.value - a.value || (b.movie.imdbVotes ?? 0) - (a.movie.imdbVotes ?? 0))
    .map(({ movie }) => movie.title);
}

describe('SimilarRecommender with an item model (scorer.similar)', () => {
  it('GIVEN the model knows the seed THEN its order, less the rated, favorited and dismissed, each card "Fans of X pick it too" and scored for the user', async () => {
    const { movies, repos, userId } = await setup();
    const { matrix, nottingHill, alien, t2, dieHard, speed, bladeRunner, inception } = movies;
    const model = new FakeScorer({ similar: new Map([[matrix.id, [nottingHill.id, alien.id, t2.id, dieHard.id, speed.id, bladeRunner.id]]]) });
    const withModel = new SimilarRecommender({ ...repos, scorer: model, clock: new FixedClock(), logger: recordingLogger() }, DEFAULT_RANKING);
    await repos.ratings.rate(userId, alien.id, 4);
    await repos.favorites.add(userId, inception.id);
    await repos.dismissals.dismiss(userId, dieHard.id);

    const result = await withModel.similar(userId, matrix.id, 4);
    expect(result?.seed).toEqual(matrix);
    expect(titles(result?.picks)).toEqual(['Notting Hill', 'Terminator 2', 'Speed', 'Blade Runner']);
    for (const pick of result!.picks) {
      expect(pick.reason).toBe(copy.fansAlsoPick('The Matrix'));
      expect(pick.citedMovieId).toBeNull();
      expect(pick.score).toEqual({ movieId: pick.movie.id, ...model.predict(pick.movie, model.lastCall!.user) });
    }
    // The whole catalog goes to the model, the same frozen list every time (so it can keep its item indices).
    const [request] = model.similarCalls;
    expect(request!.seed).toEqual(matrix);
    expect(request!.candidates).toBe(await repos.catalog.allMovies());
    expect(request!.user.ratings.map((r) => r.movie.title)).toEqual(['Alien']);
    expect(request!.limit).toBeGreaterThanOrEqual(4);
    // Only the page is scored, as the seed's strongest mood.
    expect(model.lastCall!.candidates.map((m) => m.title)).toEqual(titles(result?.picks));
    expect(model.lastCall!.mood).toBe(strongestMood(matrix));
  });

  it("GIVEN the model's list runs out before the page is full THEN genre neighbours fill the page, each saying which genres it shares", async () => {
    const { movies, repos, userId } = await setup();
    const { matrix, nottingHill } = movies;
    const model = new FakeScorer({ similar: new Map([[matrix.id, [nottingHill.id]]]) });
    const withModel = new SimilarRecommender({ ...repos, scorer: model, clock: new FixedClock(), logger: recordingLogger() }, DEFAULT_RANKING);
    const result = await withModel.similar(userId, matrix.id, 3);
    const expected = ['Notting Hill', ...byGenre(matrix, movies.all, new Set([nottingHill.id])).slice(0, 2)];
    expect(titles(result?.picks)).toEqual(expected);
    expect(result!.picks[0]!.reason).toBe(copy.fansAlsoPick('The Matrix'));
    expect(result!.picks[1]!.reason).toBe(copy.sharesGenres('The Matrix', result!.picks[1]!.movie.genres.filter((g) => matrix.genres.includes(g))));
    expect(result!.picks[1]!.reason).toMatch(/^Shares .+ with The Matrix$/);
  });

  it('GIVEN a seed the model does not know THEN genre similarity decides, same primary genre first', async () => {
    const { movies, repos, userId } = await setup();
    const model = new FakeScorer({ similar: new Map() });
    const withModel = new SimilarRecommender({ ...repos, scorer: model, clock: new FixedClock(), logger: recordingLogger() }, DEFAULT_RANKING);
    const result = await withModel.similar(userId, movies.matrix.id, 5);
    expect(model.similarCalls).toHaveLength(1);
    expect(titles(result?.picks)).toEqual(byGenre(movies.matrix, movies.all, new Set()).slice(0, 5));
    expect(result!.picks.every((pick) => pick.movie.genres[0] === 'Action')).toBe(true);
    expect(result!.picks.every((pick) => pick.reason.startsWith('Shares '))).toBe(true);
  });

  it('GIVEN the model fails THEN genre similarity decides and a warning is logged', async () => {
    const { movies, repos, userId } = await setup();
    const model = new FakeScorer({ similar: new Map([[movies.matrix.id, [movies.nottingHill.id]]]) }).failSimilarWith(new Error('onnx crashed'));
    const logger = recordingLogger();
    const withModel = new SimilarRecommender({ ...repos, scorer: model, clock: new FixedClock(), logger }, DEFAULT_RANKING);
    const result = await withModel.similar(userId, movies.matrix.id, 3);
    expect(titles(result?.picks)).toEqual(byGenre(movies.matrix, movies.all, new Set()).slice(0, 3));
    expect(logger.entries.some((e) => e.level === 'warn' && /item model failed/.test(e.message))).toBe(true);
  });
});

describe('SimilarRecommender without an item model (popularity, older models)', () => {
  it('GIVEN no scorer.similar THEN genre similarity × the quality prior, the unrelated film never, and cards show the film\'s own figures', async () => {
    const { movies, similar, userId } = await setup(new FakeScorer({ popularity: true }));
    const result = await similar.similar(userId, movies.matrix.id, 20);
    const got = titles(result?.picks);
    expect(got).toEqual(byGenre(movies.matrix, movies.all, new Set()));
    expect(got).not.toContain('Notting Hill');
    expect(got).not.toContain('The Matrix');
    expect(got.slice(0, 2)).toEqual(['Terminator 2', 'Obscure Cyber Chase']);
    expect(result!.picks.every((pick) => pick.score?.personalized === false)).toBe(true);
  });

  it('GIVEN pages asked with what was already shown THEN no movie twice, until none is left', async () => {
    const { movies, similar, userId } = await setup();
    const shown = new Set<number>();
    const pages: string[][] = [];
    for (let page = 0; page < 10; page++) {
      const result = await similar.similar(userId, movies.matrix.id, 2, shown);
      if (!result || result.picks.length === 0) break;
      pages.push(titles(result.picks));
      for (const pick of result.picks) shown.add(pick.movie.id);
    }
    expect(pages.flat()).toEqual(byGenre(movies.matrix, movies.all, new Set()));
    expect(new Set(pages.flat()).size).toBe(pages.flat().length);
  });

  it('GIVEN a seed with no genres and no model THEN nothing; GIVEN an unknown seed id THEN null', async () => {
    const { movies, similar, userId } = await setup();
    expect((await similar.similar(userId, movies.noGenres.id, 5))?.picks).toEqual([]);
    expect(await similar.similar(userId, 999_999, 5)).toBeNull();
  });

  it('GIVEN scoring fails THEN the same picks, without figures', async () => {
    const { movies, scorer, similar, userId } = await setup();
    scorer.failWith(new Error('model crashed'));
    const result = await similar.similar(userId, movies.matrix.id, 3);
    expect(titles(result?.picks)).toEqual(byGenre(movies.matrix, movies.all, new Set()).slice(0, 3));
    expect(result!.picks.every((pick) => pick.score === null)).toBe(true);
  });

  it('strongestMood is the mood the seed evokes most', () => {
    const { matrix, nottingHill } = catalog();
    const best = (movie: Movie) => Math.max(...Object.values(movie.emotions).map((w) => w ?? 0));
    expect(matrix.emotions[strongestMood(matrix)]).toBe(best(matrix));
    expect(nottingHill.emotions[strongestMood(nottingHill)]).toBe(best(nottingHill));
  });
});
