/**
 * Ratings copied between remakes. vega-datasets gives Casino Royale (1967) the 2006 film's IMDb
 * rating and vote count (8.0 from 172,936 votes), and does the same for 18 other same-titled pairs.
 * Two different films with identical rating *and* vote count are a copy, not a coincidence.
 *
 * The rule, applied by each parser that has IMDb ratings (vega, imdb):
 * - films with the same normalised title (titles.ts), different years and the same non-null
 *   (imdbRating, imdbVotes) form a group;
 * - the pair stays on one film: the one a hand-checked list names (`owners`: normalised title →
 *   year, vega-corrections.json's `ratingOwners`), else the most recent film. IMDb votes pile up
 *   on recent releases, and in vega the remake's values were copied onto the original in 17 of the
 *   19 pairs (checked against IMDb: Crash and Twilight are the two the other way round, hence
 *   the list). Nothing else in the data tells them apart reliably: vega has no IMDb ids, and
 *   fitting the rating to the critic score, or the votes to the gross, each got one of the two
 *   exceptions wrong too;
 * - the other films get the rating and votes cleared (null: "unknown" is better than wrong) and
 *   `copiedRating` set, so the writer also clears the pair from a row stored before this rule
 *   existed. Each is counted in the report's `flagged` bucket and listed in `flaggedRows`.
 * @example
 * flagCopiedRatings(movies, report, new Map([['crash', 1996]]));
 */
import { count, type CatalogMovie, type ImportReport } from './catalog-movie.ts';
import { normalizeTitle } from './titles.ts';

export const COPIED_RATING_REASON = 'IMDb rating and votes identical to a same-titled film of another year: cleared here, kept on the most recent film';
export const COPIED_RATING_LISTED_REASON = 'IMDb rating and votes identical to a same-titled film of another year: cleared here, kept on the film the correction list names';

const MAX_FLAGGED_ROWS = 20;

function label(movie: CatalogMovie): string {
  return `${movie.title} (${movie.year ?? 'year unknown'})`;
}

/** Clears copied rating/vote pairs in place (see the file comment); returns the films cleared. */
export function flagCopiedRatings(movies: CatalogMovie[], report: ImportReport, owners: ReadonlyMap<string, number> = new Map()): CatalogMovie[] {
  const groups = new Map<string, CatalogMovie[]>();
  for (const movie of movies) {
    if (movie.imdbRating === null || movie.imdbVotes === null) continue;
    const key = `${normalizeTitle(movie.title)}\u0000${movie.imdbRating}\u0000${movie.imdbVotes}`;
    const group = groups.get(key);
    if (group) group.push(movie);
    else groups.set(key, [movie]);
  }
  const cleared: CatalogMovie[] = [];
  for (const group of groups.values()) {
    if (new Set(group.map((movie) => movie.year)).size < 2) continue;
    const listedYear = owners.get(normalizeTitle(group[0]!.title));
    const listed = listedYear === undefined ? undefined : group.find((movie) => movie.year === listedYear);
    // Most recent first; an unknown year counts as oldest.
    const keeper = listed ?? [...group].sort((a, b) => (b.year ?? -Infinity) - (a.year ?? -Infinity))[0]!;
    for (const movie of group) {
      if (movie === keeper || movie.year === keeper.year) continue;
      const rating = movie.imdbRating!;
      const votes = movie.imdbVotes!;
      movie.copiedRating = { imdbRating: rating, imdbVotes: votes };
      movie.imdbRating = null;
      movie.imdbVotes = null;
      cleared.push(movie);
      count(report.flagged, listed ? COPIED_RATING_LISTED_REASON : COPIED_RATING_REASON);
      if (report.flaggedRows.length < MAX_FLAGGED_ROWS) {
        report.flaggedRows.push(`${label(movie)}: IMDb ${rating} from ${votes.toLocaleString('en-US')} votes belongs to ${label(keeper)}`);
      }
    }
  }
  return cleared;
}
