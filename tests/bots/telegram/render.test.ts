/**
 * The Telegram renderer (pure): core turns → Bot API payloads. A table of hand-made messages with
 * their exact payloads, then every turn the real conversation produces: each callback_data is at
 * most 64 bytes and round-trips through the core codec, and every text is HTML-escaped.
 */
import { describe, expect, it } from 'vitest';
import { decodeCallbackData, encodeCallbackData } from '../../../src/bots/telegram/callback-data.ts';
import {
  commandMenu,
  escapeHtml,
  MAX_MESSAGE_CHARS,
  renderMessage,
  renderMessages,
  renderTapTurn,
  renderToast,
  type OutgoingCall,
} from '../../../src/bots/telegram/render.ts';
import { cardChoices, moodChoices, movieCard, cardLine } from '../../../src/core/conversation/conversation.ts';
import { decodePayload, encodePayload } from '../../../src/core/conversation/payload.ts';
import type { Choice, OutMessage, Turn } from '../../../src/core/conversation/turn.ts';
import type { MovieScore } from '../../../src/core/ports/scorer.ts';
import { copy } from '../../../src/core/copy.ts';
import { COMMAND_NAMES } from '../../../src/core/conversation/turn.ts';
import { happyCatalog, harness } from '../../core/support.ts';
import { aMovie } from '../../fakes/movies.ts';
import { aUser, cardMessages } from '../../helpers/transcript.ts';

const CHAT = 501;
const noPreview = { is_disabled: true } as const;

function card(
  overrides: Parameters<typeof aMovie>[0] = {},
  reason: string | null = 'A comedy pick to lift your mood',
  prediction: Omit<MovieScore, 'movieId'> = { predictedStars: 4.26, favoriteProbability: 0.42, personalized: true },
): OutMessage {
  const movie = aMovie({ id: 42, title: 'Toy Story', year: 1995, genres: ['Animation', 'Comedy'], runtimeMinutes: 81, imdbId: 'tt0114709', ...overrides });
  const c = movieCard(1, movie, { movieId: movie.id, ...prediction }, reason);
  return { text: cardLine(c), card: c, choices: cardChoices(movie.id, { rated: null, favorite: false }) };
}

const CARD_HTML = [
  '<a href="https://www.imdb.com/title/tt0114709/"><b>1. Toy Story (1995)</b></a>',
  'Animation, Comedy · 81 min',
  '★ 4½ for you · medium favorite chance',
  '<i>A comedy pick to lift your mood</i>',
].join('\n');

const CARD_KEYBOARD = {
  inline_keyboard: [
    [1, 2, 3, 4, 5].map((n) => ({ text: `★${n}`, callback_data: `f1|r|42|${n}` })),
    [
      { text: '❤ Favorite', callback_data: 'f1|f|42|1' },
      { text: '🙈 Not for me', callback_data: 'f1|x|42' },
      { text: 'ℹ Details', callback_data: 'f1|v|42' },
      { text: '🔁 Similar', callback_data: 'f1|s|42' },
    ],
  ],
};

describe('renderMessage: the table', () => {
  it.each<[string, OutMessage, OutgoingCall]>([
    [
      'plain text is HTML-escaped, newlines kept',
      { text: 'Tom & Jerry <3\n"quotes" stay' },
      { method: 'sendMessage', payload: { chat_id: CHAT, text: 'Tom &amp; Jerry &lt;3\n"quotes" stay', parse_mode: 'HTML', link_preview_options: noPreview } },
    ],
    [
      'the mood grid: two rows of four buttons',
      { text: copy.pickMood(), choices: moodChoices() },
      {
        method: 'sendMessage',
        payload: {
          chat_id: CHAT,
          text: escapeHtml(copy.pickMood()),
          parse_mode: 'HTML',
          link_preview_options: noPreview,
          reply_markup: {
            inline_keyboard: [
              [
                { text: '😄 Happy', callback_data: 'f1|m|happy' },
                { text: '🤩 Excited', callback_data: 'f1|m|excited' },
                { text: '😌 Relaxed', callback_data: 'f1|m|relaxed' },
                { text: '💕 Romantic', callback_data: 'f1|m|romantic' },
              ],
              [
                { text: '😱 Scared', callback_data: 'f1|m|scared' },
                { text: '😢 Sad', callback_data: 'f1|m|sad' },
                { text: '🤔 Thoughtful', callback_data: 'f1|m|thoughtful' },
                { text: '✨ Inspired', callback_data: 'f1|m|inspired' },
              ],
            ],
          },
        },
      },
    ],
    [
      'a card without a poster: one HTML text message with its two rows of buttons',
      card(),
      { method: 'sendMessage', payload: { chat_id: CHAT, text: CARD_HTML, parse_mode: 'HTML', link_preview_options: noPreview, reply_markup: CARD_KEYBOARD } },
    ],
    [
      'a card with a poster: a photo with the card as caption, and the text form as fallback',
      card({ posterUrl: 'https://img.example/toy.jpg' }),
      {
        method: 'sendPhoto',
        payload: { chat_id: CHAT, photo: 'https://img.example/toy.jpg', caption: CARD_HTML, parse_mode: 'HTML', reply_markup: CARD_KEYBOARD },
        fallback: { method: 'sendMessage', payload: { chat_id: CHAT, text: CARD_HTML, parse_mode: 'HTML', link_preview_options: noPreview, reply_markup: CARD_KEYBOARD } },
      },
    ],
    [
      'a poster URL that is not http(s): no photo',
      card({ posterUrl: 'javascript:alert(1)' }),
      { method: 'sendMessage', payload: { chat_id: CHAT, text: CARD_HTML, parse_mode: 'HTML', link_preview_options: noPreview, reply_markup: CARD_KEYBOARD } },
    ],
    [
      'a hostile title and reason are escaped; no IMDb id → no link',
      card({ title: '<script>alert("x")</script> & co', imdbId: null }, '<b>not bold</b>'),
      {
        method: 'sendMessage',
        payload: {
          chat_id: CHAT,
          text: ['<b>1. &lt;script&gt;alert("x")&lt;/script&gt; &amp; co (1995)</b>', 'Animation, Comedy · 81 min', '★ 4½ for you · medium favorite chance', '<i>&lt;b&gt;not bold&lt;/b&gt;</i>'].join('\n'),
          parse_mode: 'HTML',
          link_preview_options: noPreview,
          reply_markup: CARD_KEYBOARD,
        },
      },
    ],
    [
      'a card without models (popularity): the film\'s IMDb figures, no "for you" figure',
      card({ imdbRating: 8.3, imdbVotes: 950_000 }, 'A comedy pick to lift your mood', { predictedStars: null, favoriteProbability: null, personalized: false }),
      {
        method: 'sendMessage',
        payload: { chat_id: CHAT, text: CARD_HTML.replace('★ 4½ for you · medium favorite chance', 'IMDb 8.3/10 · 950K votes'), parse_mode: 'HTML', link_preview_options: noPreview, reply_markup: CARD_KEYBOARD },
      },
    ],
    [
      'a card for a movie the models never saw: says so, with the film\'s IMDb figures',
      card({ imdbRating: 7.1, imdbVotes: 4_200 }, 'A comedy pick to lift your mood', { predictedStars: null, favoriteProbability: null, personalized: true }),
      {
        method: 'sendMessage',
        payload: {
          chat_id: CHAT,
          text: CARD_HTML.replace('★ 4½ for you · medium favorite chance', 'IMDb 7.1/10 · 4K votes · new to Feelms: no prediction yet'),
          parse_mode: 'HTML',
          link_preview_options: noPreview,
          reply_markup: CARD_KEYBOARD,
        },
      },
    ],
  ])('%s', (_name, message, expected) => {
    expect(renderMessage(message, CHAT)).toEqual(expected);
  });

  it('GIVEN a rated favorite THEN the chosen buttons are marked ✅', () => {
    const call = renderMessage({ text: 'x', choices: cardChoices(42, { rated: 4, favorite: true }) }, CHAT);
    const labels = (call.payload as { reply_markup: { inline_keyboard: Array<Array<{ text: string }>> } }).reply_markup.inline_keyboard.flat().map((b) => b.text);
    expect(labels).toEqual(['★1', '★2', '★3', '✅ ★4', '★5', '✅ 💔 Unfavorite', '🙈 Not for me', 'ℹ Details', '🔁 Similar']);
  });

  it('GIVEN a button whose payload is over 64 bytes THEN it is left out and reported, and the rest are kept', () => {
    const oversized: Choice = { label: 'Too long', payload: 'f1|r|' + '9'.repeat(60) };
    const multibyte: Choice = { label: 'Multi-byte', payload: 'é'.repeat(33) };
    const { calls, problems } = renderMessages([{ text: 'x', choices: [[oversized, { label: 'OK', payload: 'f1|k' }], [multibyte]] }], CHAT);
    expect(calls[0]!.payload.reply_markup).toEqual({ inline_keyboard: [[{ text: 'OK', callback_data: 'f1|k' }]] });
    expect(problems).toEqual([expect.stringMatching(/Too long.*65 bytes/), expect.stringMatching(/Multi-byte.*66 bytes/)]);
  });

  it('GIVEN text over 4,096 characters THEN it is cut to 4,096, an emoji never split', () => {
    const call = renderMessage({ text: '🎬'.repeat(5_000) }, CHAT);
    const text = (call.payload as { text: string }).text;
    expect(Array.from(text)).toHaveLength(MAX_MESSAGE_CHARS);
    expect(text.endsWith('🎬…')).toBe(true);
  });

  it('GIVEN a tap turn THEN the toast is clipped to 200 characters and updatedChoices [] removes the keyboard of the tapped message', () => {
    const rendered = renderTapTurn({ messages: [], ack: { toast: 'x'.repeat(300), updatedChoices: [] } }, CHAT, 77);
    expect(Array.from(rendered.toast)).toHaveLength(200);
    expect(rendered.edit).toEqual({ chat_id: CHAT, message_id: 77, reply_markup: { inline_keyboard: [] } });
    expect(renderTapTurn({ messages: [], ack: { toast: 'Rated ★4', updatedChoices: [] } }, CHAT, undefined).edit).toBeUndefined();
    expect(renderToast(undefined)).toBe('');
  });

  it('GIVEN the core command descriptions THEN the command menu lists every command with the core wording, within Telegram limits', () => {
    const menu = commandMenu();
    expect(menu.map((entry) => entry.command)).toEqual([...COMMAND_NAMES]);
    for (const entry of menu) {
      expect(entry.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(Array.from(entry.description).length).toBeLessThanOrEqual(256);
      expect(entry.description).toBe(copy.commandDescriptions()[entry.command as keyof ReturnType<typeof copy.commandDescriptions>]);
    }
  });
});

describe('the callback_data codec', () => {
  it.each([
    ['f1|r|42|4', 'f1|r|42|4'],
    ['x'.repeat(64), 'x'.repeat(64)],
    ['x'.repeat(65), null],
    ['é'.repeat(32), 'é'.repeat(32)],
    ['é'.repeat(33), null],
    ['', null],
  ])('%s → %s', (data, expected) => {
    expect(encodeCallbackData(data)).toBe(expected);
    expect(decodeCallbackData(data)).toBe(expected);
  });

  it('GIVEN anything but a string THEN decode gives null', () => {
    for (const value of [undefined, null, 42, { data: 'f1|k' }]) expect(decodeCallbackData(value)).toBeNull();
  });
});

/** Every text and caption of a rendered call, and every callback_data. */
function inspect(calls: readonly OutgoingCall[]) {
  const texts = calls.flatMap((call) => (call.method === 'sendPhoto' ? [call.payload.caption, call.fallback.payload.text] : [call.payload.text]));
  const data = calls.flatMap((call) => (call.payload.reply_markup?.inline_keyboard ?? []).flat().map((button) => button.callback_data));
  return { texts, data };
}

describe('every turn the real conversation produces', () => {
  it('GIVEN a session (start, feel, rate, fav, favorites, details, more, forgetme) THEN every callback_data is ≤ 64 bytes and decodes, and every text is escaped HTML', async () => {
    const movies = happyCatalog().all.map((movie, i) => ({ ...movie, title: i === 0 ? 'Laugh <&> "1"' : movie.title, posterUrl: i % 3 === 0 ? `https://img.example/${movie.id}.jpg` : null }));
    const h = harness(movies);
    const user = aUser('Ana <admin>');
    const turns: Turn[] = [];
    const say = async (input: Parameters<typeof h.conversation.handle>[0]) => {
      const turn = await h.conversation.handle(input);
      turns.push(turn);
      return turn;
    };
    await say({ kind: 'command', name: 'start', args: '', user });
    const feel = await say({ kind: 'choice', payload: encodePayload({ action: 'mood', mood: 'happy' }), user });
    const [first, second] = cardMessages(feel).map((m) => m.card!.movieId);
    await say({ kind: 'choice', payload: encodePayload({ action: 'rate', movieId: first!, stars: 4 }), user });
    await say({ kind: 'choice', payload: encodePayload({ action: 'fav', movieId: second!, on: true }), user });
    await say({ kind: 'choice', payload: encodePayload({ action: 'details', movieId: first! }), user });
    await say({ kind: 'command', name: 'favorites', args: '', user });
    await say({ kind: 'command', name: 'more', args: '', user });
    await say({ kind: 'command', name: 'forgetme', args: '', user });
    await say({ kind: 'text', text: '<b>hi</b>', user });

    let buttons = 0;
    for (const turn of turns) {
      const rendered = renderTapTurn(turn, CHAT, 5);
      expect(rendered.problems).toEqual([]);
      const { texts, data } = inspect(rendered.calls);
      const edited = rendered.edit?.reply_markup.inline_keyboard.flat().map((b) => b.callback_data) ?? [];
      for (const callbackData of [...data, ...edited]) {
        buttons++;
        expect(Buffer.byteLength(callbackData, 'utf8')).toBeLessThanOrEqual(64);
        expect(decodePayload(callbackData).ok).toBe(true);
      }
      for (const text of texts) {
        // Only our own tags survive: anything else that looks like markup was escaped.
        expect(text.replace(/<\/?(b|i)>|<a href="[^"<>]*">|<\/a>/g, '')).not.toMatch(/[<>]/);
        expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
      }
    }
    expect(buttons).toBeGreaterThan(40);
    const all = turns.flatMap((turn) => inspect(renderMessages(turn.messages, CHAT).calls).texts).join('\n');
    expect(all).toContain('Laugh &lt;&amp;&gt; "1"');
    expect(all).toContain('Ana &lt;admin&gt;');
  });
});
