/**
 * "More like this" in the conversation, as transcripts (STYLE.md C10) on the in-memory repositories
 * and the FakeScorer: `/like <title>` (found, typo'd, with a year, did-you-mean, unknown, empty, huge),
 * the 🔁 button on every card (forged and stale payloads change nothing), ➡ More and /more paging
 * without repeats, and /rate, /fav and ★ on the "more like" list.
 */
import { describe, expect, it } from 'vitest';
import { encodePayload } from '../../src/core/conversation/payload.ts';
import { copy } from '../../src/core/copy.ts';
import { MAX_TITLE_QUERY_CHARS } from '../../src/core/recommend/title-search.ts';
import { FakeScorer } from '../fakes/fake-scorer.ts';
import { aUser, cardMessages, headingsOf, labelsOf, looseChoicesOf, movieIdsOf, textOf } from '../helpers/transcript.ts';
import { film, harness } from './support.ts';

const ana = aUser('Ana');
const bo = aUser('Bo');

/** Fifteen action/sci-fi films (room for three pages), a few others, two films called Casino Royale. */
function sciFiCatalog() {
  const matrix = film('The Matrix', 1999, ['Action', 'Sci-Fi'], { rating: 8.7, votes: 1_500_000 });
  const action = Array.from({ length: 14 }, (_, i) => film(`Robot War ${i + 1}`, 1980 + i, ['Action', 'Sci-Fi'], { rating: 8 - i * 0.1, votes: 900_000 - i * 50_000 }));
  const jurassic = film('Jurassic Park', 1993, ['Adventure', 'Sci-Fi'], { rating: 8.1, votes: 800_000 });
  const casino1967 = film('Casino Royale', 1967, ['Comedy'], { rating: 5.2, votes: 20_000 });
  const casino2006 = film('Casino Royale', 2006, ['Action', 'Thriller'], { rating: 8.0, votes: 600_000 });
  const romance = film('Notting Hill', 1999, ['Comedy', 'Romance'], { rating: 7.1, votes: 300_000 });
  return { matrix, action, jurassic, casino1967, casino2006, romance, all: [matrix, ...action, jurassic, casino1967, casino2006, romance] };
}

describe('/like <title>', () => {
  it('GIVEN a title the catalog has THEN five cards like it, each with ★, ❤, 🙈, ℹ and 🔁, a ➡ More footer, and each recorded as shown', async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk
      .as(ana)
      .send('/like the matrix')
      .expectText(copy.similarIntro('The Matrix (1999)', 0))
      .expectCards(['Robot War 1 (1980)', 'Robot War 2 (1981)', 'Robot War 3 (1982)', 'Robot War 4 (1983)', 'Robot War 5 (1984)'])
      .check((turn) => {
        for (const message of cardMessages(turn)) {
          expect(labelsOf(message.choices)).toEqual(['★1', '★2', '★3', '★4', '★5', '❤ Favorite', '🙈 Not for me', 'ℹ Details', '🔁 Similar']);
          expect(message.card!.reason).toBe('Shares Action and Sci-Fi with The Matrix');
        }
        const footer = turn.messages.at(-1)!;
        expect(footer.card).toBeUndefined();
        expect(footer.choices).toEqual([[{ label: '➡ More', payload: encodePayload({ action: 'moreLike', movieId: movieIdOfTitle(h, 'The Matrix') }), style: 'primary' }]]);
      });
    const rows = h.repos.store.interactions.filter((row) => row.userId === h.userIdOf(ana));
    expect(rows.map((row) => [row.movieId, row.kind, row.emotion])).toEqual(movieIdsOf(h.talk.turn).map((id) => [id, 'shown', null]));
  });

  it('GIVEN the models know the seed (an item model) THEN its picks, each card saying fans of the seed pick it too', async () => {
    const movies = sciFiCatalog();
    const scorer = new FakeScorer({ similar: new Map([[movies.matrix.id, [movies.jurassic.id, movies.romance.id]]]) });
    const h = harness(movies.all, { scorer });
    await h.talk
      .as(ana)
      .send('/like matrix')
      .check((turn) => {
        const cards = cardMessages(turn).map((message) => message.card!);
        expect(cards.slice(0, 2).map((card) => [card.heading, card.reason])).toEqual([
          ['Jurassic Park (1993)', copy.fansAlsoPick('The Matrix')],
          ['Notting Hill (1999)', copy.fansAlsoPick('The Matrix')],
        ]);
        // The model's list ran out: genre neighbours fill the page, and say so.
        expect(cards.slice(2).every((card) => card.reason === 'Shares Action and Sci-Fi with The Matrix')).toBe(true);
      });
  });

  it.each([
    ['a typo', '/like the matirx 1999', 'The Matrix (1999)'],
    ['a typo in a longer title', '/like jurasic prak', 'Jurassic Park (1993)'],
    ['a trailing article', '/like Matrix, The', 'The Matrix (1999)'],
    ['a year', '/like casino royale 2006', 'Casino Royale (2006)'],
    ['a year in parentheses', '/like Casino Royale (1967)', 'Casino Royale (1967)'],
    ['a bot name (a group)', '/like@FeelmsBot THE MATRIX', 'The Matrix (1999)'],
  ])('GIVEN %s (%s) THEN the list for %s', async (_label, line, heading) => {
    const h = harness(sciFiCatalog().all);
    await h.talk
      .as(ana)
      .send(line)
      .expectText(copy.similarIntro(heading, 0))
      .check((turn) => expect(cardMessages(turn).length).toBeGreaterThan(0));
  });

  it('GIVEN a title two films share THEN "did you mean" with each as a button, nothing written; a tap gives its list', async () => {
    const h = harness(sciFiCatalog().all);
    const before = h.snapshot();
    await h.talk
      .as(ana)
      .send('/like casino royale')
      .expectText(copy.didYouMean('casino royale'))
      .expectCards(0)
      .check((turn) => {
        expect(looseChoicesOf(turn).map((choice) => choice.label)).toEqual(['Casino Royale (2006)', 'Casino Royale (1967)']);
        // One suggestion a row, each a 🔁 for its film.
        expect(turn.messages[0]!.choices!.every((row) => row.length === 1)).toBe(true);
      });
    expect(h.snapshot()).toEqual(before);
    expect(h.repos.totalRows('users')).toBe(0);

    await h.talk
      .tap('Casino Royale (1967)')
      .expectText(copy.similarIntro('Casino Royale (1967)', 0))
      .expectToast(copy.similarToast('Casino Royale (1967)'))
      .check((turn) => expect(headingsOf(turn)).toContain('Notting Hill (1999)'));
  });

  it('GIVEN a title the catalog lacks THEN it says so (for the user only), and nothing is written', async () => {
    const h = harness(sciFiCatalog().all);
    const before = h.snapshot();
    await h.talk
      .as(ana)
      .send('/like xyzzy plugh frobnicate')
      .expectText(copy.likeNotFound('xyzzy plugh frobnicate'))
      .check((turn) => expect(turn.messages.every((message) => message.ephemeral)).toBe(true));
    expect(h.snapshot()).toEqual(before);
  });

  it.each([
    ['no title', '/like', copy.likeUsage()],
    ['only spaces', '/like      ', copy.likeUsage()],
    ['only punctuation', '/like ?!.,;', copy.likeNoLetters()],
    ['only emoji', '/like 🎬🍿😀', copy.likeNoLetters()],
    ['a title longer than any', `/like ${'matrix '.repeat(40)}`, copy.likeTooLong(MAX_TITLE_QUERY_CHARS)],
    ['a 5 kB string', `/like ${'x'.repeat(5_000)}`, copy.tooLong(4096)],
  ])('GIVEN %s THEN a clear reply and nothing written', async (_label, line, reply) => {
    const h = harness(sciFiCatalog().all);
    const before = h.snapshot();
    await h.talk.as(ana).send(line).expectText(reply).expectCards(0);
    expect(h.snapshot()).toEqual(before);
  });

  it('GIVEN /help THEN it lists /like', async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk.as(ana).send('/help').expectText(/\/like <title>: movies like one you name/);
  });
});

describe('the 🔁 button and paging', () => {
  it('GIVEN a /feel list WHEN 🔁 is tapped on card 2 THEN a list like that movie, with a toast naming it', async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk.as(ana).send('/feel excited');
    const [, second] = cardMessages(h.talk.turn);
    const heading = second!.card!.heading;
    await h.talk
      .tap('🔁 Similar', { onCard: 2 })
      .expectToast(copy.similarToast(heading))
      .expectText(copy.similarIntro(heading, 0))
      .expectCards(5)
      .check((turn) => expect(headingsOf(turn)).not.toContain(heading));
  });

  it('GIVEN ➡ More and /more THEN the next pages of the same list, never repeating, then "that\'s every movie like"', async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk.as(ana).send('/like the matrix');
    const seen = movieIdsOf(h.talk.turn);
    await h.talk.tap('➡ More').expectText(copy.similarIntro('The Matrix (1999)', 1));
    seen.push(...movieIdsOf(h.talk.turn));
    await h.talk.send('/more').expectText(copy.similarIntro('The Matrix (1999)', 2));
    seen.push(...movieIdsOf(h.talk.turn));
    for (let page = 0; page < 5 && cardMessages(h.talk.turn).length > 0; page++) {
      await h.talk.send('/more');
      seen.push(...movieIdsOf(h.talk.turn));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(movieIdOfTitle(h, 'The Matrix'));
    expect(textOf(h.talk.turn)).toContain(copy.noSimilar('The Matrix (1999)', 1).split(' I have')[0]!);
  });

  it('GIVEN /like then /feel THEN /more continues the mood, not the "more like" list', async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk.as(ana).send('/like the matrix').send('/feel excited').send('/more').expectText(copy.listIntro('excited', 1));
  });

  it('GIVEN a "more like" list THEN /rate, /fav and ★ act on its movies', async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk.as(ana).send('/like the matrix');
    const [first, second, third] = movieIdsOf(h.talk.turn);
    await h.talk
      .send('/rate 2 5')
      .expectText('Rated Robot War 2 ★5')
      .send('/fav 1')
      .expectText('Saved Robot War 1 to your favorites ❤')
      .tap('★3', { onCard: 3 })
      .expectToast('Rated ★3');
    const userId = h.userIdOf(ana)!;
    const ratings = [...h.repos.store.ratings.values()].filter((row) => row.userId === userId).map((row) => [row.movieId, row.stars]);
    expect(ratings.sort()).toEqual([[second, 5], [third, 3]].sort());
    expect([...h.repos.store.favorites.values()].map((row) => row.movieId)).toEqual([first]);
    // A new "more like" list leaves out what was rated and favorited.
    await h.talk.send('/like the matrix');
    expect(movieIdsOf(h.talk.turn)).not.toEqual(expect.arrayContaining([first]));
    expect(movieIdsOf(h.talk.turn).some((id) => [first, second, third].includes(id))).toBe(false);
  });

  it("GIVEN Bo taps 🔁 on Ana's card THEN the list is Bo's (his rows, his state), and Ana's list is unchanged", async () => {
    const h = harness(sciFiCatalog().all);
    await h.talk.as(ana).send('/like the matrix');
    const anaRows = h.repos.rowsFor(h.userIdOf(ana)!);
    await h.talk.as(bo).tap('🔁 Similar', { onCard: 1 }).expectCards(5);
    expect(h.repos.rowsFor(h.userIdOf(ana)!)).toEqual(anaRows);
    expect(h.repos.rowsFor(h.userIdOf(bo)!).interactions).toBe(5);
    await h.talk.as(ana).send('/rate 1 4').expectText('Rated Robot War 1 ★4');
  });

  it.each([
    ['a movie that does not exist', encodePayload({ action: 'similar', movieId: 999_999 })],
    ['a "more" for a movie that does not exist', encodePayload({ action: 'moreLike', movieId: 999_999 })],
    ['an id of 0', 'f1|s|0'],
    ['a non-numeric id', 'f1|s|matrix'],
    ['an extra field', 'f1|s|1|2'],
    ['an old version', 'f0|s|1'],
    ['a leading zero', 'f1|s|01'],
  ])('GIVEN a forged 🔁 payload (%s) THEN "expired", and nothing is written', async (_label, payload) => {
    const h = harness(sciFiCatalog().all);
    const before = h.snapshot();
    await h.talk.as(ana).press(payload).expectToast(copy.expired()).check((turn) => expect(turn.messages).toEqual([]));
    expect(h.snapshot()).toEqual(before);
  });
});

describe('title autocomplete (Conversation.complete)', () => {
  it('GIVEN the start of a title THEN headings as label and value, best first, at most 25, and no user is registered', async () => {
    const h = harness(sciFiCatalog().all);
    const matr = await h.conversation.complete({ command: 'like', option: 'title', text: 'matr', user: ana });
    expect(matr[0]).toEqual({ label: 'The Matrix (1999)', value: 'The Matrix (1999)' });
    const robot = await h.conversation.complete({ command: 'like', option: 'title', text: 'robot', user: ana });
    expect(robot.length).toBeGreaterThan(5);
    expect(robot.length).toBeLessThanOrEqual(25);
    expect(await h.conversation.complete({ command: 'like', option: 'title', text: 'x'.repeat(5000), user: ana })).toEqual([]);
    expect(await h.conversation.complete({ command: 'like', option: 'title', text: '', user: ana })).toEqual([]);
    expect(h.repos.totalRows('users')).toBe(0);
    // What a picked suggestion sends back finds that very film.
    await h.talk.as(ana).send(`/like ${matr[0]!.value}`).expectText(copy.similarIntro('The Matrix (1999)', 0));
  });

  it('GIVEN the database is down THEN no suggestions rather than an error', async () => {
    const h = harness(sciFiCatalog().all);
    h.repos.goOffline();
    expect(await h.conversation.complete({ command: 'like', option: 'title', text: 'matrix', user: ana })).toEqual([]);
  });
});

function movieIdOfTitle(h: ReturnType<typeof harness>, title: string): number {
  return [...h.repos.store.movies.values()].find((movie) => movie.title === title)!.id;
}
