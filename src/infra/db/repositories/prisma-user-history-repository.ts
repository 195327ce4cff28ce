/**
 * A user's history in ONE statement (UNION ALL over ratings, favorites, dismissals and
 * interactions), because /feel needs all of it and five Prisma queries cost five round trips and
 * five query-compiler passes (the turn benchmark's largest CPU cost after scoring). The SQL is
 * portable: backtick identifiers work on MySQL and SQLite alike.
 */
import type { UserHistory, UserHistoryRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { withStorage } from './storage-errors.ts';

interface HistoryRow {
  k: string;
  movieId: number | bigint;
  v: number | bigint | null;
  at: Date | string | null;
}

/** DATETIME values come back as Date (MySQL) or text (SQLite: ISO 8601, or "YYYY-MM-DD HH:MM:SS" in UTC). */
export function toDate(value: Date | string | null): Date {
  if (value instanceof Date) return value;
  if (value === null) return new Date(0);
  const text = value.includes('T') ? value : `${value.replace(' ', 'T')}`;
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}

export class PrismaUserHistoryRepository implements UserHistoryRepository {
  constructor(private readonly prisma: PrismaDb) {}

  historyOf(userId: number, shownSince: Date): Promise<UserHistory> {
    return withStorage(async () => {
      const rows = await this.prisma.$queryRaw<HistoryRow[]>`
        SELECT 'r' AS k, \`movieId\`, \`stars\` AS v, \`updatedAt\` AS at FROM \`ratings\` WHERE \`userId\` = ${userId}
        UNION ALL SELECT 'f', \`movieId\`, NULL, \`createdAt\` FROM \`favorites\` WHERE \`userId\` = ${userId}
        UNION ALL SELECT 'd', \`movieId\`, NULL, NULL FROM \`dismissals\` WHERE \`userId\` = ${userId}
        UNION ALL SELECT DISTINCT 's', \`movieId\`, NULL, NULL FROM \`interactions\` WHERE \`userId\` = ${userId} AND \`kind\` = 'shown' AND \`at\` >= ${shownSince}
        UNION ALL SELECT CASE WHEN \`kind\` = 'view' THEN 'cv' ELSE 'cs' END, 0, COUNT(*), NULL FROM \`interactions\` WHERE \`userId\` = ${userId} GROUP BY \`kind\``;
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
          case 's':
            history.recentlyShown.add(movieId);
            break;
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
