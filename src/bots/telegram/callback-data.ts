/**
 * Telegram's side of the button codec (STYLE.md C2). The core encodes every choice as a compact
 * payload (src/core/conversation/payload.ts); Telegram carries it as `callback_data`, which must be
 * 1–64 BYTES (not characters: "é" is 2 bytes, an emoji 4). Both directions check the limit here, so
 * an oversized button is never sent and an oversized tap never reaches the core.
 * @example
 * encodeCallbackData('f1|r|123|5') // 'f1|r|123|5'
 * decodeCallbackData('x'.repeat(65)) // null
 */

/** Telegram's limit on `callback_data`, in UTF-8 bytes. */
export const MAX_CALLBACK_DATA_BYTES = 64;

export const callbackDataBytes = (data: string): number => Buffer.byteLength(data, 'utf8');

/** The payload as callback_data, or null when Telegram would reject it (empty or over 64 bytes). */
export function encodeCallbackData(payload: string): string | null {
  return payload.length > 0 && callbackDataBytes(payload) <= MAX_CALLBACK_DATA_BYTES ? payload : null;
}

/**
 * The payload a tap carries, or null when it cannot be one of ours (missing, empty, over 64 bytes).
 * What the payload means is the core's business: it validates every field and answers "expired".
 */
export function decodeCallbackData(data: unknown): string | null {
  return typeof data === 'string' ? encodeCallbackData(data) : null;
}
