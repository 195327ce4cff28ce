/**
 * vega-datasets' movies.json has accented titles that were stored as Latin-1 bytes and read back as
 * Mac Roman: "AmÈlie" for "Amélie", "DÈj‡ Vu" for "Déjà Vu", "2Ω" for "2½". Re-encoding as Mac Roman
 * and decoding as Windows-1252 restores them. Text with none of the tell-tale characters is left alone
 * (so "Alien³" and "Ri¢hie Ri¢h" stay as they are).
 */
/** Mac Roman bytes 0x80–0xFF, in order (0xCA is a no-break space, 0xF0 the Apple logo in the private use area). */
const MAC_ROMAN_HIGH =
  'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ';
if ([...MAC_ROMAN_HIGH].length !== 128) throw new Error('Mac Roman table must have 128 characters');
const byteOf = new Map<string, number>([...MAC_ROMAN_HIGH].map((char, i) => [char, 0x80 + i]));
/** Characters that only appear in such text: Mac Roman letters whose byte means something else in Latin-1. */
const TELL_TALE = /[ÈÍÎËÛÙ‡‰˘·ΩÖÏÌÓÔÒÚ]/;
const windows1252 = new TextDecoder('windows-1252');

export function fixMacRomanMojibake(text: string): string {
  if (!TELL_TALE.test(text)) return text;
  const bytes = [...text].map((char) => byteOf.get(char) ?? (char.charCodeAt(0) < 0x80 ? char.charCodeAt(0) : -1));
  if (bytes.includes(-1)) return text;
  return windows1252.decode(Uint8Array.from(bytes));
}
