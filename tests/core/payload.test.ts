/**
 * The one button-payload codec (STYLE.md C2, RELIABILITY.md case 6): every action round-trips,
 * every payload fits Telegram's 64-byte callback_data (and so Discord's 100-character custom_id),
 * forged input is rejected, and nothing makes the decoder throw.
 */
import { describe, expect, it } from 'vitest';
import { cardChoices, moodChoices } from '../../src/core/conversation/conversation.ts';
import { decodePayload, encodePayload, MAX_PAYLOAD_BYTES, type Action } from '../../src/core/conversation/payload.ts';
import { EMOTIONS } from '../../src/core/domain/emotions.ts';
import { seededRandom } from '../fakes/in-memory-repositories.ts';

const MAX_MOVIE_ID = 2_147_483_647;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** At least one example of every action, at the edges of every field. */
const EXAMPLES: Action[] = [
  ...EMOTIONS.flatMap((mood): Action[] => [
    { action: 'mood', mood },
    { action: 'more', mood },
    { action: 'onboard', mood },
  ]),
  ...[1, 2, 3, 4, 5].flatMap((stars): Action[] => [
    { action: 'rate', movieId: 1, stars },
    { action: 'rate', movieId: MAX_MOVIE_ID, stars },
  ]),
  { action: 'fav', movieId: 1, on: true },
  { action: 'fav', movieId: MAX_MOVIE_ID, on: false },
  { action: 'dismiss', movieId: 1 },
  { action: 'dismiss', movieId: MAX_MOVIE_ID },
  { action: 'details', movieId: 42 },
  { action: 'details', movieId: MAX_MOVIE_ID },
  { action: 'favorites', page: 0 },
  { action: 'favorites', page: 10_000 },
  { action: 'forget', nonce: 'abc123' },
  { action: 'forget', nonce: 'A1b2C3d4E5f6G7h8' },
  { action: 'keep' },
];

describe('encodePayload / decodePayload', () => {
  it('GIVEN every action at the edges of its fields WHEN encoded and decoded THEN the same action comes back', () => {
    const actions = new Set(EXAMPLES.map((action) => action.action));
    expect([...actions].sort()).toEqual(['details', 'dismiss', 'fav', 'favorites', 'forget', 'keep', 'mood', 'more', 'onboard', 'rate']);
    for (const action of EXAMPLES) expect(decodePayload(encodePayload(action)), JSON.stringify(action)).toEqual({ ok: true, value: action });
  });

  it('GIVEN every action WHEN encoded THEN the payload is versioned, at most 64 bytes, and plain ASCII', () => {
    for (const action of EXAMPLES) {
      const payload = encodePayload(action);
      expect(payload.startsWith('f1|')).toBe(true);
      expect(bytes(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      expect(payload).toMatch(/^[\x21-\x7e]+$/);
    }
    expect(encodePayload({ action: 'rate', movieId: 123, stars: 5 })).toBe('f1|r|123|5');
  });

  it('GIVEN the buttons the core builds (moods, and cards of the largest movie id) THEN each payload fits and decodes', () => {
    const choices = [...moodChoices().flat(), ...cardChoices(MAX_MOVIE_ID, { rated: 5, favorite: true }).flat(), ...cardChoices(1, { rated: null, favorite: false }).flat()];
    expect(choices).toHaveLength(8 + 9 + 9);
    expect(encodePayload({ action: 'similar', movieId: MAX_MOVIE_ID })).toBe(`f1|s|${MAX_MOVIE_ID}`);
    expect(encodePayload({ action: 'moreLike', movieId: MAX_MOVIE_ID })).toBe(`f1|l|${MAX_MOVIE_ID}`);
    for (const choice of choices) {
      expect(bytes(choice.payload)).toBeLessThanOrEqual(64);
      expect(choice.payload.length).toBeLessThanOrEqual(100); // Discord custom_id
      expect(decodePayload(choice.payload).ok).toBe(true);
    }
  });

  it('GIVEN a nonce that would not fit WHEN encoding THEN it refuses instead of writing an oversized payload', () => {
    expect(() => encodePayload({ action: 'forget', nonce: 'a'.repeat(70) })).toThrow(/over 64 bytes/);
  });

  it('GIVEN a payload of an older version THEN it is reported as stale, other garbage as malformed', () => {
    expect(decodePayload('f0|r|1|5')).toEqual({ ok: false, reason: 'stale' });
    expect(decodePayload('f2|r|1|5')).toEqual({ ok: false, reason: 'stale' });
    expect(decodePayload('F1|r|1|5')).toEqual({ ok: false, reason: 'malformed' });
    expect(decodePayload('')).toEqual({ ok: false, reason: 'malformed' });
  });

  const FORGED: Array<[string, unknown]> = [
    ['an unknown action', 'f1|z|1'],
    ['no action', 'f1'],
    ['an empty action', 'f1||1|5'],
    ['a rating of 0', 'f1|r|1|0'],
    ['a rating of 6', 'f1|r|1|6'],
    ['a rating of NaN', 'f1|r|1|NaN'],
    ['a rating of Infinity', 'f1|r|1|Infinity'],
    ['a negative rating', 'f1|r|1|-1'],
    ['a fractional rating', 'f1|r|1|4.5'],
    ['a rating with spaces', 'f1|r|1| 5'],
    ['a missing rating', 'f1|r|1'],
    ['movie id 0', 'f1|r|0|5'],
    ['a movie id over 2^31 − 1', 'f1|r|2147483648|5'],
    ['65 bytes', `f1|r|1|5|${'9'.repeat(56)}`],
    ['a 65-byte movie id', `f1|r|${'1'.repeat(58)}|5`],
    ['10 kB', `f1|r|1|5${'5'.repeat(10_000)}`],
    ['JSON', '{"action":"rate","movieId":1,"stars":5}'],
    ['JSON inside', 'f1|r|{"id":1}|5'],
    ['SQL', 'f1|r|1;DROP TABLE ratings|5'],
    ['SQL quotes', "f1|r|1' OR '1'='1|5"],
    ['multi-byte padding under 64 bytes', 'f1|r|1|5é'],
    ['multi-byte padding over 64 bytes', `f1|r|1|5${'é'.repeat(30)}`],
    ['emoji padding', `f1|r|1|5${'😀'.repeat(15)}`],
    ['a full-width digit', 'f1|r|１|5'],
    ['a zero-width space', 'f1|r|1|5\u200B'],
    ['a NUL byte', 'f1|r|1|5\u0000'],
    ['a lone surrogate', 'f1|r|1|5\uD800'],
    ["another user's id appended", 'f1|r|1|5|2'],
    ['a user field appended', 'f1|r|1|5|user=2'],
    ['a trailing separator', 'f1|r|1|5|'],
    ['whitespace around', ' f1|r|1|5 '],
    ['a newline', 'f1|r|1|5\n'],
    ['an unknown mood', 'f1|m|meh'],
    ['a mood in capitals', 'f1|m|HAPPY'],
    ['fav with a value other than 0/1', 'f1|f|1|2'],
    ['fav with true', 'f1|f|1|true'],
    ['keep with an argument', 'f1|k|1'],
    ['a favorites page over 10000', 'f1|p|10001'],
    ['a nonce too short', 'f1|d|abc12'],
    ['a nonce too long', `f1|d|${'a'.repeat(17)}`],
    ['a nonce with symbols', 'f1|d|abc-123'],
    ['a bare separator', '|'],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { action: 'rate', movieId: 1, stars: 5 }],
    ['an array', ['f1', 'r', '1', '5']],
  ];

  for (const [what, raw] of FORGED) {
    it(`GIVEN ${what} THEN decoding rejects it`, () => {
      const result = decodePayload(raw);
      expect(result.ok, JSON.stringify(result)).toBe(false);
    });
  }

  it('GIVEN a few thousand random strings (seeded) THEN decoding never throws, and whatever it accepts is a valid action that re-encodes within 64 bytes', () => {
    const random = seededRandom(20250301);
    const pieces = ['f1', 'f0', 'f9', '|', '|', '|', 'r', 'f', 'm', 'n', 'o', 'x', 'v', 'p', 'd', 'k', 'z', '1', '5', '0', '6', '42', '2147483647', '99999999999', 'happy', 'sad', 'NaN', '-', '.', ' ', 'é', '😀', '\u0000', '\uD800', '{', '"', "'", ';', '\n'];
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const randomChar = () => String.fromCodePoint(Math.floor(random() * 0x3000));
    const codes = ['r', 'f', 'm', 'n', 'o', 'x', 'v', 'p', 'd', 'k', 'z', 'R', ''];
    const args = ['1', '5', '0', '6', '42', '2147483647', '99999999999', 'happy', 'sad', 'NaN', 'abcdef12', '-1', '4.5', '', 'é', '😀'];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      // Half look like payloads (version | code | args), half are loose pieces and random characters.
      const raw =
        random() < 0.5
          ? [pick(['f1', 'f1', 'f1', 'f0']), pick(codes), ...Array.from({ length: Math.floor(random() * 4) }, () => pick(args))].join('|')
          : Array.from({ length: 1 + Math.floor(random() * 8) }, () => (random() < 0.85 ? pick(pieces) : randomChar())).join('');
      let result: ReturnType<typeof decodePayload> | undefined;
      expect(() => (result = decodePayload(raw)), JSON.stringify(raw)).not.toThrow();
      if (result?.ok) {
        accepted++;
        expect(bytes(encodePayload(result.value))).toBeLessThanOrEqual(64);
        expect(decodePayload(encodePayload(result.value))).toEqual(result);
      }
    }
    // The generator does reach valid payloads, so the acceptance branch above is exercised.
    expect(accepted).toBeGreaterThan(0);
  });

  it('GIVEN an action code naming an Object.prototype member THEN decoding rejects it instead of throwing', () => {
    for (const raw of ['f1|constructor', 'f1|__proto__', 'f1|toString|1', 'f1|hasOwnProperty', 'f1|valueOf|1|5']) {
      expect(decodePayload(raw)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('GIVEN numbers spelt in hex, binary, exponent or with leading zeros THEN decoding rejects them (only canonical payloads pass)', () => {
    for (const raw of ['f1|r|0x5|5', 'f1|r|0b1|5', 'f1|r|1e1|5', 'f1|r|1|5e0', 'f1|r|1|0x5', 'f1|p|1e3', 'f1|r|007|5', 'f1|r|7|05']) {
      expect(decodePayload(raw).ok, raw).toBe(false);
    }
  });
});
