/**
 * The canonical moods Feelms recommends for. Order matters: it is the order moods are offered in.
 * @example
 * isEmotion('happy') // true
 */
export const EMOTIONS = ['happy', 'excited', 'relaxed', 'romantic', 'scared', 'sad', 'thoughtful', 'inspired'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** Moods a user is in when they want to feel good; the simulated community picks these more often. */
export const POSITIVE_EMOTIONS: ReadonlySet<Emotion> = new Set(['happy', 'excited', 'relaxed', 'romantic', 'inspired']);

export function isEmotion(value: string): value is Emotion {
  return (EMOTIONS as readonly string[]).includes(value);
}

/** Emotion → weight in [0, 1]. Absent emotions weigh 0. */
export type EmotionWeights = Partial<Record<Emotion, number>>;
