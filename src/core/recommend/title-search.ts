/**
 * Finds a catalog movie from what a user types (`/like the matrix`, Discord's `title` autocomplete).
 * Pure and synchronous; the work that does not depend on the query is done once per frozen catalog
 * list (CatalogRepository.allMovies hands out the same list until the catalog reloads) and kept in a
 * WeakMap, so a query over the 9,742 titles of ml-latest-small takes about a millisecond.
 *
 * 1. Normalisation, the same for titles and queries: accents, case, punctuation and "&"/"and" do not
 *    count; a leading article ("The Matrix") or a trailing one ("Matrix, The") is dropped; Roman
 *    numerals II–IX read as digits ("Rocky II" = "rocky 2"). A title is known by its whole form, its
 *    alternative titles in parentheses ("Cité des enfants perdus, La") and its subtitle after ":" or
 *    " - " ("The Empire Strikes Back"); the last two count a little less (× 0.97, × 0.95).
 * 2. A year: "1999", "(1999)" or "'99"/"99" at the end of the query. The query is then read both
 *    ways, with and without the year ("Death Race 2000" is a title), and a movie matched by the
 *    reading with a year must be within a year of it. A two-digit year counts a little less (× 0.97)
 *    than the same title typed whole ("Apollo 13" stays Apollo 13).
 * 3. Candidates: the titles equal to the query, those that start with it, and the best 80 by trigram
 *    overlap (pg_trgm's padded word trigrams), so typos still find their title.
 * 4. Score of a candidate title t for the query q, 0–1, the best of:
 *    - 1 for the same normalised title;
 *    - 1 − d / max(|q|, |t|), with d the Damerau-Levenshtein distance (optimal string alignment:
 *      insertions, deletions, substitutions, adjacent transpositions);
 *    - a prefix score when t is longer: (1 − d(q, t's first |q| characters) / |q|) ×
 *      (0.75 + 0.2 × |q| / |t|), × 0.95 when the cut falls inside a word;
 *    - containment: the share of q's trigrams t holds × (0.5 + 0.3 × |q| / |t|) (q's words inside a
 *      longer title).
 *    Ties go to more IMDb votes, then the newer film, then the lower id.
 * 5. Verdict: the best is a confident match when it scores ≥ 0.8 and 0.1 more than the next movie,
 *    or ≥ 0.65 with no other movie over 0.45 (a unique prefix: "shawshank"), provided it is the
 *    title itself (≥ 0.95), the query has at least 7 characters, or it gave the film's year ("amelie",
 *    one letter from Amelia, is only a suggestion; "the matirx 1999" is The Matrix); otherwise the
 *    best three scoring ≥ 0.45 are "did you mean" suggestions; else none.
 * Queries of more than MAX_TITLE_QUERY_CHARS, or with no letter or digit, are refused unread.
 * @example
 * findTitle(await catalog.allMovies(), 'matrix, the')   // { kind: 'found', movie: The Matrix }
 * findTitle(movies, 'the matirx 1999')                  // { kind: 'found', movie: The Matrix }
 * findTitle(movies, 'star wars')                        // { kind: 'suggestions', movies: [3 Star Wars films] }
 * rankTitles(movies, 'matr', 25)                        // autocomplete: best first, with scores
 */
import type { Movie } from '../domain/movie.ts';

/** Longer queries are refused: no title is that long (the longest in MovieLens is about 160). */
export const MAX_TITLE_QUERY_CHARS = 200;
/** "Did you mean" offers at most this many. */
export const MAX_TITLE_SUGGESTIONS = 3;

const CONFIDENT_SCORE = 0.8;
const CONFIDENT_MARGIN = 0.1;
const SUGGEST_MIN_SCORE = 0.45;
/** Autocomplete lists weaker matches too: the user is still typing. */
const COMPLETE_MIN_SCORE = 0.3;
const TRIGRAM_CANDIDATES = 80;
const PREFIX_CANDIDATES = 120;
const ALTERNATIVE_WEIGHT = 0.97;
/** A part of "Series: Subtitle" stands for the film less than its whole title ("The Godfather" vs "The Godfather: Part II"). */
const SUBTITLE_WEIGHT = 0.88;
const TWO_DIGIT_YEAR_WEIGHT = 0.97;
/** Titles that differ in their numbers are different films ("Toy Story 2" vs "Toy Story 3"). */
const NUMBER_MISMATCH_WEIGHT = 0.85;
/** The same letters with the spaces left out ("walle" for "WALL·E", "toystory"). */
const COMPACT_WEIGHT = 0.97;
/** A single plausible candidate is a match at this score (a unique prefix: "shawshank"). */
const UNIQUE_SCORE = 0.65;
/**
 * Below this score (not the title, give or take punctuation), a query this short is only a
 * suggestion: one edit apart, "amelie" could be a typo for Amelia or a film the catalog lacks.
 */
const SURE_SCORE = 0.95;
const SHORT_QUERY_CHARS = 7;
/** Edit distances are computed on at most this many characters (longer titles are cut). */
const MAX_COMPARED_CHARS = 120;

export type TitleSearchResult =
  | { kind: 'found'; movie: Movie }
  | { kind: 'suggestions'; movies: Movie[] }
  | { kind: 'none' }
  | { kind: 'invalid'; reason: 'empty' | 'tooLong' | 'noLetters' };

export interface RankedTitle {
  movie: Movie;
  /** 0–1, see the module comment. */
  score: number;
}

interface Scored extends RankedTitle {
  /** Length of the normalised reading that gave the score. */
  queryChars: number;
  /** The reading gave a year (and the film is within a year of it). */
  dated: boolean;
}

const LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
const ROMAN: Record<string, string> = { ii: '2', iii: '3', iv: '4', vi: '6', vii: '7', viii: '8', ix: '9' };
const ARTICLES = 'the|a|an|les|la|le|l|il|das|die|der|el|los|las';
const TRAILING_ARTICLE = new RegExp(`^(.*\\S)\\s*,\\s*(${ARTICLES})$`);
const LEADING_ARTICLE = new RegExp(`^(?:${ARTICLES}) (?=\\S)`);

/**
 * A title or a query as compared: "Matrix, The" → "matrix", "L'Avventura" → "avventura",
 * "Amélie" → "amelie", "Rocky II" → "rocky 2", "Face/Off" → "face off". Empty when nothing is left.
 */
export function normalizeTitleText(text: string): string {
  // Most titles are plain ASCII: they skip the Unicode folding (the index normalises ~50,000 forms).
  let out = /^[\x20-\x7e]*$/.test(text)
    ? text.toLowerCase()
    : text
        .normalize('NFKD')
        .replace(/\p{M}+/gu, '')
        .toLowerCase()
        .replace(/[ßæœøłđðþı]/g, (char) => LETTERS[char] ?? char);
  out = out
    .replace(/&/g, ' and ')
    // "l'avventura" → "l avventura" (then an article); "schindler's" → "schindlers"; "l.a." → "la".
    .replace(/(^|[^a-z0-9])l['’‘`]/g, '$1l ')
    .replace(/['’‘`.]/g, '')
    .replace(/[^a-z0-9,]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const trailing = TRAILING_ARTICLE.exec(out);
  if (trailing) out = trailing[1]!;
  out = out.replace(/,/g, ' ').replace(/\s+/g, ' ').trim();
  const stripped = out.replace(LEADING_ARTICLE, '');
  if (stripped !== '') out = stripped;
  return (
    out
      .split(' ')
      .map((word) => ROMAN[word] ?? word)
      .join(' ')
      // "Back to the Future Part II" = "back to the future 2".
      .replace(/(^| )part (?=\d+(?: |$))/g, '$1')
  );
}

/** The forms a title is known by, normalised, each with its weight: whole, alternatives in parentheses, subtitle. */
function titleForms(title: string): Array<{ text: string; weight: number }> {
  const forms = new Map<string, number>();
  const add = (raw: string, weight: number) => {
    const text = normalizeTitleText(raw);
    if (text !== '' && (forms.get(text) ?? 0) < weight) forms.set(text, weight);
  };
  const outside = title.replace(/\([^)]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  add(outside || title, 1);
  if (outside === title) return subtitleForms(outside, forms, add);
  add(title, ALTERNATIVE_WEIGHT);
  for (const match of title.matchAll(/\(([^)]*)\)/g)) {
    const inner = match[1]!.replace(/^\s*a\.?k\.?a\.?\s*/i, '').trim();
    if (inner.length >= 3 && !/^\d{4}$/.test(inner)) add(inner, ALTERNATIVE_WEIGHT);
  }
  return subtitleForms(outside, forms, add);
}

/** Adds the parts of "Series: Subtitle" / "Series - Subtitle" (and the last of several), then lists the forms. */
function subtitleForms(outside: string, forms: Map<string, number>, add: (raw: string, weight: number) => void): Array<{ text: string; weight: number }> {
  const subtitle = /^(.+?)(?::\s+|\s+[-–—]\s+)(.+)$/.exec(outside);
  if (subtitle) {
    add(subtitle[1]!, SUBTITLE_WEIGHT);
    add(subtitle[2]!, SUBTITLE_WEIGHT);
    // "Star Wars: Episode V - The Empire Strikes Back": the last part too.
    add(outside.split(/:\s+|\s+[-–—]\s+/).at(-1)!, SUBTITLE_WEIGHT);
  }
  return [...forms].map(([text, weight]) => ({ text, weight }));
}

/** pg_trgm's trigrams: each word padded with two spaces before and one after. */
function trigrams(text: string): Set<string> {
  const grams = new Set<string>();
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3));
  }
  return grams;
}

/** Everything about a catalog list that does not depend on the query. */
interface TitleIndex {
  movies: readonly Movie[];
  /** Normalised forms, and per form its movie (index into `movies`), weight and trigram count. */
  forms: string[];
  formMovie: Int32Array;
  formWeight: Float32Array;
  formGrams: Int32Array;
  /** Form indices by exact text. */
  exact: Map<string, number[]>;
  /** Form indices sorted by text, for prefix ranges. */
  sorted: Int32Array;
  /** Trigram → the forms that hold it. */
  postings: Map<string, Int32Array>;
  /** Scratch counters, one per form, zero between queries. */
  counts: Int32Array;
}

const indexes = new WeakMap<readonly Movie[], TitleIndex>();

function buildIndex(movies: readonly Movie[]): TitleIndex {
  const forms: string[] = [];
  const formMovie: number[] = [];
  const formWeight: number[] = [];
  const formGrams: number[] = [];
  const exact = new Map<string, number[]>();
  const postingLists = new Map<string, number[]>();
  movies.forEach((movie, m) => {
    for (const { text, weight } of titleForms(movie.title)) {
      const f = forms.length;
      forms.push(text);
      formMovie.push(m);
      formWeight.push(weight);
      const grams = trigrams(text);
      formGrams.push(grams.size);
      for (const gram of grams) {
        const list = postingLists.get(gram);
        if (list) list.push(f);
        else postingLists.set(gram, [f]);
      }
      const same = exact.get(text);
      if (same) same.push(f);
      else exact.set(text, [f]);
    }
  });
  const sorted = Int32Array.from(forms.keys()).sort((a, b) => (forms[a]! < forms[b]! ? -1 : forms[a]! > forms[b]! ? 1 : a - b));
  const postings = new Map<string, Int32Array>();
  for (const [gram, list] of postingLists) postings.set(gram, Int32Array.from(list));
  return {
    movies,
    forms,
    formMovie: Int32Array.from(formMovie),
    formWeight: Float32Array.from(formWeight),
    formGrams: Int32Array.from(formGrams),
    exact,
    sorted,
    postings,
    counts: new Int32Array(forms.length),
  };
}

function indexOf(movies: readonly Movie[]): TitleIndex {
  const cached = indexes.get(movies);
  if (cached) return cached;
  const index = buildIndex(movies);
  // Only a frozen list is known not to change under the cache.
  if (Object.isFrozen(movies)) indexes.set(movies, index);
  return index;
}

/** Builds the index for a catalog list ahead of the first query (e.g. at startup or before a benchmark). */
export function prepareTitleSearch(movies: readonly Movie[]): void {
  indexOf(movies);
}

// Reused rows for the edit distance: the search is synchronous, so one set serves every call.
let rowA = new Int32Array(MAX_COMPARED_CHARS + 2);
let rowB = new Int32Array(MAX_COMPARED_CHARS + 2);
let rowC = new Int32Array(MAX_COMPARED_CHARS + 2);

/** Damerau-Levenshtein distance (optimal string alignment) between a and b. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, MAX_COMPARED_CHARS);
  const m = Math.min(b.length, MAX_COMPARED_CHARS);
  if (n === 0) return m;
  if (m === 0) return n;
  if (rowA.length < m + 1) {
    rowA = new Int32Array(m + 1);
    rowB = new Int32Array(m + 1);
    rowC = new Int32Array(m + 1);
  }
  let twoBack = rowA;
  let previous = rowB;
  let current = rowC;
  for (let j = 0; j <= m; j++) previous[j] = j;
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) best = Math.min(best, twoBack[j - 2]! + 1);
      current[j] = best;
    }
    const spare = twoBack;
    twoBack = previous;
    previous = current;
    current = spare;
  }
  return previous[m]!;
}

interface Reading {
  text: string;
  /** Without spaces. */
  compact: string;
  /** numbersOf(text). */
  numbers: string;
  grams: Set<string>;
  year: number | null;
  weight: number;
}

/** The ways to read a query: whole, and without a year at its end ("… 1999", "… (1999)", "… '99", "… 99"). */
function readingsOf(query: string): Reading[] {
  const readings: Reading[] = [];
  const add = (raw: string, year: number | null, weight: number) => {
    const text = normalizeTitleText(raw);
    if (text === '' || readings.some((r) => r.text === text && r.year === year)) return;
    readings.push({ text, compact: text.replace(/ /g, ''), numbers: numbersOf(text), grams: trigrams(text), year, weight });
  };
  add(query, null, 1);
  const four = /^(.*?)[\s,]*[([]?\s*(\d{4})\s*[)\]]?\s*$/.exec(query);
  if (four && Number(four[2]) >= 1870 && Number(four[2]) <= 2100) add(four[1]!, Number(four[2]), 1);
  const two = /^(.*?\S)\s+['’‘]?(\d{2})$/.exec(query.trim());
  if (two) {
    const yy = Number(two[2]);
    add(two[1]!, yy <= 30 ? 2000 + yy : 1900 + yy, TWO_DIGIT_YEAR_WEIGHT);
  }
  return readings;
}

/** The score of form `f` for a reading (see the module comment), before the form's weight. */
function scoreForm(reading: Reading, form: string, shared: number): number {
  const q = reading.text;
  if (form === q) return 1;
  const ql = q.length;
  const tl = form.length;
  let best = 1 - editDistance(q, form) / Math.max(ql, tl);
  if (tl > ql && ql >= 2) {
    const head = form.slice(0, ql);
    const fuzzy = head === q ? 1 : 1 - editDistance(q, head) / ql;
    const boundary = form.charCodeAt(ql) === 32 ? 1 : 0.95;
    best = Math.max(best, fuzzy * boundary * (0.75 + (0.2 * ql) / tl));
    if (reading.grams.size > 0) best = Math.max(best, (shared / reading.grams.size) * (0.5 + (0.3 * ql) / tl));
  }
  if (reading.compact !== q || form.includes(' ')) {
    const compact = form.replace(/ /g, '');
    best = Math.max(best, (1 - editDistance(reading.compact, compact) / Math.max(reading.compact.length, compact.length)) * COMPACT_WEIGHT);
  }
  if (numbersOf(form) !== reading.numbers) best *= NUMBER_MISMATCH_WEIGHT;
  return Math.max(0, best);
}

/** The number words of a normalised title, as one key: "toy story 2" → "2", "ocean s 11" → "11". */
function numbersOf(text: string): string {
  return text
    .split(' ')
    .filter((word) => /^\d+$/.test(word))
    .join(' ');
}

/** Form indices worth scoring for a reading: equal, starting with it, and the best by shared trigrams. */
function candidatesFor(index: TitleIndex, reading: Reading): Map<number, number> {
  const out = new Map<number, number>();
  const { counts, formGrams, forms, sorted } = index;
  const touched: number[] = [];
  for (const gram of reading.grams) {
    const list = index.postings.get(gram);
    if (!list) continue;
    for (let k = 0; k < list.length; k++) {
      const f = list[k]!;
      if (counts[f] === 0) touched.push(f);
      counts[f]!++;
    }
  }
  // The best TRIGRAM_CANDIDATES by Dice coefficient: a native sort of the values finds the cut.
  const dice = new Float64Array(touched.length);
  for (let k = 0; k < touched.length; k++) dice[k] = (2 * counts[touched[k]!]!) / (reading.grams.size + formGrams[touched[k]!]!);
  const cut = touched.length <= TRIGRAM_CANDIDATES ? 0 : Float64Array.from(dice).sort()[touched.length - TRIGRAM_CANDIDATES]!;
  for (let k = 0; k < touched.length && out.size < TRIGRAM_CANDIDATES; k++) if (dice[k]! >= cut) out.set(touched[k]!, counts[touched[k]!]!);
  for (const f of index.exact.get(reading.text) ?? []) out.set(f, counts[f]!);
  // Prefix range: the first sorted form ≥ the query, then on while they start with it.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (forms[sorted[mid]!]! < reading.text) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < sorted.length && k < lo + PREFIX_CANDIDATES && forms[sorted[k]!]!.startsWith(reading.text); k++) {
    out.set(sorted[k]!, counts[sorted[k]!]!);
  }
  for (const f of touched) counts[f] = 0;
  return out;
}

/** Every candidate movie with its best score over the query's readings, best first. */
function scoreQuery(movies: readonly Movie[], query: string, minScore: number): Scored[] {
  const index = indexOf(movies);
  const best = new Map<number, { score: number; queryChars: number; dated: boolean }>();
  for (const reading of readingsOf(query)) {
    for (const [f, shared] of candidatesFor(index, reading)) {
      const m = index.formMovie[f]!;
      const movie = movies[m]!;
      if (reading.year !== null && (movie.year === null || Math.abs(movie.year - reading.year) > 1)) continue;
      const score = scoreForm(reading, index.forms[f]!, shared) * index.formWeight[f]! * reading.weight;
      if (score >= minScore && score > (best.get(m)?.score ?? -1)) best.set(m, { score, queryChars: reading.text.length, dated: reading.year !== null });
    }
  }
  return [...best]
    .map(([m, entry]) => ({ movie: movies[m]!, ...entry }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.movie.imdbVotes ?? 0) - (a.movie.imdbVotes ?? 0) ||
        (b.movie.year ?? 0) - (a.movie.year ?? 0) ||
        a.movie.id - b.movie.id,
    );
}

/** Why a query cannot be searched, or null when it can. */
export function invalidTitleQuery(query: string): 'empty' | 'tooLong' | 'noLetters' | null {
  if (query.trim() === '') return 'empty';
  if (query.length > MAX_TITLE_QUERY_CHARS * 2 || Array.from(query).length > MAX_TITLE_QUERY_CHARS) return 'tooLong';
  if (normalizeTitleText(query) === '') return 'noLetters';
  return null;
}

/**
 * The movie a user means by `query`: one confident match, up to three "did you mean" suggestions,
 * none, or why the query cannot be a title. The benchmark's `like.p50Ms` calls this on the
 * 9,742-movie catalog.
 */
export function findTitle(movies: readonly Movie[], query: string): TitleSearchResult {
  const invalid = invalidTitleQuery(query);
  if (invalid) return { kind: 'invalid', reason: invalid };
  const ranked = scoreQuery(movies, query, SUGGEST_MIN_SCORE);
  const [first, second] = ranked;
  if (!first) return { kind: 'none' };
  const clear = !second || first.score - second.score >= CONFIDENT_MARGIN - 1e-9;
  const sure = first.score >= SURE_SCORE || first.queryChars >= SHORT_QUERY_CHARS || first.dated;
  if (sure && ((first.score >= CONFIDENT_SCORE && clear) || (first.score >= UNIQUE_SCORE && !second))) return { kind: 'found', movie: first.movie };
  return { kind: 'suggestions', movies: ranked.slice(0, MAX_TITLE_SUGGESTIONS).map((entry) => entry.movie) };
}

/** The best `limit` titles for what is typed so far (autocomplete), best first; none for an unusable query. */
export function rankTitles(movies: readonly Movie[], query: string, limit: number): RankedTitle[] {
  if (invalidTitleQuery(query) !== null || limit <= 0) return [];
  return scoreQuery(movies, query, COMPLETE_MIN_SCORE)
    .slice(0, limit)
    .map(({ movie, score }) => ({ movie, score }));
}
