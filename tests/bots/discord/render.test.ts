/**
 * The Discord renderer as a table (STYLE.md C10): core turn → Discord payloads, with Discord's
 * limits checked on every row: custom_ids ≤ 100 characters and unique per message, ≤ 5 buttons a
 * row, ≤ 5 rows a message, and the fake Discord's own validator (the one the e2e tests use) finds
 * nothing wrong. Plus the custom_id codec round trip for every choice the core makes.
 */
import { ButtonStyle } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { cardChoices, cardLine, moodChoices, movieCard } from '../../../src/core/conversation/conversation.ts';
import { encodePayload, type Action } from '../../../src/core/conversation/payload.ts';
import type { Choice, MovieCard, OutMessage, Turn } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { EMOTIONS } from '../../../src/core/domain/emotions.ts';
import {
  decodeDiscordCustomId,
  encodeDiscordCustomId,
  RenderError,
  renderCard,
  renderRows,
  renderToast,
  renderTurn,
  type DiscordMessage,
} from '../../../src/bots/discord/render.ts';
import { messageProblems } from '../../fakes/discord/fake-discord.ts';
import { aMovie } from '../../fakes/movies.ts';

const card = (index: number, overrides: Partial<MovieCard> = {}): MovieCard => ({
  ...movieCard(index, aMovie({ posterUrl: `https://img.example.com/${index}.jpg` }), { movieId: index, predictedStars: 4.2, favoriteProbability: 0.4, personalized: true }, 'A comedy pick to lift your mood'),
  ...overrides,
});

const cardMessage = (index: number, overrides: Partial<MovieCard> = {}, extra: Partial<OutMessage> = {}): OutMessage => {
  const c = card(index, overrides);
  return { text: `${index}. ${c.heading}`, card: c, choices: cardChoices(c.movieId, { rated: null, favorite: false }), ...extra };
};

const feelTurn: Turn = {
  messages: [
    { text: copy.listIntro('happy', 0) },
    ...[1, 2, 3, 4, 5].map((i) => cardMessage(i)),
    { text: copy.listFooter(), choices: [[{ label: copy.moreButton(), payload: encodePayload({ action: 'more', mood: 'happy' }), style: 'primary' }]] },
  ],
};

const wideRow: Choice[] = Array.from({ length: 8 }, (_, i) => ({ label: `B${i}`, payload: encodePayload({ action: 'favorites', page: i }) }));
const manyRows: Choice[][] = Array.from({ length: 7 }, (_, r) => [{ label: `R${r}`, payload: encodePayload({ action: 'details', movieId: 100 + r }) }]);

interface Case {
  name: string;
  turn: Turn;
  expect: (messages: DiscordMessage[]) => void;
}

const cases: Case[] = [
  {
    name: '/feel: the intro rides with card 1, each card is its own message with its own buttons, the footer carries ➡ More',
    turn: feelTurn,
    expect: (messages) => {
      expect(messages).toHaveLength(6);
      expect(messages[0]!.content).toBe(copy.listIntro('happy', 0));
      messages.slice(0, 5).forEach((message, i) => {
        expect(message.embeds).toHaveLength(1);
        expect(message.embeds[0]!.title).toMatch(new RegExp(`^${i + 1}\\. `));
        expect(message.components.map((row) => row.components.map((b) => b.label))).toEqual([
          ['★1', '★2', '★3', '★4', '★5'],
          [copy.favButton(false), copy.dismissButton(), copy.detailsButton(), copy.similarButton()],
        ]);
      });
      expect(messages.slice(1, 5).every((m) => m.content === undefined)).toBe(true);
      expect(messages[5]).toMatchObject({ content: escapeForTest(copy.listFooter()), embeds: [] });
      expect(messages[5]!.components[0]!.components[0]).toMatchObject({ label: copy.moreButton(), style: ButtonStyle.Primary, custom_id: 'f1|n|happy' });
      expect(messages.every((m) => !m.ephemeral)).toBe(true);
    },
  },
  {
    name: 'a card: title linked to IMDb, poster thumbnail, facts · scores · reason · overview in the description',
    turn: { messages: [cardMessage(1, { heading: 'Toy Story (1995)', facts: 'Animation, Comedy · 81 min', overview: 'Toys come to life.' })] },
    expect: ([message]) => {
      const embed = message!.embeds[0]!;
      expect(embed.title).toBe('1. Toy Story (1995)');
      expect(embed.url).toMatch(/^https:\/\/www\.imdb\.com\/title\/tt\d+\/$/);
      expect(embed.thumbnail).toEqual({ url: 'https://img.example.com/1.jpg' });
      expect(embed.description).toBe('Animation, Comedy · 81 min\n**★ 4 for you · medium favorite chance**\n*A comedy pick to lift your mood*\nToys come to life.');
    },
  },
  {
    name: 'cards without a prediction: the film\'s IMDb figures (and "new to Feelms" for a movie the models never saw), never a "for you" figure',
    turn: {
      messages: (['popularity', 'unknown'] as const).map((kind, i) => {
        const movie = aMovie({ genres: ['Comedy'], runtimeMinutes: 81, imdbRating: 8.3, imdbVotes: 1_234_567, overview: null });
        const c = movieCard(i + 1, movie, { movieId: movie.id, predictedStars: null, favoriteProbability: null, personalized: kind === 'unknown' }, 'A comedy pick to lift your mood');
        return { text: cardLine(c), card: c, choices: cardChoices(movie.id, { rated: null, favorite: false }) };
      }),
    },
    expect: ([popularity, unknown]) => {
      expect(popularity!.embeds[0]!.description).toBe('Comedy · 81 min\n**IMDb 8.3/10 · 1.2M votes**\n*A comedy pick to lift your mood*');
      expect(unknown!.embeds[0]!.description).toBe('Comedy · 81 min\n**IMDb 8.3/10 · 1.2M votes · new to Feelms: no prediction yet**\n*A comedy pick to lift your mood*');
    },
  },
  {
    name: 'a card without poster or IMDb id, and with markdown in its title: no thumbnail, no link, markdown escaped',
    turn: { messages: [cardMessage(2, { heading: 'Plain *Markdown* _Movie_', posterUrl: null, imdbUrl: null, scores: null, reason: null, overview: null })] },
    expect: ([message]) => {
      const embed = message!.embeds[0]!;
      expect(embed.title).toBe('2. Plain \\*Markdown\\* \\_Movie\\_');
      expect(embed).not.toHaveProperty('thumbnail');
      expect(embed).not.toHaveProperty('url');
    },
  },
  {
    name: 'URLs that are not http(s) are dropped (a catalog is input too)',
    turn: { messages: [cardMessage(3, { posterUrl: 'javascript:alert(1)', imdbUrl: 'not a url' })] },
    expect: ([message]) => {
      expect(message!.embeds[0]).not.toHaveProperty('thumbnail');
      expect(message!.embeds[0]).not.toHaveProperty('url');
    },
  },
  {
    name: 'favorites: every message stays ephemeral, text-only title merged into the first card',
    turn: {
      messages: [
        { text: copy.favoritesTitle(6, 0, 2), ephemeral: true },
        ...[1, 2].map((i) => ({ ...cardMessage(i, { scores: null, reason: null }), ephemeral: true, choices: [[{ label: copy.favButton(true), payload: encodePayload({ action: 'fav', movieId: i, on: false }) }]] })),
        { text: copy.favoritesPageOf(0, 2), ephemeral: true, choices: [[{ label: copy.nextPage(), payload: encodePayload({ action: 'favorites', page: 1 }) }]] },
      ],
    },
    expect: (messages) => {
      expect(messages).toHaveLength(3);
      expect(messages.every((m) => m.ephemeral)).toBe(true);
      expect(messages[0]!.content).toBe(escapeForTest(copy.favoritesTitle(6, 0, 2)));
    },
  },
  {
    name: '"did you mean": one suggestion a row, each a 🔁 button, a 200-character title clipped to the 80-character label',
    turn: {
      messages: [
        {
          text: copy.didYouMean('casino royale'),
          choices: [
            [{ label: 'Casino Royale (2006)', payload: encodePayload({ action: 'similar', movieId: 7 }) }],
            [{ label: 'Casino Royale (1967)', payload: encodePayload({ action: 'similar', movieId: 8 }) }],
            [{ label: `${'Long '.repeat(40)}(1999)`, payload: encodePayload({ action: 'similar', movieId: 9 }) }],
          ],
        },
      ],
    },
    expect: ([message]) => {
      expect(message!.content).toBe(escapeForTest(copy.didYouMean('casino royale')));
      expect(message!.components.map((row) => row.components.map((b) => b.custom_id))).toEqual([['f1|s|7'], ['f1|s|8'], ['f1|s|9']]);
      expect(message!.components[2]!.components[0]!.label!.length).toBeLessThanOrEqual(80);
    },
  },
  {
    name: 'text-only messages with different visibility are not merged',
    turn: { messages: [{ text: 'public words' }, { text: 'private words', ephemeral: true, choices: moodChoices() }] },
    expect: (messages) => {
      expect(messages.map((m) => [m.content, m.ephemeral])).toEqual([
        ['public words', false],
        ['private words', true],
      ]);
    },
  },
  {
    name: 'a row of 8 choices wraps into rows of 5 and 3',
    turn: { messages: [{ text: 'pick', choices: [wideRow] }] },
    expect: ([message]) => expect(message!.components.map((row) => row.components.length)).toEqual([5, 3]),
  },
  {
    name: '7 rows go out as 5 rows plus a continuation message with 2',
    turn: { messages: [{ text: 'lots', choices: manyRows }] },
    expect: (messages) => {
      expect(messages.map((m) => m.components.length)).toEqual([5, 2]);
      expect(messages[1]!.content).toBeUndefined();
    },
  },
  {
    name: 'the same payload twice in one message is sent once (Discord rejects duplicate custom_ids)',
    turn: { messages: [{ text: 'dup', choices: [[{ label: 'a', payload: 'f1|k' }], [{ label: 'b', payload: 'f1|k' }, { label: 'c', payload: 'f1|p|1' }]] }] },
    expect: ([message]) => expect(message!.components.flatMap((r) => r.components.map((b) => b.label))).toEqual(['a', 'c']),
  },
  {
    name: 'over-long text is clipped to Discord limits (content 2,000, title 256, description 4,096, label 80)',
    turn: {
      messages: [
        { text: 'x'.repeat(5000) },
        cardMessage(4, { heading: 'T'.repeat(400), facts: 'f'.repeat(5000), overview: 'o'.repeat(5000) }, { choices: [[{ label: 'L'.repeat(200), payload: 'f1|k' }]] }),
      ],
    },
    expect: ([message]) => {
      expect(message!.content!.length).toBeLessThanOrEqual(2000);
      expect(message!.embeds[0]!.title!.length).toBeLessThanOrEqual(256);
      expect(message!.embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
      expect(message!.components[0]!.components[0]!.label!.length).toBeLessThanOrEqual(80);
    },
  },
  {
    name: 'emoji and right-to-left text survive clipping whole (no half surrogate pairs)',
    turn: { messages: [{ text: `${'😂'.repeat(1500)} مرحبا` }] },
    expect: ([message]) => {
      expect(message!.content!.length).toBeLessThanOrEqual(2000);
      expect(message!.content).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    },
  },
  {
    name: 'a turn with no messages renders nothing',
    turn: { messages: [] },
    expect: (messages) => expect(messages).toEqual([]),
  },
];

/** Core copy with markdown escaped, as the renderer sends it. */
function escapeForTest(text: string): string {
  return renderToast(text).content!;
}

describe('renderTurn: core turn → Discord messages', () => {
  for (const c of cases) {
    it(c.name, () => {
      const messages = renderTurn(c.turn);
      c.expect(messages);
      for (const message of messages) {
        expect(message.components.length).toBeLessThanOrEqual(5);
        const ids = message.components.flatMap((row) => row.components.map((b) => b.custom_id));
        expect(new Set(ids).size).toBe(ids.length);
        for (const row of message.components) {
          expect(row.components.length).toBeGreaterThan(0);
          expect(row.components.length).toBeLessThanOrEqual(5);
          for (const b of row.components) expect(b.custom_id.length).toBeLessThanOrEqual(100);
        }
        expect(messageProblems({ ...message, ...(message.content !== undefined ? { content: message.content } : {}) })).toEqual([]);
      }
    });
  }
});

describe('button rows and toasts', () => {
  it('GIVEN a rated card THEN its ★ button is green (success) and the others grey', () => {
    const [stars] = renderRows(cardChoices(7, { rated: 4, favorite: true }));
    expect(stars!.components.map((b) => b.style)).toEqual([2, 2, 2, ButtonStyle.Success, 2]);
  });

  it('GIVEN updatedChoices [] THEN no rows (the buttons are removed)', () => {
    expect(renderRows([])).toEqual([]);
  });

  it('GIVEN a toast THEN it is an ephemeral text message', () => {
    expect(renderToast(copy.rated(5))).toEqual({ content: 'Rated ★5', embeds: [], components: [], ephemeral: true });
  });

  it('GIVEN a core choice with a payload over 100 characters THEN rendering fails loudly (a core bug, not user input)', () => {
    expect(() => renderTurn({ messages: [{ text: 'x', choices: [[{ label: 'x', payload: 'f1|k|'.padEnd(101, 'a') }]] }] })).toThrow(RenderError);
    expect(() => encodeDiscordCustomId('')).toThrow(RenderError);
  });

  it('renderCard escapes markdown in facts and reason', () => {
    expect(renderCard(card(1, { facts: 'Sci_Fi', reason: 'Because you loved *Alien*', scores: null, overview: null })).description).toBe('Sci\\_Fi\n*Because you loved \\*Alien\\**');
  });
});

describe('custom_id codec (STYLE.md C2)', () => {
  const everyAction: Action[] = [
    ...EMOTIONS.flatMap((mood): Action[] => [
      { action: 'mood', mood },
      { action: 'more', mood },
      { action: 'onboard', mood },
    ]),
    ...[1, 2, 3, 4, 5].map((stars): Action => ({ action: 'rate', movieId: 2_147_483_647, stars })),
    { action: 'fav', movieId: 2_147_483_647, on: true },
    { action: 'fav', movieId: 1, on: false },
    { action: 'dismiss', movieId: 2_147_483_647 },
    { action: 'details', movieId: 2_147_483_647 },
    { action: 'favorites', page: 10_000 },
    { action: 'forget', nonce: 'abcdefghij123456' },
    { action: 'keep' },
  ];

  it('GIVEN every action the core can put on a button THEN it round-trips through custom_id unchanged and within 100 characters', () => {
    for (const action of everyAction) {
      const payload = encodePayload(action);
      const customId = encodeDiscordCustomId(payload);
      expect(customId.length).toBeLessThanOrEqual(100);
      expect(decodeDiscordCustomId(customId)).toBe(payload);
    }
    for (const choice of [...moodChoices().flat(), ...cardChoices(99, { rated: 5, favorite: true }).flat()]) {
      expect(decodeDiscordCustomId(encodeDiscordCustomId(choice.payload))).toBe(choice.payload);
    }
  });

  it.each([
    ['empty', ''],
    ['101 characters', 'f1|k|'.padEnd(101, '1')],
    ['5,000 characters', 'x'.repeat(5000)],
    ['out-of-range stars', 'f1|r|12|9'],
    ['zero stars', 'f1|r|12|0'],
    ['an old version', 'f0|r|12|5'],
    ['an unknown action', 'f1|z|12'],
    ['SQL', "f1|r|1;DROP TABLE ratings|5"],
    ['JSON', '{"action":"rate","movieId":1,"stars":5}'],
    ['a user id smuggled in', 'f1|r|12|5|1200000000000000002'],
    ['not a string', 42],
  ])('GIVEN a custom_id that is %s THEN it is rejected', (_name, customId) => {
    expect(decodeDiscordCustomId(customId)).toBeNull();
  });
});
