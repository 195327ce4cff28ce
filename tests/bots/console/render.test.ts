/**
 * The console renderer (pure): Turn → terminal lines, under the console contract in DESIGN.md:
 * each movie is one line that starts `N. Title (Year)`.
 */
import { describe, expect, it } from 'vitest';
import { renderTurn, terminalSafe } from '../../../src/bots/console/render.ts';
import { cardChoices, cardLine, moodChoices, movieCard } from '../../../src/core/conversation/conversation.ts';
import type { OutMessage, Turn } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { happyCatalog, harness } from '../../core/support.ts';
import { aMovie } from '../../fakes/movies.ts';
import { aUser } from '../../helpers/transcript.ts';

const CARD_LINE = /^\d+\. .+ \(\d{4}\)/;

function cardMessage(index: number, title: string, year: number | null): OutMessage {
  const movie = aMovie({ title, year, genres: ['Comedy'], runtimeMinutes: 90 });
  const card = movieCard(index, movie, { movieId: movie.id, predictedStars: 4.26, favoriteProbability: 0.42, personalized: true }, 'A comedy pick to lift your mood');
  return { text: cardLine(card), card, choices: cardChoices(movie.id, { rated: null, favorite: false }) };
}

describe('renderTurn', () => {
  it('GIVEN a list of cards THEN each card is exactly one line that starts "N. Title (Year)", with its facts, scores and reason', () => {
    const turn: Turn = { messages: [{ text: '😄 Movies for when you feel happy:' }, cardMessage(1, 'Toy Story', 1995), cardMessage(2, 'Up', 2009), { text: copy.listFooter() }] };
    expect(renderTurn(turn)).toEqual([
      '😄 Movies for when you feel happy:',
      '1. Toy Story (1995) · Comedy · 90 min · ★ 4½ for you · medium favorite chance — A comedy pick to lift your mood',
      '2. Up (2009) · Comedy · 90 min · ★ 4½ for you · medium favorite chance — A comedy pick to lift your mood',
      copy.consoleListFooter(),
    ]);
  });

  it("GIVEN a card's buttons THEN they are not printed (a terminal cannot tap them), but the footer's are", () => {
    const footer: OutMessage = { text: copy.listFooter(), choices: [[{ label: copy.moreButton(), payload: 'f1|n|happy' }, { label: copy.rateSomeButton(), payload: 'f1|o|happy' }]] };
    const lines = renderTurn({ messages: [cardMessage(1, 'Toy Story', 1995), footer] });
    expect(lines.join('\n')).not.toMatch(/★1|❤ Favorite|Not for me|ℹ Details/);
    expect(lines).toEqual([expect.stringMatching(/^1\. Toy Story \(1995\)/), copy.consoleListFooter(), '  ➡ More · ⭐ Rate a few']);
  });

  it('GIVEN the mood choices THEN every mood is listed, one row per choice row', () => {
    const lines = renderTurn({ messages: [{ text: copy.pickMood(), choices: moodChoices() }] });
    expect(lines).toEqual([copy.pickMood(), '  😄 Happy · 🤩 Excited · 😌 Relaxed · 💕 Romantic', '  😱 Scared · 😢 Sad · 🤔 Thoughtful · ✨ Inspired']);
  });

  it('GIVEN an ack and nothing else THEN the toast is the only line; GIVEN messages as well THEN the toast is left out', () => {
    expect(renderTurn({ messages: [], ack: { toast: 'Rated ★5', updatedChoices: cardChoices(1, { rated: 5, favorite: false }) } })).toEqual(['Rated ★5']);
    expect(renderTurn({ messages: [{ text: 'Details of Up', ephemeral: true }], ack: { toast: 'Details' } })).toEqual(['Details of Up']);
    expect(renderTurn({ messages: [] })).toEqual([]);
  });

  it('GIVEN multi-line text THEN it becomes several lines, none containing a newline', () => {
    const lines = renderTurn({ messages: [{ text: copy.welcome('Ana'), choices: moodChoices() }] });
    expect(lines.slice(0, 4)).toEqual(copy.welcome('Ana').split('\n'));
    for (const line of lines) expect(line).not.toContain('\n');
  });

  it('GIVEN the real conversation WHEN /feel happy is rendered THEN 5 contract card lines come out, followed by the footer commands', async () => {
    const h = harness(happyCatalog().all);
    const lines = renderTurn(await h.conversation.handle({ kind: 'command', name: 'feel', args: 'happy', user: aUser('Ana', 'console') }));
    const cards = lines.filter((line) => CARD_LINE.test(line));
    expect(cards.map((line) => line.split(' · ')[0])).toEqual(['1. Laugh 1 (1991)', '2. Laugh 2 (1992)', '3. Family 1 (2001)', '4. Family 2 (2002)', '5. Cartoon 1 (2011)']);
    expect(lines.at(-1)).toBe('  ➡ More · ⭐ Rate a few');
    expect(lines).toContain(copy.consoleListFooter());
    expect(lines).not.toContain(copy.listFooter());
  });

  it('GIVEN copy that names things to tap (the list footer, also above the cold-start offer; no favorites yet) THEN the terminal prints its typed-command wording instead', () => {
    const footer = renderTurn({ messages: [{ text: `${copy.listFooter()}\n${copy.coldStartOffer('happy')}` }, { text: copy.noFavorites(), ephemeral: true }] });
    expect(footer).toEqual([copy.consoleListFooter(), copy.coldStartOffer('happy'), copy.consoleNoFavorites()]);
    expect(footer.join('\n')).not.toMatch(/★|❤|🙈|\btap\b/i);
  });

  it('GIVEN the real conversation WHEN /favorites is rendered THEN the favorites are card lines and their unfavorite buttons are not printed', async () => {
    const h = harness(happyCatalog().all);
    const user = aUser('Ana', 'console');
    await h.conversation.handle({ kind: 'command', name: 'feel', args: 'happy', user });
    await h.conversation.handle({ kind: 'command', name: 'fav', args: '2', user });
    const lines = renderTurn(await h.conversation.handle({ kind: 'command', name: 'favorites', args: '', user }));
    expect(lines).toEqual(['Your favorites (1):', '1. Laugh 2 (1992) · Comedy · 95 min']);
  });

  it('GIVEN cards without a prediction (no models; a movie the models never saw) THEN no "for you" figure, the film\'s IMDb figures instead', () => {
    const movie = aMovie({ title: 'Heat', year: 1995, genres: ['Crime'], runtimeMinutes: 170, imdbRating: 8.3, imdbVotes: 1_234_567 });
    const line = (score: Parameters<typeof movieCard>[2]) => renderTurn({ messages: [{ text: cardLine(movieCard(1, movie, score, 'A crime pick to get your heart racing')) }] })[0];
    expect(line({ movieId: movie.id, predictedStars: null, favoriteProbability: null, personalized: false })).toBe(
      '1. Heat (1995) · Crime · 170 min · IMDb 8.3/10 · 1.2M votes — A crime pick to get your heart racing',
    );
    expect(line({ movieId: movie.id, predictedStars: null, favoriteProbability: null, personalized: true })).toBe(
      '1. Heat (1995) · Crime · 170 min · IMDb 8.3/10 · 1.2M votes · new to Feelms: no prediction yet — A crime pick to get your heart racing',
    );
  });

  it('GIVEN a title with a newline in it THEN its card is still one line', () => {
    const lines = renderTurn({ messages: [cardMessage(1, 'Two\nLines', 2001)] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^1\. Two Lines \(2001\)/);
  });

  it('GIVEN text with terminal control sequences (as a user can type them) THEN every line comes out without them', () => {
    const hostile = 'A\x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07title \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x9b31mc1\x07\r\b\x00\x7f end';
    const lines = renderTurn({
      messages: [{ text: `I don't know "${hostile}".`, choices: [[{ label: `Casino ${hostile}`, payload: 'x' }]] }],
    });
    expect(lines).toEqual([`I don't know "Ared title link c1 end".`, '  Casino Ared title link c1 end']);
    expect(renderTurn({ messages: [], ack: { toast: 'Rated \x1b[5m★5' } })).toEqual(['Rated ★5']);
  });
});

describe('terminalSafe', () => {
  it.each([
    ['CSI (colour, clear screen, cursor moves)', '\x1b[1;31mhi\x1b[0m\x1b[2J\x1b[10A', 'hi'],
    ['CSI with private parameters', '\x1b[?1049hx\x1b[?25l', 'x'],
    ['OSC ended by BEL (window title)', 'a\x1b]0;evil\x07b', 'ab'],
    ['OSC ended by ST (hyperlink)', '\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['DCS, PM and APC strings', '\x1bPq#0\x1b\\a\x1b^pm\x1b\\b\x1b_apc\x1b\\c', 'abc'],
    ['two-character escapes (reset, keypad mode)', '\x1bcx\x1b=y\x1b(0z', 'xyz'],
    ['8-bit C1 CSI and OSC', '\x9b2Ja\x9d0;t\x9cb\x85c', 'abc'],
    ['C0 controls: BEL, backspace, carriage return, NUL, vertical tab, DEL', 'a\x07b\bc\rd\x00e\x0bf\x7f', 'abcdef'],
    ['an escape cut short at the end', 'title\x1b[3', 'title'],
    ['an ESC and the character after it (a two-character escape)', 'a\x1bZb', 'ab'],
    ['a lone ESC at the end', 'ab\x1b', 'ab'],
  ] as const)('GIVEN %s THEN they are removed', (_name, text, expected) => {
    expect(terminalSafe(text)).toBe(expected);
  });

  it('GIVEN ordinary text with tabs, emoji, accents and right-to-left letters THEN it is unchanged', () => {
    const text = 'Amélie\t(2001) · ★ 4½ — 🧑🏿‍🚀 ❤️ שמח 「千と千尋」';
    expect(terminalSafe(text)).toBe(text);
  });
});
