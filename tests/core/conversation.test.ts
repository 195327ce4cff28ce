/**
 * The core conversation, as transcripts (STYLE.md C10) on the in-memory repositories and a
 * deterministic FakeScorer, with a fixed clock. Wired by src/app/build-conversation.ts, so these
 * run the same product as main.ts. Covers RELIABILITY.md cases 2, 3, 6, 7, 17 and 18.
 */
import { describe, expect, it, vi } from 'vitest';
import { copy } from '../../src/core/copy.ts';
import { decodePayload, encodePayload } from '../../src/core/conversation/payload.ts';
import type { ChannelUser, Inbound, Turn } from '../../src/core/conversation/turn.ts';
import { EMOTIONS } from '../../src/core/domain/emotions.ts';
import { StorageUnavailableError } from '../../src/core/ports/repositories.ts';
import { FakeScorer } from '../fakes/fake-scorer.ts';
import { aUser, cardMessages, DAY, headingsOf, labelsOf, movieIdsOf, SECOND, textOf, typed } from '../helpers/transcript.ts';
import { film, happyCatalog, harness, NO_ROWS, type Harness } from './support.ts';

const ana = aUser('Ana');
const bo = aUser('Bo');
const STAR_AND_ACTION_LABELS = ['★1', '★2', '★3', '★4', '★5', '❤ Favorite', '🙈 Not for me', 'ℹ Details', '🔁 Similar'];
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Ten comedies of equal quality: with one genre, diversity never reorders, and ties fall back to id order. */
function comedies(count = 10) {
  return Array.from({ length: count }, (_, i) => film(`Joke ${i + 1}`, 1980 + i, ['Comedy'], { rating: 7.5, votes: 100_000 }));
}

/** Every movie id listed for the session, paging with /more until the mood runs dry. */
async function pageThrough(h: Harness, user: ChannelUser, first = '/feel happy'): Promise<number[][]> {
  const pages: number[][] = [];
  let turn = await h.talk.as(user).send(first);
  while (turn && cardMessages(turn).length > 0) {
    pages.push(movieIdsOf(turn));
    if (pages.length > 20) throw new Error('the session never ends');
    turn = await h.talk.send('/more');
  }
  return pages;
}

const ratingRowsOf = (h: Harness, user: ChannelUser) =>
  [...h.repos.store.ratings.values()].filter((row) => row.userId === h.userIdOf(user)).map((row) => ({ movieId: row.movieId, stars: row.stars }));

/** True when a string holds a lone UTF-16 surrogate (what a cut emoji leaves behind). */
const hasLoneSurrogate = (text: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('GIVEN a new user: start → mood → ★ → favorites', () => {
  it('WHEN they send /start THEN exactly one user and one platform account exist, and a short three-step greeting offers the 8 moods', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/start')
      .expectText(/Feelms/)
      .expectChoices('mood')
      .check((turn) => {
        expect(turn.messages).toHaveLength(1);
        const [hello, ...steps] = turn.messages[0]!.text.split('\n');
        expect(hello).toMatch(/^Hi Ana!/);
        expect(steps.map((line) => line.slice(0, 3))).toEqual(['1. ', '2. ', '3. ']);
        for (const line of [hello!, ...steps]) expect(line.length).toBeLessThanOrEqual(80);
        expect(turn.messages[0]!.choices!.flat()).toHaveLength(8);
      });
    expect(h.repos.totalRows('users')).toBe(1);
    expect(h.repos.totalRows('platform_accounts')).toBe(1);

    await h.talk.send('/start').expectText('Welcome back, Ana!').expectChoices('mood');
    expect(h.repos.totalRows('users')).toBe(1);
    expect(h.repos.totalRows('platform_accounts')).toBe(1);
  });

  it('WHEN they tap a mood THEN 5 numbered cards with ★1–★5, ❤, 🙈 and ℹ come with a ➡ More footer, and each movie is recorded as shown', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/start')
      .tap('😄 Happy')
      .expectText('Movies for when you feel happy')
      .expectCards(['Laugh 1 (1991)', 'Laugh 2 (1992)', 'Family 1 (2001)', 'Family 2 (2002)', 'Cartoon 1 (2011)'])
      .check((turn) => {
        const cards = cardMessages(turn);
        expect(cards.map((message) => message.card!.index)).toEqual([1, 2, 3, 4, 5]);
        for (const message of cards) {
          const card = message.card!;
          expect(message.text).toMatch(new RegExp(`^${card.index}\\. ${escapeRegExp(card.heading)}`));
          expect(message.text).not.toContain('\n');
          expect(labelsOf(message.choices)).toEqual(STAR_AND_ACTION_LABELS);
          for (const choice of message.choices!.flat()) {
            const decoded = decodePayload(choice.payload);
            expect(decoded.ok && 'movieId' in decoded.value ? decoded.value.movieId : null).toBe(card.movieId);
          }
        }
        const footer = turn.messages.at(-1)!;
        expect(footer.card).toBeUndefined();
        expect(labelsOf(footer.choices)[0]).toBe('➡ More');
      });

    const userId = h.userIdOf(ana);
    const rows = h.repos.store.interactions.filter((row) => row.userId === userId);
    expect(rows.map((row) => [row.movieId, row.kind, row.emotion])).toEqual(movieIdsOf(h.talk.turn).map((id) => [id, 'shown', 'happy']));
    expect(rows.every((row) => row.at.getTime() === h.clock.now().getTime())).toBe(true);
  });

  it('WHEN they tap ★4 on card 2 THEN one rating and one view are written, and the ack says "Rated ★4" with ★4 selected', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    const movieId = movieIdsOf(h.talk.turn)[1]!;
    const interactionsBefore = h.repos.store.interactions.length;

    await h.talk
      .tap('★4', { onCard: 2 })
      .expectToast('Rated ★4')
      .check((turn) => {
        expect(turn.messages).toEqual([]);
        const [stars, actions] = turn.ack!.updatedChoices!;
        expect(labelsOf([stars!, actions!])).toEqual(STAR_AND_ACTION_LABELS);
        expect(stars!.filter((choice) => choice.selected).map((choice) => choice.label)).toEqual(['★4']);
        expect(stars!.map((choice) => decodePayload(choice.payload))).toEqual([1, 2, 3, 4, 5].map((n) => ({ ok: true, value: { action: 'rate', movieId, stars: n } })));
      });

    expect(ratingRowsOf(h, ana)).toEqual([{ movieId, stars: 4 }]);
    const added = h.repos.store.interactions.slice(interactionsBefore);
    expect(added.map((row) => [row.movieId, row.kind, row.emotion])).toEqual([[movieId, 'view', 'happy']]);
  });

  it('WHEN they tap ❤ on a card THEN /favorites lists it with an unfavorite button, which removes it', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('❤ Favorite', { onCard: 3 })
      .expectToast(/Saved to favorites/)
      .check((turn) => {
        const fav = turn.ack!.updatedChoices!.flat().find((choice) => choice.label === '💔 Unfavorite');
        expect(fav?.selected).toBe(true);
      })
      .send('/favorites')
      .expectText('Your favorites (1):')
      .expectCards(['Family 1 (2001)'])
      .check((turn) => {
        const [card] = cardMessages(turn);
        expect(labelsOf(card!.choices)).toEqual(['💔 Unfavorite', '🔁 Similar']);
        expect(decodePayload(card!.choices![0]![0]!.payload)).toEqual({ ok: true, value: { action: 'fav', movieId: card!.card!.movieId, on: false } });
      })
      .tap('💔 Unfavorite', { onCard: 1 })
      .expectToast('Removed from favorites')
      .send('/favorites')
      .expectText(/No favorites yet/)
      .expectCards(0);
    expect(h.repos.totalRows('favorites')).toBe(0);
  });

  it('WHEN /start carries a mood (a deep link) THEN the greeting comes with that mood\'s list', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/start spooky').expectText(/^Hi Ana!/).expectText('Movies for when you feel scared').expectCards(['Scream 1 (1981)', 'Scream 2 (1982)', 'Scream 3 (1983)']);
  });

  it('GIVEN 7 favorites WHEN /favorites THEN they come 5 per page with Next/Previous buttons, and /unfav n refers to the page shown', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    for (const n of [1, 2, 3, 4, 5]) await h.talk.send(`/fav ${n}`);
    await h.talk.send('/more').send('/fav 1').send('/fav 2');
    await h.talk
      .send('/favorites')
      .expectText('Your favorites (7), page 1 of 2:')
      .expectCards(5)
      .expectChoices('Next ➡')
      .tap('Next ➡')
      .expectToast('Your favorites')
      .expectText('Your favorites (7), page 2 of 2:')
      .expectCards(2)
      .expectChoices('⬅ Previous');
    const [first] = cardMessages(h.talk.turn);
    const title = first!.card!.heading.replace(/ \(\d{4}\)$/, '');
    await h.talk.send('/unfav 1').expectText(`Removed ${title} from your favorites.`);
    expect(h.repos.totalRows('favorites')).toBe(6);
    expect([...h.repos.store.favorites.values()].map((row) => row.movieId)).not.toContain(first!.card!.movieId);
  });

  it('GIVEN a stored conversation state of the wrong shape (an older version) THEN the user starts over instead of failing', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    const accountId = h.repos.store.accountByKey.get(`${ana.platform}\u0000${ana.platformUserId}`)!;
    h.repos.store.states.set(accountId, JSON.stringify({ v: 0, list: 'oops', mood: 'grumpy' }));
    await h.talk.send('/rate 1 5').expectText('There is no list yet: try /feel happy first.').send('/more').expectText('Pick a mood first');
    await h.talk.send('/feel happy').expectCards(5);
  });

  it('WHEN they tap ℹ THEN the details come only to them and a view is recorded', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('ℹ Details', { onCard: 1 })
      .expectText(/^Laugh 1 \(1991\)\nA test movie\.\nDirector: Jane Doe/)
      .check((turn) => expect(turn.messages.every((message) => message.ephemeral)).toBe(true));
    expect(h.repos.store.interactions.filter((row) => row.kind === 'view')).toHaveLength(1);
  });
});

describe('/forgetme', () => {
  /** Ana and Bo both have rows in every table. */
  async function twoUsersWithHistory() {
    const h = harness(happyCatalog().all);
    for (const user of [ana, bo]) {
      await h.talk
        .as(user)
        .send('/feel happy')
        .tap('★5', { onCard: 1 })
        .tap('❤ Favorite', { onCard: 2 })
        .tap('🙈 Not for me', { onCard: 3 })
        .tap('ℹ Details', { onCard: 4 });
    }
    return h;
  }

  it('GIVEN two users with history WHEN Ana confirms /forgetme THEN every row of hers is gone from every table, and Bo keeps all of his', async () => {
    const h = await twoUsersWithHistory();
    const anaId = h.userIdOf(ana)!;
    const boId = h.userIdOf(bo)!;
    expect(Object.values(h.repos.rowsFor(anaId)).every((count) => count > 0)).toBe(true);
    const boBefore = h.repos.rowsFor(boId);

    await h.talk
      .as(ana)
      .send('/forgetme')
      .expectText(/Are you sure/)
      .expectChoices(/Yes, delete everything/)
      .check((turn) => expect(turn.messages.every((message) => message.ephemeral)).toBe(true))
      .check(() => expect(h.repos.rowsFor(anaId).ratings).toBe(1))
      .tap(/Yes, delete everything/)
      .expectToast(/everything Feelms knew about you is gone/);

    expect(h.repos.rowsFor(anaId)).toEqual(NO_ROWS);
    expect(h.repos.rowsFor(boId)).toEqual(boBefore);
    expect(h.userIdOf(ana)).toBeUndefined();
  });

  it('GIVEN the prompt WHEN Ana types /forgetme yes THEN her rows are gone too', async () => {
    const h = await twoUsersWithHistory();
    const anaId = h.userIdOf(ana)!;
    await h.talk.as(ana).send('/forgetme').send('/forgetme yes').expectText(/is gone/);
    expect(h.repos.rowsFor(anaId)).toEqual(NO_ROWS);
  });

  it('GIVEN a pending confirmation WHEN a forged nonce arrives THEN nothing is deleted and the user is told it expired', async () => {
    const h = await twoUsersWithHistory();
    await h.talk.as(ana).send('/forgetme');
    const before = h.snapshot();
    await h.talk.press(encodePayload({ action: 'forget', nonce: 'forged123' })).expectToast(copy.forgetExpired());
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN a confirmation older than 5 minutes WHEN Yes is tapped THEN nothing is deleted', async () => {
    const h = await twoUsersWithHistory();
    await h.talk.as(ana).send('/forgetme');
    h.clock.advance(5 * 60 * SECOND + 1);
    const before = h.snapshot();
    await h.talk.tap(/Yes, delete everything/).expectToast(copy.forgetExpired());
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN Ana asked to be forgotten WHEN Bo presses her Yes button THEN neither of them is deleted', async () => {
    const h = await twoUsersWithHistory();
    await h.talk.as(ana).send('/forgetme');
    const before = h.snapshot();
    await h.talk.as(bo).tap(/Yes, delete everything/).expectToast(copy.forgetExpired());
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN the prompt WHEN "Keep my data" is tapped THEN nothing is deleted and the old Yes button stops working', async () => {
    const h = await twoUsersWithHistory();
    const anaId = h.userIdOf(ana)!;
    const rows = h.repos.rowsFor(anaId);
    await h.talk.as(ana).send('/forgetme').tap('Keep my data').expectToast('Nothing was deleted.');
    await h.talk.press(h.talk.turns.at(-2)!.messages[0]!.choices![0]![0]!.payload).expectToast(copy.forgetExpired());
    expect(h.repos.rowsFor(anaId)).toEqual(rows);
  });
});

describe('/more', () => {
  it('GIVEN a happy list WHEN /more and ➡ More page on THEN no movie of the session repeats, and the end says so', async () => {
    const catalog = happyCatalog();
    const h = harness(catalog.all);
    const pages: number[][] = [];
    await h.talk.as(ana).send('/feel happy').expectText('Movies for when you feel happy');
    pages.push(movieIdsOf(h.talk.turn));
    await h.talk.send('/more').expectText('More happy movies');
    pages.push(movieIdsOf(h.talk.turn));
    await h.talk.tap('➡ More').expectText('More happy movies');
    pages.push(movieIdsOf(h.talk.turn));
    await h.talk.send('/more').expectCards(['Cartoon 4 (2014)', 'Song 3 (1963)']);
    pages.push(movieIdsOf(h.talk.turn));
    await h.talk.send('/more').expectText("That's every happy movie I have for you right now").expectChoices('mood').expectCards(0);

    const all = pages.flat();
    const happyIds = [...catalog.comedy, ...catalog.family, ...catalog.animation, ...catalog.musical].map((movie) => movie.id);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((a, b) => a - b)).toEqual([...happyIds].sort((a, b) => a - b));
  });

  it('GIVEN a session WHEN /more is used after a typed /rate THEN paging goes on from where it was', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').send('/rate 1 4').send('/more').expectText('More happy movies').expectCards(['Laugh 3 (1993)', 'Laugh 4 (1994)', 'Family 3 (2003)', 'Family 4 (2004)', 'Cartoon 2 (2012)']);
  });

  it('GIVEN no mood chosen yet WHEN /more THEN the user is asked to pick a mood and nothing is listed', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/start').send('/more').expectText('Pick a mood first').expectChoices('mood').expectCards(0);
    expect(h.repos.totalRows('interactions')).toBe(0);
  });

  it('GIVEN a session WHEN /feel is sent again THEN a fresh session starts with the first-page intro', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').send('/more').send('/feel happy').expectText('Movies for when you feel happy').expectCards(5);
  });
});

describe('Exclusions and recency', () => {
  it('GIVEN movies rated, favorited and dismissed WHEN the user pages through the mood THEN none of them ever comes back', async () => {
    const movies = comedies();
    const h = harness(movies);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .expectCards(['Joke 1 (1980)', 'Joke 2 (1981)', 'Joke 3 (1982)', 'Joke 4 (1983)', 'Joke 5 (1984)'])
      .tap('★2', { onCard: 1 })
      .tap('❤ Favorite', { onCard: 2 })
      .tap('🙈 Not for me', { onCard: 3 })
      .expectToast(/won't suggest it again/);
    h.clock.advance(8 * DAY); // past the recency window, so only the exclusions act

    const seen = (await pageThrough(h, ana)).flat();
    const [rated, favorite, dismissed, ...rest] = movies.map((movie) => movie.id);
    expect(seen).not.toContain(rated);
    expect(seen).not.toContain(favorite);
    expect(seen).not.toContain(dismissed);
    expect([...seen].sort((a, b) => a - b)).toEqual(rest);
  });

  it('GIVEN movies shown in the last 7 days WHEN a new session of that mood starts THEN unseen movies come first, and after 7 days the shown ones are back on top', async () => {
    const h = harness(comedies());
    const firstFive = ['Joke 1 (1980)', 'Joke 2 (1981)', 'Joke 3 (1982)', 'Joke 4 (1983)', 'Joke 5 (1984)'];
    await h.talk.as(ana).send('/feel happy').expectCards(firstFive);
    await h.talk.send('/feel happy').expectText('Movies for when you feel happy').expectCards(['Joke 6 (1985)', 'Joke 7 (1986)', 'Joke 8 (1987)', 'Joke 9 (1988)', 'Joke 10 (1989)']);
    h.clock.advance(8 * DAY);
    await h.talk.send('/feel happy').expectCards(firstFive);
  });

  it('GIVEN recently shown movies WHEN nothing else is left THEN they are still offered (pushed down, not excluded)', async () => {
    const h = harness(comedies(5));
    await h.talk.as(ana).send('/feel happy').send('/feel happy').expectCards(5);
  });
});

describe('Diversity', () => {
  it('GIVEN a mood whose best movies are comedies WHEN paging THEN no page holds more than 2 of one primary genre while the catalog has others', async () => {
    const catalog = happyCatalog();
    const h = harness(catalog.all);
    const primary = new Map(catalog.all.map((movie) => [movie.id, movie.genres[0]!]));
    const pages = await pageThrough(h, ana);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const remaining = new Set(pages.flat());
    for (const page of pages) {
      const genresLeft = new Set([...remaining].map((id) => primary.get(id)));
      const counts = new Map<string, number>();
      for (const id of page) counts.set(primary.get(id)!, (counts.get(primary.get(id)!) ?? 0) + 1);
      if (genresLeft.size >= 3) expect(Math.max(...counts.values()), `page ${JSON.stringify(page)}`).toBeLessThanOrEqual(2);
      for (const id of page) remaining.delete(id);
    }
    // The first page still starts with the two best comedies.
    expect(pages[0]!.slice(0, 2)).toEqual([catalog.comedy[0]!.id, catalog.comedy[1]!.id]);
  });

  it('GIVEN a mood with a single genre WHEN listing THEN the page is still filled', async () => {
    const h = harness(comedies());
    await h.talk.as(ana).send('/feel happy').expectCards(5);
  });
});

describe('Cold start', () => {
  it('GIVEN a user with no ratings WHEN they pick a mood THEN the quality prior ranks the page (not the scorer) and "Rate a few" is offered', async () => {
    const catalog = happyCatalog();
    // The scorer loves Cartoon 4; a cold-start page must ignore it.
    const scorer = new FakeScorer({ fixed: new Map([[catalog.animation[3]!.id, { predictedStars: 5, favoriteProbability: 1 }]]) });
    const h = harness(catalog.all, { scorer });
    await h.talk
      .as(ana)
      .send('/feel happy')
      .expectCards(['Laugh 1 (1991)', 'Laugh 2 (1992)', 'Family 1 (2001)', 'Family 2 (2002)', 'Cartoon 1 (2011)'])
      .expectChoices('⭐ Rate a few')
      .expectText(/Rate a few well-known happy movies/)
      .check((turn) => {
        // No ratings yet: true reasons only, alternating its standing and why it fits the mood.
        expect(cardMessages(turn).map((message) => message.card!.reason)).toEqual([
          'IMDb 8.0 from 950K votes',
          'A comedy pick to lift your mood',
          'IMDb 8.0 from 550K votes',
          'A family pick to lift your mood',
          'IMDb 8.0 from 350K votes',
        ]);
      });
  });

  it('WHEN "Rate a few" is tapped THEN the best-known movies of the mood are offered to rate, numbered for /rate', async () => {
    // A little-known gem tops the Bayesian prior but is not "well known".
    const gem = film('Hidden Gem', 2019, ['Comedy'], { rating: 9.6, votes: 30_000 });
    const h = harness([...happyCatalog().all, gem]);
    await h.talk.as(ana).send('/feel happy').check((turn) => expect(headingsOf(turn)[0]).toBe('Hidden Gem (2019)'));
    await h.talk
      .tap('⭐ Rate a few')
      .expectText('Seen any of these happy movies? Rate the ones you know:')
      .expectCards(['Laugh 1 (1991)', 'Laugh 2 (1992)', 'Family 1 (2001)', 'Family 2 (2002)', 'Cartoon 1 (2011)'])
      .check((turn) => {
        expect(cardMessages(turn).map((message) => message.card!.reason)).toEqual(['IMDb 8.0', 'IMDb 7.9', 'IMDb 8.0', 'IMDb 7.9', 'IMDb 8.0']);
        for (const message of cardMessages(turn)) expect(labelsOf(message.choices)).toEqual(STAR_AND_ACTION_LABELS);
      })
      .send('/rate 3 5')
      .expectText('Rated Family 1 ★5.');
  });

  it('GIVEN two new users WHEN they rate a few in opposite ways THEN their next lists follow their own tastes, from the ratings passed to the scorer', async () => {
    const catalog = happyCatalog();
    const h = harness(catalog.all);
    // Page 1 is Laugh 1, Laugh 2, Family 1, Family 2, Cartoon 1.
    await h.talk.as(ana).send('/feel happy').tap('★1', { onCard: 1 }).tap('★1', { onCard: 2 }).tap('★5', { onCard: 3 }).tap('★5', { onCard: 4 });
    await h.talk.as(bo).send('/feel happy').tap('★5', { onCard: 1 }).tap('★5', { onCard: 2 }).tap('★1', { onCard: 3 }).tap('★1', { onCard: 4 });

    await h.talk
      .as(ana)
      .send('/feel happy')
      .check((turn) => {
        expect(headingsOf(turn).slice(0, 2)).toEqual(['Family 3 (2003)', 'Family 4 (2004)']);
        expect(labelsOf(turn.messages.at(-1)!.choices)).not.toContain('⭐ Rate a few');
      });
    const anaCall = h.scorer.lastCall!;
    expect(anaCall.user.userId).toBe(h.userIdOf(ana));
    expect(anaCall.user.ratings.map((r) => [r.movie.title, r.stars]).sort()).toEqual([
      ['Family 1', 5],
      ['Family 2', 5],
      ['Laugh 1', 1],
      ['Laugh 2', 1],
    ]);

    await h.talk.as(bo).send('/feel happy').check((turn) => expect(headingsOf(turn).slice(0, 2)).toEqual(['Laugh 3 (1993)', 'Laugh 4 (1994)']));
    expect(h.scorer.lastCall!.user.ratings.map((r) => [r.movie.title, r.stars]).sort()).toEqual([
      ['Family 1', 1],
      ['Family 2', 1],
      ['Laugh 1', 5],
      ['Laugh 2', 5],
    ]);
  });

  it('GIVEN a rating WHEN the very next list is asked for THEN the scorer already sees it (no stale taste)', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    const callsBefore = h.scorer.calls.length;
    await h.talk.tap('★5', { onCard: 5 }).send('/more');
    expect(h.scorer.calls).toHaveLength(callsBefore + 1);
    expect(h.scorer.lastCall!.user.ratings.map((r) => [r.movie.title, r.stars])).toEqual([['Cartoon 1', 5]]);
    expect(h.scorer.lastCall!.user.viewCount).toBe(1);
    expect(h.scorer.lastCall!.user.shownCount).toBe(5);
    expect(h.scorer.lastCall!.candidates.map((movie) => movie.title)).not.toContain('Cartoon 1');
  });
});

describe('Reasons', () => {
  it('GIVEN Ana loved Family 1 WHEN a family movie is suggested THEN it says "Because you loved Family 1"; other cards give other true reasons', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('★5', { onCard: 3 })
      .send('/feel happy')
      .check((turn) => {
        const reasons = new Map(cardMessages(turn).map((message) => [message.card!.heading, message.card!.reason]));
        expect(reasons.get('Family 3 (2003)')).toBe('Because you loved Family 1');
        expect(reasons.get('Family 4 (2004)')).toBe('A family pick to lift your mood'); // Family 1 is named once a page
        expect(reasons.get('Laugh 3 (1993)')).toBe("New to you: you haven't rated a comedy movie yet");
        expect(reasons.get('Laugh 4 (1994)')).toBe('A comedy pick to lift your mood');
        expect(reasons.get('Cartoon 2 (2012)')).toBe("New to you: you haven't rated an animation movie yet");
        expect(cardMessages(turn)[0]!.text).toBe('1. Family 3 (2003) · Family · 95 min · ★ 5 for you · high favorite chance — Because you loved Family 1');
      });
  });

  it('GIVEN a favorite and no ratings WHEN a movie of the same genre is suggested THEN the favorite is the reason', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('❤ Favorite', { onCard: 1 })
      .send('/feel happy')
      .check((turn) => expect(cardMessages(turn).find((message) => message.card!.heading === 'Laugh 3 (1993)')?.card!.reason).toBe('Because you loved Laugh 1'));
  });

  it('GIVEN one favorite WHEN paging a mood full of movies like it THEN it is named once a page at most, and not on two pages running', async () => {
    const h = harness(happyCatalog().all);
    const named = (turn: Turn) => cardMessages(turn).filter((message) => message.card!.reason === 'Because you loved Laugh 1').length;
    const pages: number[] = [];
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('❤ Favorite', { onCard: 1 })
      .send('/feel happy')
      .check((turn) => {
        pages.push(named(turn));
      })
      .send('/more')
      .check((turn) => {
        pages.push(named(turn));
        expect(cardMessages(turn).some((message) => message.card!.facts.startsWith('Comedy'))).toBe(true); // comedies like it are there
      });
    expect(pages).toEqual([1, 0]);
  });

  it('GIVEN only a lukewarm ★3 WHEN a movie of the same genre is suggested THEN the reason is the mood, not "because you loved"', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('★3', { onCard: 1 })
      .send('/feel happy')
      .check((turn) => {
        for (const message of cardMessages(turn)) expect(message.card!.reason).not.toMatch(/Because you loved/);
        const comedyReasons = cardMessages(turn).filter((message) => message.card!.facts.startsWith('Comedy')).map((message) => message.card!.reason);
        // She has rated a comedy, so comedies are not "new to you" either: they say why they fit the mood.
        expect(comedyReasons).toEqual(['A comedy pick to lift your mood', 'A pick to lift your mood']);
      });
  });
});

describe('What a card claims', () => {
  const scoresOf = (turn: Turn) => cardMessages(turn).map((message) => message.card!.scores);

  it('GIVEN no models (popularity) WHEN lists are shown, before and after a rating THEN no card shows a "for you" figure or a favorite chance, only the film\'s IMDb figures', async () => {
    const h = harness(happyCatalog().all, { scorer: new FakeScorer({ popularity: true }) });
    const check = (turn: Turn) => {
      expect(scoresOf(turn)).toHaveLength(5);
      for (const scores of scoresOf(turn)) expect(scores).toMatch(/^IMDb \d\.\d\/10 · \d+K votes$/);
      for (const message of cardMessages(turn)) expect(message.text).not.toMatch(/for you|favorite chance/);
    };
    await h.talk.as(ana).send('/feel happy').check(check).tap('★5', { onCard: 1 }).send('/feel happy').check(check).send('/more').check(check);
  });

  it('GIVEN a movie the models never saw THEN its card says so, with the film\'s IMDb figures, instead of a default number', async () => {
    const catalog = happyCatalog();
    const stranger = catalog.comedy[0]!;
    const h = harness(catalog.all, { scorer: new FakeScorer({ fixed: new Map([[stranger.id, { predictedStars: null, favoriteProbability: null }]]) }) });
    await h.talk
      .as(ana)
      .send('/feel happy')
      .check((turn) => {
        const card = cardMessages(turn).find((message) => message.card!.movieId === stranger.id)!;
        expect(card.card!.scores).toBe('IMDb 8.0/10 · 950K votes · new to Feelms: no prediction yet');
        expect(card.text).not.toMatch(/for you/);
      });
  });

  it('GIVEN model scores THEN stars are shown to the half star and the favorite chance as a word', async () => {
    const catalog = happyCatalog();
    const [a, b, c] = catalog.comedy;
    const fixed = new Map([
      [a!.id, { predictedStars: 4.26, favoriteProbability: 0.62 }],
      [b!.id, { predictedStars: 3.74, favoriteProbability: 0.31 }],
      [c!.id, { predictedStars: 2.2, favoriteProbability: 0.07 }],
    ]);
    const h = harness([a!, b!, c!], { scorer: new FakeScorer({ fixed }) });
    await h.talk
      .as(ana)
      .send('/feel happy')
      .check((turn) => expect(scoresOf(turn)).toEqual(['★ 4½ for you · high favorite chance', '★ 3½ for you · medium favorite chance', '★ 2 for you · low favorite chance']));
  });
});

describe('Typed commands refer to the last list', () => {
  it('GIVEN a list WHEN /rate 2 5 and then /rate 2 4 THEN movie number 2 has one rating, now ★4', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').send('/rate 2 5').expectText('Rated Laugh 2 ★5. Your next picks will take it into account.');
    const movieId = movieIdsOf(h.talk.turns.at(-2)!)[1]!;
    expect(ratingRowsOf(h, ana)).toEqual([{ movieId, stars: 5 }]);
    await h.talk.send('/rate 2 4').expectText('Rated Laugh 2 ★4.');
    expect(ratingRowsOf(h, ana)).toEqual([{ movieId, stars: 4 }]);
  });

  it('GIVEN a list WHEN /fav 3 twice and /unfav 3 twice THEN one favorite comes and goes, and the repeats say so', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .send('/fav 3')
      .expectText('Saved Family 1 to your favorites ❤')
      .send('/fav 3')
      .expectText('Family 1 is already in your favorites.')
      .check(() => expect(h.repos.totalRows('favorites')).toBe(1))
      .send('/unfav 3')
      .expectText('Removed Family 1 from your favorites.')
      .send('/unfav 3')
      .expectText("Family 1 wasn't in your favorites.");
    expect(h.repos.totalRows('favorites')).toBe(0);
  });

  it('GIVEN /favorites was the last list WHEN /unfav 1 THEN the first favorite listed is removed', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .send('/fav 4')
      .send('/favorites')
      .expectCards(['Family 2 (2002)'])
      .send('/unfav 1')
      .expectText('Removed Family 2 from your favorites.');
    expect(h.repos.totalRows('favorites')).toBe(0);
  });

  it('GIVEN a favorites page with one movie was the last list WHEN /rate 2 4 or /fav 2 THEN the reply says the list has one movie, number 1 (never "pick 1 to 1")', async () => {
    const h = harness(happyCatalog().all);
    const oneMovie = 'There\'s no movie number "2" in the last list: it has just one movie, so use 1.';
    await h.talk.as(ana).send('/feel happy').send('/fav 2').send('/favorites').expectCards(['Laugh 2 (1992)']);
    const before = h.snapshot();
    await h.talk.send('/rate 2 4').expectText(oneMovie).send('/fav 2').expectText(oneMovie).send('/unfav 2').expectText(oneMovie);
    expect(h.talk.turns.slice(-3).map(textOf).join('\n')).not.toMatch(/pick 1 to 1/);
    expect(h.snapshot()).toEqual(before);
    // A longer list keeps its range.
    await h.talk.send('/feel happy').send('/rate 9 4').expectText('There\'s no movie number "9" in the last list: pick 1 to 5.');
  });

  it('GIVEN no list yet WHEN /rate 1 5 THEN the user is told to pick a mood first', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/rate 1 5').expectText('There is no list yet: try /feel happy first.');
    expect(h.repos.totalRows('ratings')).toBe(0);
  });

  it('GIVEN free text that names a mood ("I feel 😂") THEN it is treated as /feel', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('I feel 😂').expectText('Movies for when you feel happy').expectCards(5);
  });
});

describe('Double clicks and re-delivered updates', () => {
  it('GIVEN the same ★5 delivered twice THEN there is one rating row', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').tap('★5', { onCard: 1 }).tap('★5', { onCard: 1 }).expectToast('Rated ★5');
    expect(h.repos.totalRows('ratings')).toBe(1);
  });

  it('GIVEN ★3 then ★5 on the same card THEN one row holds 5 and the ack selects ★5', async () => {
    const h = harness(happyCatalog().all);
    await h.talk
      .as(ana)
      .send('/feel happy')
      .tap('★3', { onCard: 1 })
      .tap('★5', { onCard: 1 })
      .check((turn) => expect(turn.ack!.updatedChoices![0]!.filter((choice) => choice.selected).map((choice) => choice.label)).toEqual(['★5']));
    expect(ratingRowsOf(h, ana).map((row) => row.stars)).toEqual([5]);
  });

  it('GIVEN a slow database WHEN 20 identical ★5 taps arrive at once THEN exactly one rating row exists and every tap is acknowledged', async () => {
    const h = harness(happyCatalog().all, { latencyMs: 3 });
    await h.talk.as(ana).send('/feel happy');
    const payload = cardMessages(h.talk.turn)[0]!.choices![0]![4]!.payload;
    const turns = await Promise.all(Array.from({ length: 20 }, () => h.conversation.handle({ kind: 'choice', payload, user: ana })));
    expect(turns.map((turn) => turn.ack?.toast)).toEqual(Array.from({ length: 20 }, () => 'Rated ★5'));
    expect(h.repos.totalRows('ratings')).toBe(1);
    expect(ratingRowsOf(h, ana)).toEqual([{ movieId: movieIdsOf(h.talk.turn)[0], stars: 5 }]);
  });

  it('GIVEN the production rate limit (10 turns per 10 s) WHEN 20 ★5 taps arrive at once THEN still one row, and every tap gets an ack (rated or slow down)', async () => {
    const catalog = happyCatalog();
    const h = harness(catalog.all, { latencyMs: 3, rateLimitTurns: 10 });
    await h.repos.users.findOrCreate(ana); // registered outside the conversation, so the limiter starts at zero
    const payload = encodePayload({ action: 'rate', movieId: catalog.comedy[0]!.id, stars: 5 });
    const turns = await Promise.all(Array.from({ length: 20 }, () => h.conversation.handle({ kind: 'choice', payload, user: ana })));
    const toasts = turns.map((turn) => turn.ack?.toast ?? '');
    expect(toasts.filter((toast) => toast === 'Rated ★5')).toHaveLength(10);
    expect(toasts.filter((toast) => /^Easy there!/.test(toast))).toHaveLength(10);
    expect(h.repos.totalRows('ratings')).toBe(1);
  });

  it('GIVEN a slow database WHEN 20 ❤ taps arrive at once THEN exactly one favorite row exists and every tap is acknowledged', async () => {
    const h = harness(happyCatalog().all, { latencyMs: 3 });
    await h.talk.as(ana).send('/feel happy');
    const payload = cardMessages(h.talk.turn)[1]!.choices![1]![0]!.payload;
    const turns = await Promise.all(Array.from({ length: 20 }, () => h.conversation.handle({ kind: 'choice', payload, user: ana })));
    expect(turns.every((turn) => turn.ack?.toast === copy.favorited())).toBe(true);
    expect(h.repos.totalRows('favorites')).toBe(1);
  });

  it('GIVEN a brand-new user WHEN 5 first messages arrive at once THEN one user and one account are created', async () => {
    const h = harness(happyCatalog().all, { latencyMs: 3 });
    const turns = await Promise.all(['/start', '/feel happy', '/favorites', '/more', '/start'].map((line) => h.conversation.handle(typed(line, ana))));
    expect(turns.every((turn) => turn.messages.length > 0)).toBe(true);
    expect(h.repos.totalRows('users')).toBe(1);
    expect(h.repos.totalRows('platform_accounts')).toBe(1);
  });
});

describe('Bad input gets a clear reply and writes nothing', () => {
  const longText = 'x'.repeat(5000);
  /** Lines that need no session: a brand-new user must not even be registered by them. */
  const sessionless: Array<[string, RegExp]> = [
    ['/feel meh', /^I don't know the mood "meh"\. Pick one of these:$/],
    ['/feel', /^Which mood\? Pick one of these:$/],
    ['/rate 99 9', /"9" isn't a rating: give 1 to 5 stars/],
    ['/rate 1 0', /"0" isn't a rating/],
    ['/rate 1 6', /"6" isn't a rating/],
    ['/rate abc', /^Use \/rate <n> <stars>/],
    ['/rate 1 NaN', /"NaN" isn't a rating/],
    ['/rate 1 4.5', /"4\.5" isn't a rating/],
    ['/rate 1 5 extra', /^Use \/rate <n> <stars>/],
    ['/fav', /^Use \/fav <n>/],
    ['/unfav 1 2', /^Use \/unfav <n>/],
    ['', /^Say something!/],
    ['   ', /^Say something!/],
    [longText, /too long for me/],
    [`/feel ${longText}`, /too long for me/],
    ['🍕🍟', /^I only understand commands and moods/],
    ['أريد فيلماً جيداً', /^I only understand commands and moods/],
    ['אני רוצה סרט טוב', /^I only understand commands and moods/],
    ['/dance', /^I don't know "\/dance"\. Try \/help\.$/],
    ['/DROP TABLE users;', /^I don't know "\/DROP"/],
    ['hello there', /^I only understand commands and moods/],
  ];
  /** Lines that read the session but must not change anything for an existing user. */
  const withSession: Array<[string, RegExp]> = [
    ['/rate 99 5', /no movie number "99" in the last list: pick 1 to 5/],
    ['/rate 0 5', /no movie number "0"/],
    ['/rate -1 5', /no movie number "-1"/],
    ['/fav 6', /no movie number "6"/],
    ['/unfav 1', /wasn't in your favorites/],
  ];

  async function existingUser() {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').expectCards(5);
    return h;
  }

  for (const [line, reply] of [...sessionless, ...withSession]) {
    it(`GIVEN an existing user WHEN they send ${JSON.stringify(line.length > 40 ? `${line.slice(0, 20)}…(${line.length} chars)` : line)} THEN a clear reply and nothing is written`, async () => {
      const h = await existingUser();
      const before = h.snapshot();
      const turn = await h.talk.send(line);
      expect(textOf(turn!)).toMatch(reply);
      expect(h.snapshot()).toEqual(before);
    });
  }

  for (const [line, reply] of sessionless) {
    it(`GIVEN a brand-new user WHEN their first message is ${JSON.stringify(line.length > 40 ? `${line.slice(0, 20)}…(${line.length} chars)` : line)} THEN a clear reply and nothing is written, not even the user`, async () => {
      const h = harness(happyCatalog().all);
      const before = h.snapshot();
      const turn = await h.talk.as(aUser('Newcomer')).send(line);
      expect(textOf(turn!)).toMatch(reply);
      expect(h.snapshot()).toEqual(before);
      expect(h.repos.totalRows('users')).toBe(0);
    });
  }

  it('GIVEN an unknown mood THEN the reply offers the 8 moods as buttons', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel meh').expectChoices('mood');
  });

  const forged: Array<[string, string]> = [
    ['an unknown action', 'f1|z|1'],
    ['a rating of 0', 'f1|r|1|0'],
    ['a rating of 6', 'f1|r|1|6'],
    ['a rating of NaN', 'f1|r|1|NaN'],
    ['a negative rating', 'f1|r|1|-5'],
    ['a fractional rating', 'f1|r|1|4.5'],
    ['65 bytes', `f1|r|1|5|${'9'.repeat(56)}`],
    ['a long movie id', `f1|r|${'1'.repeat(60)}|5`],
    ['JSON', '{"action":"rate","movieId":1,"stars":5}'],
    ['JSON inside', 'f1|r|{"id":1}|5'],
    ['SQL', "f1|r|1;DROP TABLE ratings|5"],
    ['SQL quotes', "f1|r|1' OR '1'='1|5"],
    ['multi-byte padding', `f1|r|1|5${'é'.repeat(30)}`],
    ['emoji padding', `f1|r|1|5${'😀'.repeat(15)}`],
    ['a full-width digit', 'f1|r|１|5'],
    ['a zero-width space', 'f1|r|1|5\u200B'],
    ["another user's id appended", 'f1|r|1|5|2'],
    ['a user field appended', 'f1|r|1|5|u=2'],
    ['version f0', 'f0|r|1|5'],
    ['version f2', 'f2|r|1|5'],
    ['an upper-case version', 'F1|r|1|5'],
    ['the empty string', ''],
    ['a bare separator', '|'],
    ['a trailing separator', 'f1|r|1|5|'],
    ['whitespace around', ' f1|r|1|5 '],
    ['an unknown mood', 'f1|m|meh'],
    ['a mood in capitals', 'f1|m|HAPPY'],
    ['a short forget nonce', 'f1|d|abc'],
    ['an unknown movie', 'f1|r|999999|5'],
    ['movie id 0', 'f1|r|0|5'],
    ['a movie id over 2^31', 'f1|r|2147483648|5'],
  ];

  for (const [what, payload] of forged) {
    it(`GIVEN an existing user WHEN a button payload with ${what} arrives THEN "That button has expired" and nothing is written`, async () => {
      const h = await existingUser();
      const before = h.snapshot();
      await h.talk.press(payload).expectToast(copy.expired()).check((turn) => expect(turn.messages).toEqual([]));
      expect(h.snapshot()).toEqual(before);
    });
  }

  it('GIVEN a brand-new user WHEN any forged payload arrives THEN each is refused and nothing is written, not even the user', async () => {
    const h = harness(happyCatalog().all);
    const before = h.snapshot();
    for (const [, payload] of forged) {
      const turn = await h.conversation.handle({ kind: 'choice', payload, user: aUser('Mallory') });
      expect(turn.ack?.toast, payload).toBe(copy.expired());
    }
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN a payload whose action code is an Object.prototype member ("f1|constructor") THEN "That button has expired", not an error', async () => {
    const h = await existingUser();
    for (const payload of ['f1|constructor', 'f1|__proto__', 'f1|toString|1', 'f1|hasOwnProperty']) {
      await h.talk.press(payload).expectToast(copy.expired());
    }
    expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('GIVEN a brand-new user WHEN a forged forget confirmation or keep button arrives THEN nothing is written', async () => {
    const h = harness(happyCatalog().all);
    const before = h.snapshot();
    await h.talk.as(aUser('Mallory')).press(encodePayload({ action: 'forget', nonce: 'forged123' })).expectToast(copy.forgetExpired());
    await h.talk.as(aUser('Trudy')).press(encodePayload({ action: 'keep' }));
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN unknown input ending in emoji WHEN the reply quotes it THEN the quote never holds half an emoji', async () => {
    const h = harness(happyCatalog().all);
    const pizzas = '🍕'.repeat(30);
    for (const line of [`/feel x${pizzas}`, `/${pizzas}`, `/rate 1 x${pizzas}`, `/rate x${pizzas} 5`, `/fav x${pizzas}`]) {
      const turn = await h.talk.as(ana).send(line);
      expect(hasLoneSurrogate(textOf(turn!)), `${line} → ${textOf(turn!)}`).toBe(false);
    }
  });

  it('GIVEN any reply to text within the limit THEN the turn resolves and never throws', async () => {
    const h = harness(happyCatalog().all);
    const samples = ['\u0000', '\uD800', '/feel \uDFFF', '/rate 1 \u0000', '/feel 😂'.repeat(500), 'a\nb\nc', '/feel\nhappy', '%s%s%n', '${process.exit()}'];
    for (const text of samples) {
      const turn = await h.conversation.handle({ kind: 'text', text, user: ana });
      expect(turn.messages.length + (turn.ack ? 1 : 0)).toBeGreaterThan(0);
    }
  });
});

describe('The acting user always comes from the event', () => {
  it("GIVEN Ana's ★5 button WHEN Bo presses it THEN the rating is Bo's, and Ana has none", async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    const movieId = movieIdsOf(h.talk.turn)[0]!;
    await h.talk.as(bo).tap('★5', { onCard: 1 }).expectToast('Rated ★5');
    expect(ratingRowsOf(h, bo)).toEqual([{ movieId, stars: 5 }]);
    expect(ratingRowsOf(h, ana)).toEqual([]);
  });

  it("GIVEN Ana's ★5 payload with her user id appended WHEN Bo presses it THEN it is refused and nobody's rating changes", async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').as(bo).send('/start');
    const payload = `${cardMessages(h.talk.turns[0]!)[0]!.choices![0]![4]!.payload}|${h.userIdOf(ana)}`;
    const before = h.snapshot();
    await h.talk.as(bo).press(payload).expectToast(copy.expired());
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN the same platform user id on two platforms THEN they are two different users', async () => {
    const h = harness(happyCatalog().all);
    const onTelegram = aUser('Sam', 'telegram', '42');
    const onDiscord = aUser('Sam', 'discord', '42');
    await h.talk.as(onTelegram).send('/feel happy').tap('★5', { onCard: 1 });
    await h.talk.as(onDiscord).send('/start').expectText(/^Hi Sam!/);
    expect(h.userIdOf(onTelegram)).not.toBe(h.userIdOf(onDiscord));
    expect(ratingRowsOf(h, onDiscord)).toEqual([]);
  });
});

describe('Rate limiting', () => {
  it('GIVEN 10 turns within 10 s WHEN an 11th arrives THEN it is told to slow down and writes nothing; after the window it works again', async () => {
    const h = harness(happyCatalog().all, { rateLimitTurns: 10 });
    await h.talk.as(ana).send('/start');
    for (let i = 0; i < 9; i++) await h.talk.send('/help');
    const before = h.snapshot();
    await h.talk.send('/feel happy').expectText("Easy there! You're going a bit fast: try again in 10 s.").expectCards(0);
    expect(h.snapshot()).toEqual(before);

    h.clock.advance(10 * SECOND);
    await h.talk.send('/feel happy').expectCards(5);
  });

  it('GIVEN a user over the limit WHEN they tap a button THEN the slow-down is the toast and nothing is written', async () => {
    const h = harness(happyCatalog().all, { rateLimitTurns: 10 });
    await h.talk.as(ana).send('/feel happy');
    for (let i = 0; i < 9; i++) await h.talk.send('/help');
    const before = h.snapshot();
    await h.talk.tap('★5', { onCard: 1 }).expectToast(/^Easy there!/).check((turn) => expect(turn.messages).toEqual([]));
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN Ana is over the limit WHEN Bo writes THEN Bo is answered normally', async () => {
    const h = harness(happyCatalog().all, { rateLimitTurns: 10 });
    for (let i = 0; i < 11; i++) await h.talk.as(ana).send('/help');
    await h.talk.expectText(/^Easy there!/);
    await h.talk.as(bo).send('/help').expectText(/^Feelms recommends movies by mood\./);
  });

  it('GIVEN rateLimitExempt for the console WHEN 30 console turns arrive at once THEN none is slowed, while a Telegram user still is', async () => {
    const h = harness(happyCatalog().all, { rateLimitTurns: 10, rateLimitExempt: (user) => user.platform === 'console' });
    const operator = aUser('op', 'console');
    for (let i = 0; i < 30; i++) await h.talk.as(operator).send('/help').expectText(/^Feelms recommends/);
    for (let i = 0; i < 10; i++) await h.talk.as(ana).send('/help');
    await h.talk.as(ana).send('/help').expectText(/^Easy there!/);
  });
});

describe('Failures', () => {
  it('GIVEN the database goes down WHEN a user types or taps THEN they are told it is temporarily unavailable, nothing throws, and it recovers when the database is back', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    h.repos.goOffline();
    await h.talk.send('/feel happy').expectText(copy.unavailable()).expectCards(0);
    await h.talk.tap('★5', { onCard: 1 }).expectToast(copy.unavailable());
    await h.talk.send('/favorites').expectText(/temporarily unavailable/);
    await h.talk.as(bo).send('/start').expectText(/temporarily unavailable/);
    await h.talk.as(ana).send('/help').expectText(/^Feelms recommends/); // needs no database
    expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);

    h.repos.goOnline();
    await h.talk.as(ana).send('/feel happy').expectCards(5).tap('★5', { onCard: 1 }).expectToast('Rated ★5');
  });

  it('GIVEN a scorer that throws WHEN a user with ratings asks for a mood THEN the page still comes, ranked by the prior, without scores', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy').tap('★5', { onCard: 3 });
    h.scorer.failWith(new Error('model exploded'));
    h.clock.advance(8 * DAY);
    await h.talk
      .send('/feel happy')
      .expectCards(['Laugh 1 (1991)', 'Laugh 2 (1992)', 'Family 2 (2002)', 'Family 3 (2003)', 'Cartoon 1 (2011)'])
      .check((turn) => {
        for (const message of cardMessages(turn)) expect(message.card!.scores).toBeNull();
        expect(cardMessages(turn)[2]!.card!.reason).toBe('Because you loved Family 1');
      });
    expect(h.logger.entries.some((entry) => entry.level === 'warn' && /scoring failed/.test(entry.message))).toBe(true);
  });

  it('GIVEN an unexpected error WHEN a typed turn fails THEN the reply carries a reference id that is logged with the error, and the next turn works', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/start');
    vi.spyOn(h.repos.states, 'load').mockRejectedValueOnce(new Error('disk on fire'));
    await h.talk.send('/feel happy').expectText(/^Something went wrong on our side\. Please try again\. \(ref \w+\)$/);
    const reference = /\(ref (\w+)\)/.exec(textOf(h.talk.turn))![1];
    const errors = h.logger.entries.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.fields['turnId']).toBe(reference);
    expect(String(errors[0]!.fields['err'])).toMatch(/disk on fire/);

    await h.talk.send('/feel happy').expectCards(5);
  });

  it('GIVEN an unexpected error WHEN a button press fails THEN the toast and a private message carry the reference id', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    vi.spyOn(h.repos.ratings, 'rate').mockRejectedValueOnce(new TypeError('driver bug'));
    await h.talk
      .tap('★5', { onCard: 1 })
      .expectToast(/\(ref \w+\)$/)
      .check((turn) => {
        expect(turn.messages).toHaveLength(1);
        expect(turn.messages[0]!.ephemeral).toBe(true);
        expect(turn.messages[0]!.text).toBe(turn.ack!.toast);
      });
    await h.talk.tap('★5', { onCard: 1 }).expectToast('Rated ★5');
  });

  it('GIVEN a database timeout mid-turn (StorageUnavailableError from a write) THEN "temporarily unavailable", logged as a warning, not an error', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/feel happy');
    vi.spyOn(h.repos.interactions, 'recordShown').mockRejectedValueOnce(new StorageUnavailableError('pool timeout'));
    await h.talk.send('/more').expectText(copy.unavailable());
    expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(h.logger.entries.some((entry) => entry.level === 'warn' && entry.message === 'storage unavailable')).toBe(true);
  });
});

describe('Every mood button works', () => {
  it('GIVEN the mood buttons WHEN each is tapped THEN each answers with its own mood (a list, or "every … movie" when the catalog has none)', async () => {
    const h = harness(happyCatalog().all);
    await h.talk.as(ana).send('/start');
    const start: Turn = h.talk.turn;
    for (const [i, mood] of EMOTIONS.entries()) {
      const choice = start.messages[0]!.choices!.flat()[i]!;
      const turn = await h.talk.press(choice.payload);
      expect(textOf(turn!)).toMatch(new RegExp(`feel ${mood}:|every ${mood} movie`));
    }
  });

  it('GIVEN a Discord-style command Inbound WHEN it carries the mood as args THEN the same list comes back', async () => {
    const h = harness(happyCatalog().all);
    const inbound: Inbound = { kind: 'command', name: 'feel', args: 'Chill', user: aUser('Dee', 'discord') };
    const turn = await h.conversation.handle(inbound);
    expect(textOf(turn)).toMatch(/Movies for when you feel relaxed/);
    expect(cardMessages(turn).length).toBeGreaterThan(0);
  });
});
