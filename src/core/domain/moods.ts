/**
 * What people type when they mean a mood: canonical names, synonyms and emoji, matched
 * case-insensitively.
 * @example
 * parseMood('Chill') // 'relaxed'
 * parseMood('😂')    // 'happy'
 * parseMood('meh')   // null
 */
import { EMOTIONS, type Emotion } from './emotions.ts';

export const MOOD_EMOJI: Record<Emotion, string> = {
  happy: '😄',
  excited: '🤩',
  relaxed: '😌',
  romantic: '💕',
  scared: '😱',
  sad: '😢',
  thoughtful: '🤔',
  inspired: '✨',
};

/** Synonyms and emoji per mood. Every key is lower case; emoji are matched without variation selectors. */
export const MOOD_SYNONYMS: Record<Emotion, readonly string[]> = {
  happy: ['joyful', 'joy', 'cheerful', 'glad', 'funny', 'fun', 'silly', 'upbeat', 'good', 'great', 'lol', 'laugh', 'comedy', '😄', '😂', '🤣', '😊', '🙂', '😁', '😃', '🥳'],
  excited: ['pumped', 'hyped', 'hype', 'thrilled', 'adventurous', 'energetic', 'action', 'adrenaline', '🤩', '🔥', '⚡', '🚀', '💥'],
  relaxed: ['chill', 'chilled', 'calm', 'cozy', 'cosy', 'mellow', 'lazy', 'peaceful', 'tired', 'comfy', '😌', '😴', '🛋', '☕', '🌿'],
  romantic: ['love', 'in love', 'loving', 'romance', 'date', 'date night', 'smitten', '💕', '❤', '😍', '🥰', '💘', '💖', '😘'],
  scared: ['spooky', 'scary', 'creepy', 'afraid', 'fear', 'horror', 'terrified', 'frightened', 'halloween', 'thrill', '😱', '👻', '🎃', '💀', '😨', '🧟'],
  sad: ['down', 'blue', 'melancholy', 'melancholic', 'gloomy', 'heartbroken', 'unhappy', 'depressed', 'cry', 'tearjerker', '😢', '😭', '💔', '😞', '☹'],
  thoughtful: ['pensive', 'reflective', 'curious', 'contemplative', 'deep', 'philosophical', 'smart', 'mind-bending', 'mindbending', 'think', '🤔', '🧠', '📚', '🧐'],
  inspired: ['motivated', 'uplifted', 'hopeful', 'ambitious', 'determined', 'inspiring', 'inspire', 'empowered', '✨', '💪', '🌟', '🏆', '🙌'],
};

const lookup = new Map<string, Emotion>();
for (const emotion of EMOTIONS) {
  lookup.set(emotion, emotion);
  for (const word of MOOD_SYNONYMS[emotion]) lookup.set(normalize(word), emotion);
}

function normalize(text: string): string {
  // NFKC folds full-width letters; U+FE0F (emoji variation selector) is dropped so "❤️" matches "❤".
  // Phone keyboards type ’ for an apostrophe.
  return text.normalize('NFKC').replace(/\uFE0F/g, '').replace(/[’‘`]/g, "'").trim().toLowerCase().replace(/\s+/g, ' ');
}

/** The mood a user meant, or null. Accepts "I feel happy" style leading words too. */
export function parseMood(input: string): Emotion | null {
  const text = normalize(input).slice(0, 64);
  if (!text) return null;
  const direct = lookup.get(text);
  if (direct) return direct;
  const stripped = text.replace(/^(?:(?:i'?m|i am|i feel|im|feeling|feel|so|very|really|kinda|a bit|pretty)\s+)+/, '').replace(/[.!?]+$/, '');
  const again = lookup.get(stripped);
  if (again) return again;
  // Emoji anywhere ("😂😂", "tonight 👻"); words are not scanned, so "not good" never reads as happy.
  for (const token of stripped.split(' ')) {
    if (/\p{L}/u.test(token)) continue;
    const hit = lookup.get(token) ?? emojiMood(token);
    if (hit) return hit;
  }
  return null;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The first mood emoji in `token`, compared a whole grapheme cluster at a time, so a ZWJ sequence
 * is one picture: 🧑🏿‍🚀 (an astronaut) is not 🚀, ❤️‍🔥 is not ❤. A skin tone (💪🏽) or a gender sign
 * (🧟‍♀️) does not change which emoji a cluster is.
 */
function emojiMood(token: string): Emotion | undefined {
  for (const { segment } of graphemes.segment(token)) {
    const mood = lookup.get(segment.replace(/[\u{1F3FB}-\u{1F3FF}]/gu, '').replace(/\u200D[\u2640\u2642]$/u, ''));
    if (mood) return mood;
  }
  return undefined;
}
