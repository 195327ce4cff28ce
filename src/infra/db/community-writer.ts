/**
 * Loads a simulated community into the database as platform "sim" users, replacing any earlier
 * simulated users (their rows cascade away), so loading twice never duplicates.
 */
import type { DatabaseConfig } from '../../config.ts';
import type { Community } from '../../community/generate-community.ts';
import { chunks, openBulkConnection, placeholders, type SqlValue } from './bulk.ts';

export const SIMULATED_PLATFORM = 'sim';

export interface CommunityLoadResult {
  users: number;
  interactions: number;
  favorites: number;
  ratings: number;
  /** Rows naming a movie the database does not have (the catalog differs from the one simulated). */
  skippedUnknownMovies: number;
}

export async function loadCommunity(database: DatabaseConfig, community: Community): Promise<CommunityLoadResult> {
  const bulk = await openBulkConnection(database);
  const q = bulk.quote;
  try {
    return await bulk.transaction(async () => {
      const movieRows = await bulk.all(`SELECT ${q('id')}, ${q('source')}, ${q('sourceId')} FROM ${q('movies')}`);
      const movieIdByKey = new Map(movieRows.map((row) => [`${String(row['source'])}:${String(row['sourceId'])}`, Number(row['id'])]));

      await bulk.run(
        `DELETE FROM ${q('users')} WHERE ${q('id')} IN (SELECT ${q('userId')} FROM ${q('platform_accounts')} WHERE ${q('platform')} = ?)`,
        [SIMULATED_PLATFORM],
      );
      const userIdBySimId = new Map<string, number>();
      for (const user of community.users) {
        await bulk.run(`INSERT INTO ${q('users')} (${q('createdAt')}) VALUES (?)`, [user.createdAt]);
        const [row] = await bulk.all(bulk.dialect === 'mysql' ? 'SELECT LAST_INSERT_ID() AS id' : 'SELECT last_insert_rowid() AS id');
        const id = Number(row?.['id']);
        userIdBySimId.set(user.userId, id);
        await bulk.run(
          `INSERT INTO ${q('platform_accounts')} (${q('platform')}, ${q('externalId')}, ${q('displayName')}, ${q('userId')}, ${q('createdAt')}) VALUES (?, ?, ?, ?, ?)`,
          [SIMULATED_PLATFORM, user.userId, `Simulated ${user.segment} user ${user.userId}`, id, user.createdAt],
        );
      }

      let skipped = 0;
      const resolve = (userId: string, movieKey: string): [number, number] | null => {
        const user = userIdBySimId.get(userId);
        const movie = movieIdByKey.get(movieKey);
        if (user === undefined || movie === undefined) {
          skipped++;
          return null;
        }
        return [user, movie];
      };
      const insert = async (table: string, columns: string[], rows: SqlValue[][]) => {
        for (const part of chunks(rows)) {
          await bulk.run(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${placeholders(part.length, columns.length)}`, part.flat());
        }
        return rows.length;
      };
      const interactions = community.interactions.flatMap((i) => {
        const ids = resolve(i.userId, i.movieKey);
        return ids ? [[ids[0], ids[1], i.emotion, i.kind, i.at]] : [];
      });
      const favorites = community.favorites.flatMap((f) => {
        const ids = resolve(f.userId, f.movieKey);
        return ids ? [[ids[0], ids[1], f.at]] : [];
      });
      const ratings = community.ratings.flatMap((r) => {
        const ids = resolve(r.userId, r.movieKey);
        return ids ? [[ids[0], ids[1], r.rating, r.at, r.at]] : [];
      });
      return {
        users: community.users.length,
        interactions: await insert('interactions', ['userId', 'movieId', 'emotion', 'kind', 'at'], interactions),
        favorites: await insert('favorites', ['userId', 'movieId', 'createdAt'], favorites),
        ratings: await insert('ratings', ['userId', 'movieId', 'stars', 'createdAt', 'updatedAt'], ratings),
        skippedUnknownMovies: skipped,
      };
    });
  } finally {
    await bulk.close();
  }
}
