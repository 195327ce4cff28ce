/**
 * parseMood: what people type when they mean a mood (canonical names, synonyms, emoji), and what
 * must not be mistaken for one.
 */
import { describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../src/core/domain/emotions.ts';
import { MOOD_EMOJI, MOOD_SYNONYMS, parseMood } from '../../src/core/domain/moods.ts';

describe('parseMood', () => {
  it('GIVEN each canonical mood name THEN it is recognised as itself', () => {
    for (const mood of EMOTIONS) expect(parseMood(mood)).toBe(mood);
  });

  it.each([
    ['joyful', 'happy'],
    ['chill', 'relaxed'],
    ['spooky', 'scared'],
    ['date night', 'romantic'],
    ['cozy', 'relaxed'],
    ['tearjerker', 'sad'],
    ['mind-bending', 'thoughtful'],
    ['pumped', 'excited'],
    ['motivated', 'inspired'],
  ] as const)('GIVEN the synonym "%s" THEN it means %s', (word, mood) => {
    expect(parseMood(word)).toBe(mood);
  });

  it('GIVEN every listed synonym and emoji THEN each maps back to its own mood', () => {
    for (const mood of EMOTIONS) {
      for (const word of MOOD_SYNONYMS[mood]) expect(parseMood(word), word).toBe(mood);
      expect(parseMood(MOOD_EMOJI[mood])).toBe(mood);
    }
  });

  it.each([
    ['😂', 'happy'],
    ['❤️', 'romantic'], // U+2764 U+FE0F: the variation selector most keyboards add
    ['❤', 'romantic'],
    ['☹️', 'sad'],
    ['🛋️', 'relaxed'],
    ['💪🏽', 'inspired'], // skin-tone modifier
    ['😂😂😂', 'happy'],
    ['tonight 👻', 'scared'],
  ] as const)('GIVEN the emoji text %s THEN it means %s', (text, mood) => {
    expect(parseMood(text)).toBe(mood);
  });

  it.each(['HAPPY', 'Happy', 'cHiLl', 'DATE NIGHT', '  Spooky  ', 'date   night', 'ｈａｐｐｙ'])('GIVEN "%s" THEN case, spacing and full-width letters do not matter', (text) => {
    expect(parseMood(text)).not.toBeNull();
  });

  it.each([
    ['I feel happy', 'happy'],
    ['i am sad', 'sad'],
    ["I'm excited!", 'excited'],
    ['feeling down', 'sad'],
    ['so chill.', 'relaxed'],
    ['I feel 😂', 'happy'],
  ] as const)('GIVEN the sentence "%s" THEN it means %s', (text, mood) => {
    expect(parseMood(text)).toBe(mood);
  });

  it.each(['not good', 'not happy', "I don't feel happy", 'never joyful', 'good grief', 'unhappyish'])('GIVEN "%s" THEN it is NOT read as a mood (words are not scanned)', (text) => {
    expect(parseMood(text)).toBeNull();
  });

  it.each(['meh', '', '   ', '🍕', '?!', 'happyish', 'ha ppy', '/feel happy', 'هادئ', 'שמח'])('GIVEN the unknown input "%s" THEN null', (text) => {
    expect(parseMood(text)).toBeNull();
  });

  it('GIVEN very long input THEN it answers without trouble: padding is trimmed, long words are unknown, emoji still count', () => {
    expect(parseMood(`happy${' '.repeat(100_000)}`)).toBe('happy');
    expect(parseMood('a'.repeat(100_000))).toBeNull();
    expect(parseMood('😂'.repeat(10_000))).toBe('happy');
    expect(parseMood(`I feel ${'very '.repeat(2000)}happy`)).toBeNull();
  });

  it.each(["I'm feeling happy", 'I feel so happy', 'i am feeling very sad', "I'm so chill"])('GIVEN stacked lead-in words "%s" THEN the mood is still found', (text) => {
    expect(parseMood(text)).not.toBeNull();
  });

  it('GIVEN a typographic apostrophe ("I’m happy") THEN the mood is found', () => {
    expect(parseMood('I’m happy')).toBe('happy');
  });

  it('GIVEN a mood emoji after another emoji ("🍿😂") THEN the mood is found', () => {
    expect(parseMood('🍿😂')).toBe('happy');
  });

  // Emoji are matched as whole grapheme clusters: a ZWJ sequence is one picture, not its parts.
  it.each([
    ['🧑🏿‍🚀', 'astronaut, dark skin tone (contains 🚀)'],
    ['🧑‍🚀', 'astronaut (contains 🚀)'],
    ['❤️‍🔥', 'heart on fire (contains ❤ and 🔥)'],
    ['👨‍❤️‍👨', 'couple with heart (contains ❤)'],
    ['tonight 🧑🏿‍🚀', 'astronaut after a word'],
  ] as const)('GIVEN the emoji sequence %s (%s) THEN it is NOT read as the mood of one of its parts', (text, _what) => {
    expect(parseMood(text)).toBeNull();
  });

  it.each([
    ['🧟‍♀️', 'scared'], // a mood emoji with a gender sign is still that emoji
    ['🙌🏿', 'inspired'], // skin-tone modifier
    ['🧑🏿‍🚀😂', 'happy'], // a mood emoji next to a sequence still counts
  ] as const)('GIVEN %s THEN the whole cluster is a mood emoji: %s', (text, mood) => {
    expect(parseMood(text)).toBe(mood);
  });
});
