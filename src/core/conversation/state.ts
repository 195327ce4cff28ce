/**
 * What the core remembers between turns, per platform account (STYLE.md C3): the last numbered
 * list (so `/rate 2 5` knows movie 2), the current session, a mood's or a "more like" seed's (so
 * `/more` pages on, and a mood's reasons vary from page to page), and a pending /forgetme confirmation. Stored through
 * ConversationStateStore; anything unreadable starts over.
 */
import { z } from 'zod';
import { EMOTIONS } from '../domain/emotions.ts';

const stateSchema = z.object({
  v: z.literal(1),
  /** Movie ids of the last numbered list, in order. */
  list: z.array(z.number().int()).max(50),
  mood: z.enum(EMOTIONS).nullable(),
  /** The seed of a "more like" session (/like, 🔁), or null; a session is a mood's or a seed's, never both. */
  like: z.number().int().positive().nullable().default(null),
  /** Movie ids already shown in this session (excluded from /more). */
  sessionShown: z.array(z.number().int()).max(500),
  page: z.number().int().min(0),
  /** Liked movies the last page of this mood session named as reasons, so the next page names others. */
  cited: z.array(z.number().int()).max(50).default([]),
  forget: z.object({ nonce: z.string(), expiresAt: z.number() }).nullable(),
});

export type ConversationState = z.infer<typeof stateSchema>;

export function initialState(): ConversationState {
  return { v: 1, list: [], mood: null, like: null, sessionShown: [], page: 0, cited: [], forget: null };
}

export function readState(raw: unknown): ConversationState {
  const parsed = stateSchema.safeParse(raw);
  return parsed.success ? parsed.data : initialState();
}
