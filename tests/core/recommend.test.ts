/**
 * The recommender's parts on their own: the diversity pass, the Bayesian quality prior, and the
 * blend that orders a page once the user has ratings (src/core/recommend/recommend.ts).
 */
import { describe, expect, it } from 'vitest';
import { genreWeight } from '../../src/catalog/genres.ts';
import type { ChannelUser } from '../../src/core/conversation/turn.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { bayesianPrior, DEFAULT_RANKING, diversify, Recommender, type RankingConfig } from '../../src/core/recommend/recommend.ts';
import { topIndices } from '../../src/shared/top-indices.ts';
import { FakeScorer, type FixedScore } from '../fakes/fake-scorer.ts';
import { createInMemoryRepositories } from '../fakes/in-memory-repositories.ts';
import { aMovie } from '../fakes/movies.ts';
import { DAY, FixedClock } from '../helpers/transcript.ts';

const item = (title: string, genres: string[]) => ({ movie: aMovie({ title, genres }) });
const titles = (items: ReadonlyArray<{ movie: Movie }>) => items.map((entry) => entry.movie.title);

describe('diversify', () => {
  it('GIVEN a ranking led by one genre WHEN a page of 5 is cut with at most 2 per primary genre THEN the best of each genre are kept, in rank order', () => {
    const ranked = [
      item('C1', ['Comedy']),
      item('C2', ['Comedy', 'Family']),
      item('C3', ['Comedy']),
      item('F1', ['Family', 'Comedy']),
      item('C4', ['Comedy']),
      item('A1', ['Animation']),
      item('F2', ['Family']),
      item('F3', ['Family']),
      item('M1', ['Musical']),
    ];
    expect(titles(diversify(ranked, 5, 2))).toEqual(['C1', 'C2', 'F1', 'A1', 'F2']);
  });

  it('GIVEN too few genres to fill the page THEN it tops up with the best skipped movies, in rank order', () => {
    const ranked = [item('C1', ['Comedy']), item('C2', ['Comedy']), item('C3', ['Comedy']), item('F1', ['Family']), item('C4', ['Comedy']), item('C5', ['Comedy'])];
    expect(titles(diversify(ranked, 5, 2))).toEqual(['C1', 'C2', 'F1', 'C3', 'C4']);
  });

  it('GIVEN fewer movies than the page size THEN all are returned, none twice', () => {
    const ranked = [item('C1', ['Comedy']), item('C2', ['Comedy']), item('C3', ['Comedy'])];
    expect(titles(diversify(ranked, 5, 2))).toEqual(['C1', 'C2', 'C3']);
    expect(diversify([], 5, 2)).toEqual([]);
  });

  it('GIVEN movies without genres THEN they share one bucket and are capped like a genre', () => {
    const ranked = [item('N1', []), item('N2', []), item('N3', []), item('D1', ['Drama'])];
    expect(titles(diversify(ranked, 3, 2))).toEqual(['N1', 'N2', 'D1']);
  });

  it('GIVEN a cap of 1 THEN every primary genre appears once before any repeats', () => {
    const ranked = [item('C1', ['Comedy']), item('C2', ['Comedy']), item('F1', ['Family']), item('A1', ['Animation'])];
    expect(titles(diversify(ranked, 3, 1))).toEqual(['C1', 'F1', 'A1']);
  });
});

describe('bayesianPrior', () => {
  const rated = (rating: number | null, votes: number | null) => aMovie({ imdbRating: rating, imdbVotes: votes });

  it('GIVEN a movie with no votes THEN it scores the mean rating of the rated movies, normalised from 1–10 to 0–1', () => {
    const movies = [rated(8, 1000), rated(6, 1000), rated(null, 1000)];
    const prior = bayesianPrior(movies, 25_000);
    expect(prior(rated(9.9, 0))).toBeCloseTo((7 - 1) / 9, 10);
    expect(prior(rated(9.9, null))).toBeCloseTo((7 - 1) / 9, 10);
  });

  it('GIVEN (v × R + m × C) / (v + m) THEN a movie with as many votes as the prior weight sits halfway between its rating and the mean', () => {
    const movies = [rated(8, 1000), rated(6, 1000)];
    const prior = bayesianPrior(movies, 25_000);
    expect(prior(rated(9, 25_000))).toBeCloseTo((8 - 1) / 9, 10);
    expect(prior(rated(9, 1_000_000_000))).toBeCloseTo((9 - 1) / 9, 4);
  });

  it('GIVEN a movie with no rating THEN it counts as the mean; GIVEN no rated movies at all THEN the mean is 6.5', () => {
    const prior = bayesianPrior([rated(8, 1000), rated(6, 1000)], 25_000);
    expect(prior(rated(null, 1_000_000))).toBeCloseTo((7 - 1) / 9, 10);
    const empty = bayesianPrior([rated(null, 10)], 25_000);
    expect(empty(rated(null, 0))).toBeCloseTo((6.5 - 1) / 9, 10);
  });

  it('GIVEN two movies of equal rating THEN the one with more votes ranks higher when above the mean, lower when below', () => {
    const movies = [rated(8, 1000), rated(6, 1000)];
    const prior = bayesianPrior(movies, 25_000);
    expect(prior(rated(9, 500_000))).toBeGreaterThan(prior(rated(9, 5_000)));
    expect(prior(rated(5, 500_000))).toBeLessThan(prior(rated(5, 5_000)));
  });

  it('GIVEN ratings outside 1–10 THEN the prior stays within 0–1', () => {
    const prior = bayesianPrior([rated(0, 10), rated(12, 10)], 1);
    expect(prior(rated(0, 1e9))).toBe(0);
    expect(prior(rated(12, 1e9))).toBe(1);
  });
});

describe('Recommender blend', () => {
  const user: ChannelUser = { platform: 'console', platformUserId: 'r', displayName: 'R' };

  /** A recommender over `movies` for a user who has rated `seed` (so the page is not cold start). */
  async function setUp(movies: Movie[], scores: Record<number, FixedScore>, config: Partial<RankingConfig> = {}) {
    const seed = aMovie({ title: 'Seed', genres: ['Documentary'], emotions: { thoughtful: 1 } });
    const clock = new FixedClock();
    const repos = createInMemoryRepositories([seed, ...movies], { now: () => clock.now() });
    const scorer = new FakeScorer({ fixed: new Map(Object.entries(scores).map(([id, score]) => [Number(id), score])) });
    const recommender = new Recommender({ ...repos, scorer, clock, logger: silentLogger }, { ...DEFAULT_RANKING, ...config }, genreWeight);
    const { userId } = await repos.users.findOrCreate(user);
    await repos.ratings.rate(userId, seed.id, 4);
    return { repos, scorer, clock, recommender, userId };
  }
  const happy = (title: string, weight = 1, genre = title) => aMovie({ title, genres: [genre], emotions: { happy: weight } });
  const pickTitles = (result: { picks: Array<{ movie: Movie }> }) => result.picks.map((pick) => pick.movie.title);

  it('GIVEN the default weights (0.6 rating, 0.4 favorite) THEN a sure favorite predicted ★3 outranks a ★5 nobody favorites', async () => {
    const starry = happy('Starry');
    const lovable = happy('Lovable');
    const { recommender, userId } = await setUp([starry, lovable], {
      [starry.id]: { predictedStars: 5, favoriteProbability: 0 }, // (0.6 × 1 + 0) / 1 = 0.6
      [lovable.id]: { predictedStars: 3, favoriteProbability: 1 }, // (0.6 × 0.5 + 0.4) / 1 = 0.7
    });
    const result = await recommender.recommend(userId, 'happy', new Set());
    expect(result.coldStart).toBe(false);
    expect(pickTitles(result)).toEqual(['Lovable', 'Starry']);
  });

  it('GIVEN the rating weight alone THEN predicted stars decide', async () => {
    const starry = happy('Starry');
    const lovable = happy('Lovable');
    const { recommender, userId } = await setUp(
      [starry, lovable],
      { [starry.id]: { predictedStars: 5, favoriteProbability: 0 }, [lovable.id]: { predictedStars: 3, favoriteProbability: 1 } },
      { ratingWeight: 1, favoriteWeight: 0 },
    );
    expect(pickTitles(await recommender.recommend(userId, 'happy', new Set()))).toEqual(['Starry', 'Lovable']);
  });

  it('GIVEN equal fit THEN the movie that fits the mood more strongly comes first; mood weight only scales the fit by 0.5 + 0.5 × weight', async () => {
    const strong = happy('Strong', 1.0);
    const mild = happy('Mild', 0.6);
    const better = happy('Better but mild', 0.6);
    const { recommender, userId } = await setUp([strong, mild, better], {
      [strong.id]: { predictedStars: 4, favoriteProbability: 0.5 }, // 0.65 × 1.0 = 0.65
      [mild.id]: { predictedStars: 4, favoriteProbability: 0.5 }, // 0.65 × 0.8 = 0.52
      [better.id]: { predictedStars: 5, favoriteProbability: 0.9 }, // 0.96 × 0.8 = 0.768
    });
    expect(pickTitles(await recommender.recommend(userId, 'happy', new Set()))).toEqual(['Better but mild', 'Strong', 'Mild']);
  });

  it('GIVEN equal scores THEN more IMDb votes first, then the lower id', async () => {
    const first = aMovie({ title: 'Lower id', genres: ['C'], imdbVotes: 10, emotions: { happy: 1 } });
    const few = aMovie({ title: 'Few votes', genres: ['A'], imdbVotes: 10, emotions: { happy: 1 } });
    const many = aMovie({ title: 'Many votes', genres: ['B'], imdbVotes: 10_000, emotions: { happy: 1 } });
    const same = { predictedStars: 4, favoriteProbability: 0.5 };
    const { recommender, userId } = await setUp([few, many, first], { [few.id]: same, [many.id]: same, [first.id]: same });
    expect(pickTitles(await recommender.recommend(userId, 'happy', new Set()))).toEqual(['Many votes', 'Lower id', 'Few votes']);
  });

  it('GIVEN a movie shown in the last 7 days THEN its score is halved; older showings do not count', async () => {
    const shown = happy('Shown');
    const fresh = happy('Fresh');
    const { recommender, userId, repos, clock } = await setUp([shown, fresh], {
      [shown.id]: { predictedStars: 5, favoriteProbability: 0.5 }, // 0.8, halved to 0.4
      [fresh.id]: { predictedStars: 4, favoriteProbability: 0.3 }, // 0.57
    });
    await repos.interactions.recordShown(userId, [shown.id], 'happy', clock.now());
    expect(pickTitles(await recommender.recommend(userId, 'happy', new Set()))).toEqual(['Fresh', 'Shown']);
    clock.advance(7 * DAY + 1);
    expect(pickTitles(await recommender.recommend(userId, 'happy', new Set()))).toEqual(['Shown', 'Fresh']);
  });

  it('GIVEN movies below the mood threshold, rated, favorited, dismissed or already shown this session THEN they are not candidates', async () => {
    const movies = ['Weak', 'Rated', 'Favorite', 'Dismissed', 'In session', 'Left'].map((title) => happy(title, title === 'Weak' ? 0.4 : 1));
    const [, rated, favorite, dismissed, inSession, left] = movies;
    const { recommender, userId, repos, scorer } = await setUp(movies, {});
    await repos.ratings.rate(userId, rated!.id, 2);
    await repos.favorites.add(userId, favorite!.id);
    await repos.dismissals.dismiss(userId, dismissed!.id);
    expect(pickTitles(await recommender.recommend(userId, 'happy', new Set([inSession!.id])))).toEqual([left!.title]);
    expect(scorer.lastCall!.candidates.map((movie) => movie.title)).toEqual(['Left']);
  });

  it('GIVEN the scorer fails THEN the page is ranked by the prior and carries no scores', async () => {
    const known = aMovie({ title: 'Known', genres: ['A'], imdbRating: 8.5, imdbVotes: 1_000_000, emotions: { happy: 1 } });
    const obscure = aMovie({ title: 'Obscure', genres: ['B'], imdbRating: 6, imdbVotes: 100, emotions: { happy: 1 } });
    const { recommender, userId, scorer } = await setUp([obscure, known], { [obscure.id]: { predictedStars: 5, favoriteProbability: 1 } });
    scorer.failWith(new Error('onnx session closed'));
    const result = await recommender.recommend(userId, 'happy', new Set());
    expect(pickTitles(result)).toEqual(['Known', 'Obscure']);
    expect(result.picks.map((pick) => pick.score)).toEqual([null, null]);
  });

  it('GIVEN a liked movie THEN "Because you loved" needs the same primary genre and a genre overlap (Jaccard) of at least 0.5, and names the closest', async () => {
    const closeLiked = aMovie({ title: 'Close', genres: ['Comedy'], emotions: { happy: 1 } });
    const looseLiked = aMovie({ title: 'Loose', genres: ['Comedy', 'Drama'], emotions: { happy: 1 } });
    const otherPrimary = aMovie({ title: 'Other primary', genres: ['Family', 'Comedy'], emotions: { happy: 1 } });
    const candidates = [
      aMovie({ title: 'Plain comedy', genres: ['Comedy'], emotions: { happy: 1 } }),
      aMovie({ title: 'Comedy crime mystery', genres: ['Comedy', 'Crime', 'Mystery'], emotions: { happy: 1 } }),
      aMovie({ title: 'Family comedy', genres: ['Family'], emotions: { happy: 1 } }),
    ];
    const { recommender, userId, repos } = await setUp([closeLiked, looseLiked, otherPrimary, ...candidates], {});
    await repos.ratings.rate(userId, looseLiked.id, 5);
    await repos.ratings.rate(userId, closeLiked.id, 4);
    await repos.favorites.add(userId, otherPrimary.id);
    const result = await recommender.recommend(userId, 'happy', new Set());
    const reasons = Object.fromEntries(result.picks.map((pick) => [pick.movie.title, pick.reason]));
    expect(reasons).toEqual({
      'Plain comedy': 'Because you loved Close', // Jaccard 1 beats Loose's 0.5
      'Comedy crime mystery': 'A comedy pick to lift your mood', // 1 of 3 genres shared with Close, 1 of 4 with Loose: too loose
      'Family comedy': 'Because you loved Other primary', // 1 shared of 2 → 0.5, same primary genre
    });
  });

  it('GIVEN a user with no ratings THEN the result is a cold start ranked by the prior, whatever the scorer says', async () => {
    const clock = new FixedClock();
    const known = aMovie({ title: 'Known', genres: ['A'], imdbRating: 8.5, imdbVotes: 1_000_000, emotions: { happy: 1 } });
    const obscure = aMovie({ title: 'Obscure', genres: ['B'], imdbRating: 6, imdbVotes: 100, emotions: { happy: 1 } });
    const repos = createInMemoryRepositories([obscure, known], { now: () => clock.now() });
    const scorer = new FakeScorer({ fixed: new Map([[obscure.id, { predictedStars: 5, favoriteProbability: 1 }]]) });
    const recommender = new Recommender({ ...repos, scorer, clock, logger: silentLogger }, DEFAULT_RANKING, genreWeight);
    const { userId } = await repos.users.findOrCreate(user);
    const result = await recommender.recommend(userId, 'happy', new Set());
    expect(result.coldStart).toBe(true);
    expect(pickTitles(result)).toEqual(['Known', 'Obscure']);
  });

  describe('diversity beyond the best 60', () => {
    /** 70 comedies that outrank 2 dramas and 2 westerns, by the prior (votes) and by the models (fixed scores). */
    const crowdedMood = () => [
      ...Array.from({ length: 70 }, (_, i) => aMovie({ title: `Comedy ${i}`, genres: ['Comedy'], imdbRating: 8, imdbVotes: 1_000_000 - i, emotions: { happy: 1 } })),
      ...['Drama', 'Drama', 'Western', 'Western'].map((genre, i) => aMovie({ title: `${genre} ${i}`, genres: [genre], imdbRating: 6, imdbVotes: 100, emotions: { happy: 1 } })),
    ];
    const genresOf = (result: { picks: Array<{ movie: Movie }> }) => result.picks.map((pick) => pick.movie.genres[0]);
    const genreCounts = (result: { picks: Array<{ movie: Movie }> }) => {
      const counts: Record<string, number> = {};
      for (const genre of genresOf(result)) counts[genre ?? ''] = (counts[genre ?? ''] ?? 0) + 1;
      return counts;
    };

    it('GIVEN a cold start whose best 60 are all one genre THEN the page still holds at most 2 of it, and only the page is scored', async () => {
      const clock = new FixedClock();
      const repos = createInMemoryRepositories(crowdedMood(), { now: () => clock.now() });
      const scorer = new FakeScorer();
      const recommender = new Recommender({ ...repos, scorer, clock, logger: silentLogger }, DEFAULT_RANKING, genreWeight);
      const { userId } = await repos.users.findOrCreate(user);
      const result = await recommender.recommend(userId, 'happy', new Set());
      expect(result.coldStart).toBe(true);
      expect(pickTitles(result).slice(0, 2)).toEqual(['Comedy 0', 'Comedy 1']);
      expect(genreCounts(result)).toEqual({ Comedy: 2, Drama: 2, Western: 1 });
      expect(scorer.calls).toHaveLength(1);
      expect(scorer.lastCall!.candidates.map((movie) => movie.title)).toEqual(pickTitles(result));
    });

    it('GIVEN ratings and a blend whose best 60 are all one genre THEN the page still holds at most 2 of it', async () => {
      const movies = crowdedMood();
      const scores = Object.fromEntries(movies.map((movie, i) => [movie.id, { predictedStars: 5 - i * 0.01, favoriteProbability: 0.5 }]));
      const { recommender, userId } = await setUp(movies, scores);
      const result = await recommender.recommend(userId, 'happy', new Set());
      expect(pickTitles(result).slice(0, 2)).toEqual(['Comedy 0', 'Comedy 1']);
      expect(genreCounts(result)).toEqual({ Comedy: 2, Drama: 2, Western: 1 });
    });

    it('GIVEN a mood with one genre only THEN the page is still full', async () => {
      const { recommender, userId } = await setUp(crowdedMood().slice(0, 70), {});
      expect(genresOf(await recommender.recommend(userId, 'happy', new Set()))).toEqual(['Comedy', 'Comedy', 'Comedy', 'Comedy', 'Comedy']);
    });
  });

  it('GIVEN the onboarding offer THEN wellKnown lists the most-voted movies of the mood the user has not rated or dismissed, diversified', async () => {
    const clock = new FixedClock();
    const movies = [
      aMovie({ title: 'Top comedy', genres: ['Comedy'], imdbVotes: 900, emotions: { happy: 1 } }),
      aMovie({ title: 'Second comedy', genres: ['Comedy'], imdbVotes: 800, emotions: { happy: 1 } }),
      aMovie({ title: 'Third comedy', genres: ['Comedy'], imdbVotes: 700, emotions: { happy: 1 } }),
      aMovie({ title: 'Rated family', genres: ['Family'], imdbVotes: 650, emotions: { happy: 1 } }),
      aMovie({ title: 'Dismissed family', genres: ['Family'], imdbVotes: 600, emotions: { happy: 1 } }),
      aMovie({ title: 'Family', genres: ['Family'], imdbVotes: 500, emotions: { happy: 1 } }),
      aMovie({ title: 'Not happy', genres: ['Horror'], imdbVotes: 10_000, emotions: { scared: 1 } }),
    ];
    const repos = createInMemoryRepositories(movies, { now: () => clock.now() });
    const recommender = new Recommender({ ...repos, scorer: new FakeScorer(), clock, logger: silentLogger }, DEFAULT_RANKING, genreWeight);
    const { userId } = await repos.users.findOrCreate(user);
    await repos.ratings.rate(userId, movies[3]!.id, 3);
    await repos.dismissals.dismiss(userId, movies[4]!.id);
    const known = await recommender.wellKnown(userId, 'happy', 3);
    expect(known.map((movie) => movie.title)).toEqual(['Top comedy', 'Second comedy', 'Family']);
  });
});

describe('Recommender shortlist (retrieval by predicted stars, then the blend)', () => {
  const user: ChannelUser = { platform: 'console', platformUserId: 's', displayName: 'S' };

  /** A FakeScorer with the optional first stage: stars from `stage1` by movie id (3 when unlisted). */
  class TwoStageScorer extends FakeScorer {
    readonly starCalls: Array<readonly Movie[]> = [];
    failStars = false;
    constructor(
      private readonly stage1: ReadonlyMap<number, number>,
      fixed: ReadonlyMap<number, FixedScore>,
    ) {
      super({ fixed });
    }
    predictStars(request: { candidates: readonly Movie[] }): Promise<number[]> {
      this.starCalls.push(request.candidates);
      if (this.failStars) return Promise.reject(new Error('svd session closed'));
      return Promise.resolve(request.candidates.map((movie) => this.stage1.get(movie.id) ?? 3));
    }
  }

  /** 12 happy movies, one genre each; stage-1 stars fall with the index, so the shortlist is the first eligible ones. */
  async function setUp(shortlistSize: number) {
    const movies = Array.from({ length: 12 }, (_, i) => aMovie({ title: `M${i}`, genres: [`G${i}`], emotions: { happy: 1 } }));
    const seed = aMovie({ title: 'Seed', genres: ['Documentary'], emotions: { thoughtful: 1 } });
    const stage1 = new Map(movies.map((movie, i) => [movie.id, 5 - i * 0.25]));
    // The blend reverses stage 1 inside the shortlist: the later a movie, the likelier a favorite.
    const fixed = new Map(movies.map((movie, i) => [movie.id, { predictedStars: 3, favoriteProbability: i / 12 }]));
    const clock = new FixedClock();
    const repos = createInMemoryRepositories([seed, ...movies], { now: () => clock.now() });
    const scorer = new TwoStageScorer(stage1, fixed);
    const recommender = new Recommender({ ...repos, scorer, clock, logger: silentLogger }, { ...DEFAULT_RANKING, shortlistSize }, genreWeight);
    const { userId } = await repos.users.findOrCreate(user);
    await repos.ratings.rate(userId, seed.id, 4);
    return { movies, repos, scorer, recommender, userId };
  }
  const titlesOf = (list: readonly Movie[]) => list.map((movie) => movie.title);

  it('GIVEN more candidates than the shortlist THEN only the best eligible by predicted stars are scored, and the blend orders them', async () => {
    const { movies, repos, scorer, recommender, userId } = await setUp(4);
    await repos.ratings.rate(userId, movies[0]!.id, 5);
    await repos.dismissals.dismiss(userId, movies[2]!.id);
    const result = await recommender.recommend(userId, 'happy', new Set([movies[3]!.id]));
    expect(scorer.starCalls).toHaveLength(1);
    expect(titlesOf(scorer.lastCall!.candidates).sort()).toEqual(['M1', 'M4', 'M5', 'M6']);
    expect(result.picks.map((pick) => pick.movie.title)).toEqual(['M6', 'M5', 'M4', 'M1']);
  });

  it('GIVEN the first stage fails THEN every eligible movie is scored and the page still excludes what it must', async () => {
    const { movies, repos, scorer, recommender, userId } = await setUp(4);
    await repos.favorites.add(userId, movies[11]!.id);
    scorer.failStars = true;
    const result = await recommender.recommend(userId, 'happy', new Set());
    expect(scorer.lastCall!.candidates).toHaveLength(11);
    expect(result.picks.map((pick) => pick.movie.title)).toEqual(['M10', 'M9', 'M8', 'M7', 'M6']);
  });

  it('GIVEN a shortlist that holds one genre only THEN the page still keeps at most two of it (the shortlist widens)', async () => {
    // 8 comedies lead stage 1; 2 dramas and 2 family films trail it. A shortlist of 4 holds comedies only.
    const comedies = Array.from({ length: 8 }, (_, i) => aMovie({ title: `C${i}`, genres: ['Comedy'], emotions: { happy: 1 } }));
    const dramas = Array.from({ length: 4 }, (_, i) => aMovie({ title: `D${i}`, genres: [i < 2 ? 'Drama' : 'Family'], emotions: { happy: 1 } }));
    const seed = aMovie({ title: 'Seed', genres: ['Documentary'], emotions: { thoughtful: 1 } });
    const stage1 = new Map([...comedies.map((movie, i) => [movie.id, 5 - i * 0.1] as const), ...dramas.map((movie, i) => [movie.id, 3 - i * 0.1] as const)]);
    const fixed = new Map([...comedies, ...dramas].map((movie) => [movie.id, { predictedStars: 4, favoriteProbability: 0.5 }]));
    const clock = new FixedClock();
    const repos = createInMemoryRepositories([seed, ...comedies, ...dramas], { now: () => clock.now() });
    const recommender = new Recommender({ ...repos, scorer: new TwoStageScorer(stage1, fixed), clock, logger: silentLogger }, { ...DEFAULT_RANKING, shortlistSize: 4 }, genreWeight);
    const { userId } = await repos.users.findOrCreate(user);
    await repos.ratings.rate(userId, seed.id, 4);
    const result = await recommender.recommend(userId, 'happy', new Set());
    const genres = result.picks.map((pick) => pick.movie.genres[0]);
    expect(result.picks).toHaveLength(5);
    for (const genre of ['Comedy', 'Drama', 'Family']) expect(genres.filter((g) => g === genre).length, genre).toBeLessThanOrEqual(2);
  });

  it('GIVEN no more eligible movies than the shortlist THEN the first stage is skipped', async () => {
    const { movies, scorer, recommender, userId } = await setUp(10);
    await recommender.recommend(userId, 'happy', new Set(movies.slice(0, 2).map((movie) => movie.id)));
    expect(scorer.starCalls).toHaveLength(0);
    expect(scorer.lastCall!.candidates).toHaveLength(10);
  });
});

describe('topIndices', () => {
  it('GIVEN random values THEN it returns the k best, best first, exactly as a full sort would', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const [n, k] of [[0, 5], [3, 5], [100, 1], [1000, 60], [60, 60]] as const) {
      const values = Array.from({ length: n }, () => Math.floor(random() * 50));
      const better = (i: number, j: number) => values[i]! > values[j]! || (values[i] === values[j] && i < j);
      const expected = values.map((_, i) => i).sort((a, b) => (better(a, b) ? -1 : 1)).slice(0, k);
      expect(topIndices(n, k, better)).toEqual(expected);
    }
  });
});

describe('Recommender reasons (varied and true)', () => {
  const user: ChannelUser = { platform: 'console', platformUserId: 'why', displayName: 'Why' };
  /**
   * A user who favorited Casino Royale, before any rating (so the quality prior ranks): ten
   * action-adventures like it, a famous western and a sci-fi film. Up to 5 of one genre per page,
   * as a mood with few genres can give.
   */
  async function setUp(scorer = new FakeScorer()) {
    const loved = aMovie({ title: 'Casino Royale', genres: ['Action', 'Adventure'], imdbRating: 8.0, imdbVotes: 700_000, emotions: { excited: 1 } });
    const alike = Array.from({ length: 10 }, (_, i) =>
      aMovie({ title: `Spy ${i + 1}`, genres: ['Action', 'Adventure'], imdbRating: 7.0, imdbVotes: 90_000 - i * 1_000, emotions: { excited: 1 } }),
    );
    const western = aMovie({ title: 'The Good, the Bad and the Ugly', genres: ['Western'], imdbRating: 8.8, imdbVotes: 1_200_000, emotions: { excited: 1 } });
    const scifi = aMovie({ title: 'Moon', genres: ['Sci-Fi'], imdbRating: 7.9, imdbVotes: 300_000, emotions: { excited: 1 } });
    const clock = new FixedClock();
    const repos = createInMemoryRepositories([loved, ...alike, western, scifi], { now: () => clock.now() });
    const recommender = new Recommender({ ...repos, scorer, clock, logger: silentLogger }, { ...DEFAULT_RANKING, maxPerPrimaryGenre: 5 }, genreWeight);
    const { userId } = await repos.users.findOrCreate(user);
    await repos.favorites.add(userId, loved.id);
    return { recommender, userId };
  }
  const reasonsOf = (result: { picks: Array<{ movie: Movie; reason: string }> }) => Object.fromEntries(result.picks.map((pick) => [pick.movie.title, pick.reason]));

  it('GIVEN one favorite and a page of movies like it THEN it is named on one card only, and no two cards give the same reason', async () => {
    const { recommender, userId } = await setUp();
    const page = await recommender.recommend(userId, 'excited', new Set());
    const reasons = page.picks.map((pick) => pick.reason);
    expect(page.picks.filter((pick) => pick.movie.title.startsWith('Spy'))).toHaveLength(3);
    expect(reasons.filter((reason) => reason === 'Because you loved Casino Royale')).toHaveLength(1);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it('GIVEN a liked movie named on one page THEN the next page of the session names it nowhere', async () => {
    const { recommender, userId } = await setUp();
    const first = await recommender.recommend(userId, 'excited', new Set());
    const cited = new Set(first.picks.flatMap((pick) => (pick.citedMovieId === null ? [] : [pick.citedMovieId])));
    expect(cited.size).toBe(1);
    const second = await recommender.recommend(userId, 'excited', new Set(first.picks.map((pick) => pick.movie.id)), cited);
    expect(second.picks.filter((pick) => pick.movie.title.startsWith('Spy'))).toHaveLength(5);
    expect(second.picks.map((pick) => pick.reason)).not.toContain('Because you loved Casino Royale');
    expect(second.picks.every((pick) => pick.citedMovieId === null)).toBe(true);
  });

  it('GIVEN cards not like anything loved THEN true alternatives: a high IMDb standing, "new to you" for a genre never rated, why it fits the mood', async () => {
    const { recommender, userId } = await setUp();
    const result = await recommender.recommend(userId, 'excited', new Set());
    const reasons = reasonsOf(result);
    expect(reasons['The Good, the Bad and the Ugly']).toBe('IMDb 8.8 from 1.2M votes');
    expect(reasons['Moon']).toBe("New to you: you haven't rated a sci-fi movie yet"); // 7.9 is not a standing worth saying
    // The three spy films: one names Casino Royale, the others fit the mood by each of their genres.
    expect(result.picks.filter((pick) => pick.movie.title.startsWith('Spy')).map((pick) => pick.reason).sort()).toEqual([
      'An action pick for a rush of adrenaline',
      'An adventure pick for a rush of adrenaline',
      'Because you loved Casino Royale',
    ]);
  });

  it('GIVEN the models have no opinion (popularity) THEN the card already shows the IMDb figures, so the reason does not repeat them', async () => {
    const { recommender, userId } = await setUp(new FakeScorer({ popularity: true }));
    const reasons = reasonsOf(await recommender.recommend(userId, 'excited', new Set()));
    expect(reasons['The Good, the Bad and the Ugly']).toBe("New to you: you haven't rated a western movie yet");
    expect(Object.values(reasons).some((reason) => reason.startsWith('IMDb'))).toBe(false);
  });
});
