/**
 * Title normalisation, for telling that two catalog rows are the same film (the import's title
 * rule, src/infra/db/catalog-writer.ts) or the same title of different years (remakes,
 * copied-ratings.ts). Case, accents, punctuation, "&"/"and" and a leading or trailing article do
 * not count; a title in parentheses is an alternative title.
 * @example
 * normalizeTitle('Matrix, The') === normalizeTitle('the matrix!') // true: "matrix"
 * titleVariants('Celebration, The (Festen)') // ['celebration festen', 'celebration', 'festen']
 */
import { moveTrailingArticle } from './catalog-movie.ts';

const LEADING_ARTICLE = /^(?:(?:the|a|an|les|la|le|il|das|die|der|el|los|las)\s+|l['’]\s*)/;

/** Lower case, no accents or punctuation, no leading article: "L'Avventura" → "avventura", "Amélie" → "amelie". */
export function normalizeTitle(title: string): string {
  const text = moveTrailingArticle(title)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .trim()
    .replace(LEADING_ARTICLE, '')
    .replace(/['’`.]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return text;
}

/**
 * The normalised forms a title is known by: the whole title, the title without its parenthesised
 * parts, and each parenthesised part ("a.k.a." dropped) of at least 3 characters. Two rows whose
 * variants share one have the same title.
 */
export function titleVariants(title: string): string[] {
  const outside = title.replace(/\([^)]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  const alternatives = [...title.matchAll(/\(([^)]*)\)/g)].map((match) => match[1]!.replace(/^\s*a\.?k\.?a\.?\s*/i, '').trim());
  const main = normalizeTitle(outside);
  const others = alternatives.map(normalizeTitle).filter((normalized) => normalized !== '');
  const variants = new Set<string>();
  for (const variant of [[main, ...others].join(' ').trim(), main]) if (variant !== '') variants.add(variant);
  for (const other of others) if (other.length >= 3) variants.add(other);
  return [...variants];
}
