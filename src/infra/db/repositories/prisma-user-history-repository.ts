/**
 * A user's history in ONE statement (UNION ALL over ratings, favorites, dismissals and
 * interactions), because /feel needs all of it and five Prisma queries cost five round trips and
 * five query-compiler passes (the turn benchmark's largest CPU cost after scoring). The SQL is
 * portable: backtick identifiers, GROUP_CONCAT and CAST(… AS CHAR) work on MySQL and SQLite alike.
 *
 * The recently shown movies, the longest part (a busy user is shown hundreds a week), come back as
 * one comma-separated list with its count, not a row each: every value a row carries costs the
 * driver and Prisma an allocation or two, and those rows were a third of the turn benchmark's
 * garbage. MySQL cuts GROUP_CONCAT at group_concat_max_len (1,024 bytes by default, ~170 ids;
 * openDatabase raises it to 4 MB per connection), so a list shorter than its count is read again in full.
 */
import type { UserHistory, UserHistoryRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { shownMovieIds } from './prisma-interaction-repository.ts';
import { withStorage } from './storage-errors.ts';

interface HistoryRow {
  k: string;
  movieId: number | bigint;
  v: number | bigint | null;
  at: Date | string | null;
  ids: string | Uint8Array | null;
}

/** DATETIME values come back as Date (MySQL) or text (SQLite: ISO 8601, or "YYYY-MM-DD HH:MM:SS" in UTC). */
export function toDate(value: Date | string | null): Date {
  if (value instanceof Date) return value;
  if (value === null) return new Date(0);
  const text = value.includes('T') ? value : `${value.replace(' ', 'T')}`;
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}

/**
 * The ids of a GROUP_CONCAT list, or null when the list holds fewer than `expected` (the database cut
 * it short). A cut can end inside a number ("12,34" of "12,345"), which the count check also catches.
 */
export function parseIdList(list: string | Uint8Array | null, expected: number): number[] | null {
  if (expected === 0) return [];
  if (list === null) return null;
  const text = typeof list === 'string' ? list : Buffer.from(list).toString('latin1');
  const ids: number[] = [];
  for (const part of text.split(',')) {
    const id = Number(part);
    if (part === '' || !Number.isInteger(id)) return null;
    ids.push(id);
  }
  return ids.length === expected ? ids : null;
}

export class PrismaUserHistoryRepository implements UserHistoryRepository {
  constructor(private readonly prisma: PrismaDb) {}

  historyOf(userId: number, shownSince: Date): Promise<UserHistory> {
    return withStorage(async () => {
      const rows = await this.prisma.$queryRaw<HistoryRow[]>`
        SELECT 'r' AS k, \`movieId\`, \`stars\` AS v, \`updatedAt\` AS at, NULL AS ids FROM \`ratings\` WHERE \`userId\` = ${userId}
        UNION ALL SELECT 'f', \`movieId\`, NULL, \`createdAt\`, NULL FROM \`favorites\` WHERE \`userId\` = ${userId}
        UNION ALL SELECT 'd', \`movieId\`, NULL, NULL, NULL FROM \`dismissals\` WHERE \`userId\` = ${userId}
        UNION ALL SELECT 's', 0, COUNT(DISTINCT \`movieId\`), NULL, GROUP_CONCAT(DISTINCT CAST(\`movieId\` AS CHAR))
          FROM \`interactions\` WHERE \`userId\` = ${userId} AND \`kind\` = 'shown' AND \`at\` >= ${shownSince}
        UNION ALL SELECT CASE WHEN \`kind\` = 'view' THEN 'cv' ELSE 'cs' END, 0, COUNT(*), NULL, NULL FROM \`interactions\` WHERE \`userId\` = ${userId} GROUP BY \`kind\``;
      const history: UserHistory = { ratings: [], favorites: [], dismissed: new Set(), recentlyShown: new Set(), views: 0, shown: 0 };
      for (const row of rows) {
        const movieId = Number(row.movieId);
        switch (row.k) {
          case 'r':
            history.ratings.push({ movieId, stars: Number(row.v), at: toDate(row.at) });
            break;
          case 'f':
            history.favorites.push({ movieId, at: toDate(row.at) });
            break;
          case 'd':
            history.dismissed.add(movieId);
            break;
          case 's': {
            const expected = Number(row.v);
            const ids = parseIdList(row.ids, expected) ?? (await shownMovieIds(this.prisma, userId, shownSince));
            for (const id of ids) history.recentlyShown.add(id);
            break;
          }
          case 'cv':
            history.views += Number(row.v);
            break;
          case 'cs':
            history.shown += Number(row.v);
            break;
        }
      }
      // The same orders as ratingsOf and favoritesOf.
      history.ratings.sort((a, b) => b.at.getTime() - a.at.getTime() || a.movieId - b.movieId);
      history.favorites.sort((a, b) => b.at.getTime() - a.at.getTime() || b.movieId - a.movieId);
      return history;
    });
  }
}
