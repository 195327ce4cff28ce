/**
 * The genre → emotion mapping, loaded from genre-emotions.json and validated once.
 * @example
 * canonicalGenres(['Romantic Comedy']) // { genres: ['Comedy', 'Romance'], unmapped: [] }
 * emotionWeightsForGenres(['Comedy', 'Romance']).happy // 1
 * emotionWeightsForGenres(['Comedy', 'Crime'], 'R').happy // 0.41: a dark genre and an adult certificate damp it
 */
import { z } from 'zod';
import { EMOTIONS, type Emotion, type EmotionWeights } from '../core/domain/emotions.ts';
import mappingFile from './genre-emotions.json' with { type: 'json' };

const weightsSchema = z.partialRecord(z.enum(EMOTIONS), z.number().min(0).max(1));
const mappingSchema = z.object({
  genres: z.record(z.string(), weightsSchema),
  /** Genre → emotion → factor the emotion is multiplied by when the genre is in the mix. */
  damping: z.record(z.string(), weightsSchema),
  /** Certificate → emotion → factor, as for damping. */
  certificates: z.record(z.string(), weightsSchema),
  aliases: z.record(z.string(), z.array(z.string()).min(1)),
  ignored: z.array(z.string()),
});

const mapping = mappingSchema.parse(mappingFile);
for (const [alias, targets] of Object.entries(mapping.aliases)) {
  for (const target of targets) {
    if (!(target in mapping.genres)) throw new Error(`genre-emotions.json: alias "${alias}" points to unknown genre "${target}"`);
  }
}
for (const genre of Object.keys(mapping.damping)) {
  if (!(genre in mapping.genres)) throw new Error(`genre-emotions.json: damping names unknown genre "${genre}"`);
}
const certificateFactors = new Map(Object.entries(mapping.certificates).map(([certificate, factors]) => [certificate.toUpperCase(), factors]));

export const CANONICAL_GENRES: readonly string[] = Object.keys(mapping.genres).sort();

const byLowerName = new Map<string, string[]>();
for (const genre of CANONICAL_GENRES) byLowerName.set(genre.toLowerCase(), [genre]);
for (const [alias, targets] of Object.entries(mapping.aliases)) byLowerName.set(alias.toLowerCase(), targets);
const ignored = new Set(mapping.ignored.map((label) => label.toLowerCase()));

/** Maps source genre labels to canonical genres (order kept, duplicates removed); reports labels it does not know. */
export function canonicalGenres(labels: readonly string[]): { genres: string[]; unmapped: string[] } {
  const genres: string[] = [];
  const unmapped: string[] = [];
  for (const raw of labels) {
    const label = raw.trim();
    if (!label || ignored.has(label.toLowerCase())) continue;
    const targets = byLowerName.get(label.toLowerCase());
    if (!targets) {
      unmapped.push(label);
      continue;
    }
    for (const target of targets) if (!genres.includes(target)) genres.push(target);
  }
  return { genres, unmapped };
}

/**
 * A movie's emotion weights from its whole genre mix and its certificate (genre-emotions.json):
 * the noisy-or of the genres' weights, 1 − Π(1 − w), times the damping factor of every genre in
 * the mix and of the certificate. Rounded to 2 decimals; emotions at 0 are omitted.
 */
export function emotionWeightsForGenres(genres: readonly string[], certificate: string | null = null): EmotionWeights {
  const weights: EmotionWeights = {};
  const certificateDamping = certificate === null ? undefined : certificateFactors.get(certificate.trim().toUpperCase());
  for (const emotion of EMOTIONS) {
    let miss = 1;
    let factor = certificateDamping?.[emotion] ?? 1;
    for (const genre of genres) {
      miss *= 1 - (mapping.genres[genre]?.[emotion] ?? 0);
      factor *= mapping.damping[genre]?.[emotion] ?? 1;
    }
    const weight = Math.round((1 - miss) * factor * 100) / 100;
    if (weight > 0) weights[emotion] = weight;
  }
  return weights;
}

/** The emotions a genre evokes most, strongest first (for "why it fits the mood" lines). */
export function genreWeight(genre: string, emotion: Emotion): number {
  return mapping.genres[genre]?.[emotion] ?? 0;
}
