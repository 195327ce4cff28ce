/**
 * The one codec for button payloads (STYLE.md C2). Compact, versioned, validated with zod, at most
 * 64 bytes so the same string is a valid Telegram callback_data and Discord custom_id.
 *
 * Format: `f1|<action>|<arg>|<arg>`, e.g. `f1|r|123|5` (rate movie 123 with 5 stars). A payload
 * never carries a user id: the acting user comes from the platform event.
 * @example
 * const payload = encodePayload({ action: 'rate', movieId: 123, stars: 5 }); // 'f1|r|123|5'
 * decodePayload(payload) // { ok: true, value: { action: 'rate', movieId: 123, stars: 5 } }
 * decodePayload('f0|r|1|5') // { ok: false, reason: 'stale' }
 */
import { z } from 'zod';
import { EMOTIONS } from '../domain/emotions.ts';

export const PAYLOAD_VERSION = 'f1';
export const MAX_PAYLOAD_BYTES = 64;

const movieId = z.coerce.number().int().positive().max(2_147_483_647);
const emotion = z.enum(EMOTIONS);
const page = z.coerce.number().int().min(0).max(10_000);

/** Every action a button can carry. */
export type Action =
  | { action: 'mood'; mood: z.infer<typeof emotion> }
  | { action: 'more'; mood: z.infer<typeof emotion> }
  | { action: 'onboard'; mood: z.infer<typeof emotion> }
  | { action: 'rate'; movieId: number; stars: number }
  | { action: 'fav'; movieId: number; on: boolean }
  | { action: 'dismiss'; movieId: number }
  | { action: 'details'; movieId: number }
  /** 🔁: movies like this one (a new "more like" session). */
  | { action: 'similar'; movieId: number }
  /** ➡ More under a "more like" list: its next page. */
  | { action: 'moreLike'; movieId: number }
  | { action: 'favorites'; page: number }
  | { action: 'forget'; nonce: string }
  | { action: 'keep' };

const CODES = {
  mood: 'm',
  more: 'n',
  onboard: 'o',
  rate: 'r',
  fav: 'f',
  dismiss: 'x',
  details: 'v',
  similar: 's',
  moreLike: 'l',
  favorites: 'p',
  forget: 'd',
  keep: 'k',
} as const satisfies Record<Action['action'], string>;

// Exact shapes per code: anything else (extra fields, wrong types, out-of-range stars) is rejected.
const decoders: Record<string, z.ZodType<Action>> = {
  m: z.tuple([emotion]).transform(([mood]) => ({ action: 'mood' as const, mood })),
  n: z.tuple([emotion]).transform(([mood]) => ({ action: 'more' as const, mood })),
  o: z.tuple([emotion]).transform(([mood]) => ({ action: 'onboard' as const, mood })),
  r: z.tuple([movieId, z.coerce.number().int().min(1).max(5)]).transform(([id, stars]) => ({ action: 'rate' as const, movieId: id, stars })),
  f: z.tuple([movieId, z.enum(['0', '1'])]).transform(([id, on]) => ({ action: 'fav' as const, movieId: id, on: on === '1' })),
  x: z.tuple([movieId]).transform(([id]) => ({ action: 'dismiss' as const, movieId: id })),
  v: z.tuple([movieId]).transform(([id]) => ({ action: 'details' as const, movieId: id })),
  s: z.tuple([movieId]).transform(([id]) => ({ action: 'similar' as const, movieId: id })),
  l: z.tuple([movieId]).transform(([id]) => ({ action: 'moreLike' as const, movieId: id })),
  p: z.tuple([page]).transform(([p]) => ({ action: 'favorites' as const, page: p })),
  d: z.tuple([z.string().regex(/^[A-Za-z0-9]{6,16}$/)]).transform(([nonce]) => ({ action: 'forget' as const, nonce })),
  k: z.tuple([]).transform(() => ({ action: 'keep' as const })),
};

function args(action: Action): Array<string | number> {
  switch (action.action) {
    case 'mood':
    case 'more':
    case 'onboard':
      return [action.mood];
    case 'rate':
      return [action.movieId, action.stars];
    case 'fav':
      return [action.movieId, action.on ? 1 : 0];
    case 'dismiss':
    case 'details':
    case 'similar':
    case 'moreLike':
      return [action.movieId];
    case 'favorites':
      return [action.page];
    case 'forget':
      return [action.nonce];
    case 'keep':
      return [];
  }
}

export function encodePayload(action: Action): string {
  const payload = [PAYLOAD_VERSION, CODES[action.action], ...args(action)].join('|');
  if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) throw new Error(`payload over ${MAX_PAYLOAD_BYTES} bytes: ${payload}`);
  return payload;
}

export type DecodeResult = { ok: true; value: Action } | { ok: false; reason: 'malformed' | 'stale' };

/** Never throws: any input that is not a payload this version wrote is rejected. */
export function decodePayload(raw: unknown): DecodeResult {
  if (typeof raw !== 'string' || raw.length === 0 || Buffer.byteLength(raw, 'utf8') > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'malformed' };
  const [version, code, ...rest] = raw.split('|');
  if (version !== PAYLOAD_VERSION) return { ok: false, reason: /^f\d+$/.test(version ?? '') ? 'stale' : 'malformed' };
  // Own keys only: "constructor" or "__proto__" must not find Object's members.
  const decoder = code !== undefined && Object.hasOwn(decoders, code) ? decoders[code] : undefined;
  if (!decoder) return { ok: false, reason: 'malformed' };
  if (rest.some((part) => !/^[A-Za-z0-9]+$/.test(part))) return { ok: false, reason: 'malformed' };
  const parsed = decoder.safeParse(rest);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  // Canonical form only: z.coerce would read "0x5", "5e0" or "05" as 5. What we did not write, we refuse.
  return encodePayload(parsed.data) === raw ? { ok: true, value: parsed.data } : { ok: false, reason: 'malformed' };
}
