/**
 * The storage contract every implementation of the repository ports must pass (STYLE.md C10):
 * the in-memory fakes, Prisma on SQLite and Prisma on MySQL (tests/db/repositories.test.ts).
 *
 * Decisions the ports leave open, fixed here so the core can rely on them:
 * - states.load() of an account with no stored state resolves `undefined` (never `null`, which is a
 *   storable JSON value); save(id, undefined) deletes the state.
 * - catalog.moviesForMood returns only movies with a positive weight for the mood, at or above
 *   `minWeight` (inclusive), strongest first, ties by lower id; moviesByIds keeps the order asked and
 *   drops unknown and repeated ids; allMovies is every movie by id, the same frozen list while the
 *   catalog is unchanged. Returned movies are frozen (they are shared from a cache).
 * - favoritesOf is newest first; ratingsOf is most recently rated first.
 * - rate() rejects anything but 1–5 whole stars with a RangeError; rows for unknown movies are rejected.
 * - Display names longer than 191 characters (code points) are cut, never rejected; platform user ids
 *   longer than 64 are rejected with a RangeError (cutting them could merge two identities).
 *
 * One harness (one database) serves a whole suite; every test makes its own users, so tests do not
 * depend on each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelUser } from '../../src/core/conversation/turn.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import type { Repositories } from '../../src/core/ports/repositories.ts';
import { aMovie } from '../fakes/movies.ts';
import { USER_TABLES, type RowCounts, type UserTable } from '../fakes/in-memory-repositories.ts';

export type RepositorySet = Repositories;

export interface RepositoryHarness {
  repos: RepositorySet;
  /**
   * Rows per table that refer to the user, counted around the repositories (raw SQL for Prisma).
   * Conversation states are counted through `accountIds`, since forget() deletes the accounts too.
   */
  rowsFor(userId: number, accountIds: readonly number[]): Promise<RowCounts>;
  /** Rows in a whole table. */
  totalRows(table: UserTable): Promise<number>;
  displayNameOf(accountId: number): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

/** Builds a harness whose catalog holds exactly `catalog`, with the same ids. */
export type MakeRepositories = (catalog: readonly Movie[]) => Promise<RepositoryHarness>;

/** The catalog every harness is seeded with: ties, an exact threshold, nulls and non-Latin text. */
export const CONTRACT_CATALOG: readonly Movie[] = [
  aMovie({ id: 1, title: 'Amélie', genres: ['Comedy', 'Romance'], cast: ['Audrey Tautou', 'Zoë 🎬', 'محمد'], emotions: { happy: 0.9, romantic: 0.4 } }),
  aMovie({ id: 2, title: 'Half Happy', emotions: { happy: 0.5, sad: 0.2 } }),
  aMovie({ id: 3, title: 'The Thing', genres: ['Horror', 'Sci-Fi'], emotions: { happy: 0.49, scared: 0.95 } }),
  aMovie({
    id: 4, title: 'Sparse', emotions: { happy: 0.9, relaxed: 0.7 }, year: null, runtimeMinutes: null, certificate: null, imdbRating: null,
    imdbVotes: null, criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null,
  }),
  aMovie({ id: 5, title: 'Alien', genres: ['Horror'], emotions: { scared: 0.6 }, posterUrl: 'https://example.com/alien.jpg', imdbRating: 8.5 }),
  aMovie({ id: 6, title: 'No Feelings', genres: ['Documentary'], emotions: {} }),
];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const times = <T>(n: number, make: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => make(i)));
const ZERO_ROWS: RowCounts = Object.fromEntries(USER_TABLES.map((table) => [table, 0])) as RowCounts;

export function repositoryContract(name: string, makeRepos: MakeRepositories): void {
  describe(`${name} satisfies the repository contract`, () => {
    let h: RepositoryHarness;
    let r: RepositorySet;
    let seq = 0;
    const someone = (displayName = 'Ana', platform: ChannelUser['platform'] = 'console'): ChannelUser => ({
      platform,
      platformUserId: `contract-${++seq}`,
      displayName,
    });
    const newUser = async (displayName?: string) => r.users.findOrCreate(someone(displayName));

    beforeAll(async () => {
      h = await makeRepos(CONTRACT_CATALOG);
      r = h.repos;
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    describe('users', () => {
      it('GIVEN a first message WHEN findOrCreate twice THEN one user and one account, created only the first time', async () => {
        const ana = someone();
        const first = await r.users.findOrCreate(ana);
        const second = await r.users.findOrCreate(ana);
        expect(first.created).toBe(true);
        expect(second).toMatchObject({ userId: first.userId, accountId: first.accountId, created: false });
        expect(await h.rowsFor(first.userId, [first.accountId])).toMatchObject({ users: 1, platform_accounts: 1 });
      });

      it('GIVEN an unknown user WHEN find THEN null and nothing is created; after findOrCreate THEN find returns the account', async () => {
        const ana = someone();
        const usersBefore = await h.totalRows('users');
        expect(await r.users.find(ana)).toBeNull();
        expect(await h.totalRows('users')).toBe(usersBefore);
        const account = await r.users.findOrCreate(ana);
        expect(await r.users.find(ana)).toEqual({ userId: account.userId, accountId: account.accountId, created: false });
      });

      it('GIVEN a stored conversation state WHEN findOrCreate reads it too THEN it is the state the store holds', async () => {
        const ana = someone();
        const { accountId } = await r.users.findOrCreate(ana);
        const again = await r.users.findOrCreate(ana);
        expect(again.state === undefined || again.state === null).toBe(true);
        await r.states.save(accountId, { list: [1, 2], note: 'é🎬' });
        const withState = await r.users.findOrCreate(ana);
        if (withState.state !== undefined) expect(withState.state).toEqual(await r.states.load(accountId));
      });

      it('GIVEN 20 first messages at once WHEN findOrCreate THEN exactly one user and one account exist', async () => {
        const ana = someone();
        const usersBefore = await h.totalRows('users');
        const accountsBefore = await h.totalRows('platform_accounts');
        const results = await times(20, () => r.users.findOrCreate(ana));
        expect(new Set(results.map((a) => a.userId)).size).toBe(1);
        expect(new Set(results.map((a) => a.accountId)).size).toBe(1);
        expect(results.filter((a) => a.created)).toHaveLength(1);
        expect(await h.totalRows('users')).toBe(usersBefore + 1);
        expect(await h.totalRows('platform_accounts')).toBe(accountsBefore + 1);
      });

      it('GIVEN the same id on two platforms WHEN findOrCreate THEN they are different users', async () => {
        const onConsole = someone('Ana', 'console');
        const onTelegram = { ...onConsole, platform: 'telegram' as const };
        const a = await r.users.findOrCreate(onConsole);
        const b = await r.users.findOrCreate(onTelegram);
        expect(b.created).toBe(true);
        expect(b.userId).not.toBe(a.userId);
      });

      it('GIVEN a known user WHEN their display name changed THEN the account has the new name', async () => {
        const ana = someone('Ana');
        const { accountId } = await r.users.findOrCreate(ana);
        await r.users.findOrCreate({ ...ana, displayName: 'Ana María' });
        expect(await h.displayNameOf(accountId)).toBe('Ana María');
      });

      it.each([
        ['emoji', 'Zoë 🎬🍿 👩‍👩‍👧‍👦'],
        ['Arabic (RTL)', 'مرحبا بالعالم'],
        ['Hebrew with an RTL override', '\u202Eשלום עולם'],
        ['CJK', '映画が大好き'],
        ['an empty name', ''],
      ])('GIVEN a display name in %s WHEN findOrCreate THEN it is stored unchanged', async (_label, displayName) => {
        const { accountId } = await r.users.findOrCreate(someone(displayName));
        expect(await h.displayNameOf(accountId)).toBe(displayName);
      });

      it('GIVEN 4,000-character display names WHEN findOrCreate THEN they are cut to 191 characters, emoji kept whole', async () => {
        const latin = await r.users.findOrCreate(someone('a'.repeat(4000)));
        expect(await h.displayNameOf(latin.accountId)).toBe('a'.repeat(191));
        const emoji = await r.users.findOrCreate(someone('🎬'.repeat(4000)));
        expect(await h.displayNameOf(emoji.accountId)).toBe('🎬'.repeat(191));
      });

      it('GIVEN a platform user id over 64 characters WHEN findOrCreate THEN a RangeError and no user', async () => {
        const usersBefore = await h.totalRows('users');
        await expect(r.users.findOrCreate({ platform: 'console', platformUserId: '9'.repeat(65), displayName: 'Long' })).rejects.toThrow(RangeError);
        expect(await h.totalRows('users')).toBe(usersBefore);
      });
    });

    describe('ratings', () => {
      it('GIVEN a rating WHEN the user rates the movie again THEN the one row holds the new stars', async () => {
        const { userId, accountId } = await newUser();
        await r.ratings.rate(userId, 1, 3);
        await r.ratings.rate(userId, 1, 5);
        expect((await r.ratings.ratingsOf(userId)).map(({ movieId, stars }) => ({ movieId, stars }))).toEqual([{ movieId: 1, stars: 5 }]);
        expect((await h.rowsFor(userId, [accountId])).ratings).toBe(1);
      });

      it('GIVEN ratings of two movies THEN ratingsOf lists both, most recent first, with dates', async () => {
        const { userId } = await newUser();
        await r.ratings.rate(userId, 2, 4);
        await pause(5);
        await r.ratings.rate(userId, 1, 2);
        const ratings = await r.ratings.ratingsOf(userId);
        expect(ratings.map(({ movieId, stars }) => ({ movieId, stars }))).toEqual([{ movieId: 1, stars: 2 }, { movieId: 2, stars: 4 }]);
        expect(ratings[0]!.at).toBeInstanceOf(Date);
      });

      it('GIVEN 20 concurrent "rate 5" clicks THEN none fails and exactly one row exists', async () => {
        const { userId, accountId } = await newUser();
        await times(20, () => r.ratings.rate(userId, 2, 5));
        expect((await r.ratings.ratingsOf(userId)).map((x) => x.stars)).toEqual([5]);
        expect((await h.rowsFor(userId, [accountId])).ratings).toBe(1);
      });

      it('GIVEN 20 concurrent ratings with different stars THEN none fails and one row holds one of them', async () => {
        const { userId, accountId } = await newUser();
        await times(20, (i) => r.ratings.rate(userId, 3, (i % 5) + 1));
        const ratings = await r.ratings.ratingsOf(userId);
        expect(ratings).toHaveLength(1);
        expect([1, 2, 3, 4, 5]).toContain(ratings[0]!.stars);
        expect((await h.rowsFor(userId, [accountId])).ratings).toBe(1);
      });

      it.each([0, 6, 2.5, Number.NaN, -1])('GIVEN %s stars WHEN rate THEN it rejects with a RangeError and stores nothing', async (stars) => {
        const { userId } = await newUser();
        await expect(r.ratings.rate(userId, 1, stars)).rejects.toThrow(RangeError);
        expect(await r.ratings.ratingsOf(userId)).toEqual([]);
      });
    });

    describe('favorites', () => {
      it('GIVEN a movie WHEN added, added again, removed, removed again THEN true, false, true, false', async () => {
        const { userId } = await newUser();
        expect(await r.favorites.add(userId, 1)).toBe(true);
        expect(await r.favorites.add(userId, 1)).toBe(false);
        expect((await r.favorites.favoritesOf(userId)).map((f) => f.movieId)).toEqual([1]);
        expect(await r.favorites.remove(userId, 1)).toBe(true);
        expect(await r.favorites.remove(userId, 1)).toBe(false);
        expect(await r.favorites.favoritesOf(userId)).toEqual([]);
      });

      it('GIVEN favorites added over time THEN favoritesOf lists the newest first', async () => {
        const { userId } = await newUser();
        for (const movieId of [3, 1, 2]) {
          await r.favorites.add(userId, movieId);
          await pause(5);
        }
        const favorites = await r.favorites.favoritesOf(userId);
        expect(favorites.map((f) => f.movieId)).toEqual([2, 1, 3]);
        expect(favorites[0]!.at).toBeInstanceOf(Date);
      });

      it('GIVEN 20 concurrent "fav" clicks THEN none fails, exactly one says it added, and one row exists', async () => {
        const { userId, accountId } = await newUser();
        const added = await times(20, () => r.favorites.add(userId, 4));
        expect(added.filter(Boolean)).toHaveLength(1);
        expect((await h.rowsFor(userId, [accountId])).favorites).toBe(1);
      });

      it("GIVEN another user's favorite WHEN removed by someone else THEN it is untouched", async () => {
        const ana = await newUser('Ana');
        const bo = await newUser('Bo');
        await r.favorites.add(ana.userId, 5);
        expect(await r.favorites.remove(bo.userId, 5)).toBe(false);
        expect((await r.favorites.favoritesOf(ana.userId)).map((f) => f.movieId)).toEqual([5]);
      });
    });

    describe('dismissals', () => {
      it('GIVEN "not interested" twice THEN dismissedBy holds the movie once', async () => {
        const { userId, accountId } = await newUser();
        await r.dismissals.dismiss(userId, 3);
        await r.dismissals.dismiss(userId, 3);
        await r.dismissals.dismiss(userId, 5);
        expect(await r.dismissals.dismissedBy(userId)).toEqual(new Set([3, 5]));
        expect((await h.rowsFor(userId, [accountId])).dismissals).toBe(2);
      });

      it('GIVEN 20 concurrent dismissals THEN none fails and one row exists', async () => {
        const { userId, accountId } = await newUser();
        await times(20, () => r.dismissals.dismiss(userId, 2));
        expect((await h.rowsFor(userId, [accountId])).dismissals).toBe(1);
      });
    });

    it('GIVEN a movie id not in the catalog WHEN rated, favorited or dismissed THEN each rejects and nothing is stored', async () => {
      const { userId, accountId } = await newUser();
      await expect(r.ratings.rate(userId, 999_999, 4)).rejects.toThrow();
      await expect(r.favorites.add(userId, 999_999)).rejects.toThrow();
      await expect(r.dismissals.dismiss(userId, 999_999)).rejects.toThrow();
      expect(await h.rowsFor(userId, [accountId])).toMatchObject({ ratings: 0, favorites: 0, dismissals: 0 });
    });

    describe('interactions', () => {
      it('GIVEN lists shown and views THEN shownSince includes `since` itself and counts tell views from shown', async () => {
        const { userId, accountId } = await newUser();
        const other = await newUser('Other');
        const t0 = new Date('2026-03-01T10:00:00.000Z');
        const hourBefore = new Date(t0.getTime() - 3_600_000);
        await r.interactions.recordShown(userId, [1, 2, 2], 'happy', t0);
        await r.interactions.recordShown(userId, [3], null, hourBefore);
        await r.interactions.recordView(userId, 1, 'happy', t0);
        await r.interactions.recordShown(other.userId, [4], 'happy', t0);

        expect(await r.interactions.shownSince(userId, t0)).toEqual(new Set([1, 2]));
        expect(await r.interactions.shownSince(userId, hourBefore)).toEqual(new Set([1, 2, 3]));
        expect(await r.interactions.shownSince(userId, new Date(t0.getTime() + 1))).toEqual(new Set());
        expect(await r.interactions.counts(userId)).toEqual({ views: 1, shown: 3 });
        expect((await h.rowsFor(userId, [accountId])).interactions).toBe(4);
      });

      it('GIVEN an empty list WHEN recordShown THEN nothing is recorded', async () => {
        const { userId } = await newUser();
        await r.interactions.recordShown(userId, [], 'sad', new Date());
        expect(await r.interactions.counts(userId)).toEqual({ views: 0, shown: 0 });
      });
    });

    describe('histories', () => {
      it('GIVEN ratings, favorites, dismissals and interactions THEN historyOf returns them all in one read, as the single-purpose reads do', async () => {
        const { userId } = await newUser();
        const other = await newUser('Other');
        const t0 = new Date('2026-03-01T10:00:00.000Z');
        await r.ratings.rate(userId, 1, 4);
        await r.ratings.rate(userId, 2, 2);
        await r.favorites.add(userId, 3);
        await r.dismissals.dismiss(userId, 4);
        await r.interactions.recordShown(userId, [1, 5], 'happy', t0);
        await r.interactions.recordShown(userId, [5], 'sad', t0); // shown twice: listed once
        await r.interactions.recordShown(userId, [6], 'sad', new Date(t0.getTime() - 86_400_000));
        await r.interactions.recordView(userId, 1, 'happy', t0);
        await r.ratings.rate(other.userId, 5, 5);
        await r.interactions.recordShown(other.userId, [2], 'happy', t0);

        const history = await r.histories.historyOf(userId, t0);
        expect(history.ratings).toEqual(await r.ratings.ratingsOf(userId));
        expect(history.ratings.map((x) => [x.movieId, x.stars]).sort()).toEqual([[1, 4], [2, 2]]);
        expect(history.favorites).toEqual(await r.favorites.favoritesOf(userId));
        expect(history.dismissed).toEqual(new Set([4]));
        expect(history.recentlyShown).toEqual(new Set([1, 5]));
        expect({ views: history.views, shown: history.shown }).toEqual({ views: 1, shown: 4 });
      });

      it('GIVEN a user with no history THEN historyOf is empty', async () => {
        const { userId } = await newUser();
        expect(await r.histories.historyOf(userId, new Date(0))).toEqual({ ratings: [], favorites: [], dismissed: new Set(), recentlyShown: new Set(), views: 0, shown: 0 });
      });
    });

    describe('catalog', () => {
      it('GIVEN the seeded catalog THEN count and moviesByIds return every movie as seeded', async () => {
        expect(await r.catalog.count()).toBe(CONTRACT_CATALOG.length);
        expect(await r.catalog.moviesByIds(CONTRACT_CATALOG.map((m) => m.id))).toEqual(CONTRACT_CATALOG);
      });

      it('GIVEN ids in any order with unknown and repeated ones THEN moviesByIds keeps the order asked and drops those', async () => {
        expect((await r.catalog.moviesByIds([4, 999_999, 1, 4])).map((m) => m.id)).toEqual([4, 1]);
        expect(await r.catalog.moviesByIds([])).toEqual([]);
      });

      it('GIVEN a mood and a threshold THEN moviesForMood is inclusive, strongest first, ties by id', async () => {
        expect((await r.catalog.moviesForMood('happy', 0.5)).map((m) => m.id)).toEqual([1, 4, 2]);
        expect((await r.catalog.moviesForMood('happy', 0.91)).map((m) => m.id)).toEqual([]);
        expect((await r.catalog.moviesForMood('scared', 0)).map((m) => m.id)).toEqual([3, 5]);
        expect(await r.catalog.moviesForMood('thoughtful', 0)).toEqual([]);
      });

      it('GIVEN the seeded catalog THEN allMovies is every movie in id order, one frozen list handed out again while the catalog is unchanged', async () => {
        const all = await r.catalog.allMovies();
        expect(all.map((m) => m.id)).toEqual([...CONTRACT_CATALOG].map((m) => m.id).sort((a, b) => a - b));
        expect(all).toEqual([...CONTRACT_CATALOG].sort((a, b) => a.id - b.id));
        expect(Object.isFrozen(all)).toBe(true);
        expect(await r.catalog.allMovies()).toBe(all);
        expect(all[0]).toBe((await r.catalog.moviesByIds([all[0]!.id]))[0]);
      });

      it('GIVEN movies from the catalog THEN they are frozen, since every caller shares them', async () => {
        const [movie] = await r.catalog.moviesByIds([1]);
        expect(Object.isFrozen(movie)).toBe(true);
        expect(Object.isFrozen(movie!.emotions)).toBe(true);
      });
    });

    describe('conversation states', () => {
      it('GIVEN an account with no state, or an unknown account, WHEN load THEN undefined', async () => {
        const { accountId } = await newUser();
        expect(await r.states.load(accountId)).toBeUndefined();
        expect(await r.states.load(987_654_321)).toBeUndefined();
      });

      it('GIVEN a saved state WHEN loaded, overwritten and loaded again THEN each load returns the last save', async () => {
        const { accountId } = await newUser();
        const state = { step: 'awaiting_rating', list: [3, 9], note: 'Zoë 🎬 مرحبا', nested: { page: 2, empty: null } };
        await r.states.save(accountId, state);
        expect(await r.states.load(accountId)).toEqual(state);
        await r.states.save(accountId, { step: 'idle' });
        expect(await r.states.load(accountId)).toEqual({ step: 'idle' });
      });

      it('GIVEN the same state saved twice at once and in a row THEN one row holds it', async () => {
        const { userId, accountId } = await newUser();
        await Promise.all([r.states.save(accountId, { step: 'same' }), r.states.save(accountId, { step: 'same' })]);
        await r.states.save(accountId, { step: 'same' });
        expect(await r.states.load(accountId)).toEqual({ step: 'same' });
        expect((await h.rowsFor(userId, [accountId])).conversation_states).toBe(1);
      });

      it('GIVEN null, a large state, or undefined WHEN saved THEN null and the large state round-trip and undefined deletes', async () => {
        const { accountId } = await newUser();
        await r.states.save(accountId, null);
        expect(await r.states.load(accountId)).toBeNull();
        const large = { text: 'é🎬'.repeat(5_000) };
        await r.states.save(accountId, large);
        expect(await r.states.load(accountId)).toEqual(large);
        await r.states.save(accountId, undefined);
        expect(await r.states.load(accountId)).toBeUndefined();
      });

      it('GIVEN 10 concurrent saves for one account THEN none fails and one of them is stored', async () => {
        const { userId, accountId } = await newUser();
        await times(10, (i) => r.states.save(accountId, { turn: i }));
        expect([...Array(10).keys()].map((i) => ({ turn: i }))).toContainEqual(await r.states.load(accountId));
        expect((await h.rowsFor(userId, [accountId])).conversation_states).toBe(1);
      });
    });

    describe('forget', () => {
      async function userWithEverything(displayName: string) {
        const channelUser = someone(displayName);
        const { userId, accountId } = await r.users.findOrCreate(channelUser);
        await r.states.save(accountId, { step: 'idle' });
        await r.ratings.rate(userId, 1, 4);
        await r.favorites.add(userId, 2);
        await r.dismissals.dismiss(userId, 3);
        await r.interactions.recordShown(userId, [1, 2], 'happy', new Date());
        await r.interactions.recordView(userId, 1, 'happy', new Date());
        return { channelUser, userId, accountId };
      }

      it('GIVEN a user with rows in every table WHEN forget THEN all are gone, counted per table, and others are untouched', async () => {
        const ana = await userWithEverything('Ana');
        const bo = await userWithEverything('Bo');
        const boBefore = await h.rowsFor(bo.userId, [bo.accountId]);
        expect(await h.rowsFor(ana.userId, [ana.accountId])).toEqual({
          users: 1, platform_accounts: 1, conversation_states: 1, interactions: 3, favorites: 1, ratings: 1, dismissals: 1,
        });

        const deleted = await r.users.forget(ana.userId);

        expect(deleted).toEqual({ users: 1, platform_accounts: 1, conversation_states: 1, interactions: 3, favorites: 1, ratings: 1, dismissals: 1 });
        expect(await h.rowsFor(ana.userId, [ana.accountId])).toEqual(ZERO_ROWS);
        expect(await r.states.load(ana.accountId)).toBeUndefined();
        expect(await h.rowsFor(bo.userId, [bo.accountId])).toEqual(boBefore);
        expect(await r.states.load(bo.accountId)).toEqual({ step: 'idle' });
        expect(await r.ratings.ratingsOf(bo.userId)).toHaveLength(1);
      });

      it('GIVEN a forgotten user WHEN they write again THEN they start as a new user', async () => {
        const ana = await userWithEverything('Ana');
        await r.users.forget(ana.userId);
        const again = await r.users.findOrCreate(ana.channelUser);
        expect(again.created).toBe(true);
        expect(again.userId).not.toBe(ana.userId);
        expect(await r.favorites.favoritesOf(again.userId)).toEqual([]);
      });

      it('GIVEN an unknown user id WHEN forget THEN every count is zero', async () => {
        expect(await r.users.forget(987_654_321)).toEqual(ZERO_ROWS);
      });
    });
  });
}
