/**
 * Favorites, one row per (user, movie). add() inserts and reads a P2002 as "already a favorite",
 * which is atomic on both databases; createMany's skipDuplicates is avoided on purpose: SQLite does
 * not support it, and on MySQL it becomes INSERT IGNORE, which also silences foreign-key errors.
 * @example
 * const favorites = new PrismaFavoriteRepository(db.prisma);
 * await favorites.add(userId, movieId); // true, then false on a double click
 */
import type { FavoriteRecord, FavoriteRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { isUniqueViolation, withStorage } from './storage-errors.ts';

export class PrismaFavoriteRepository implements FavoriteRepository {
  constructor(private readonly prisma: PrismaDb) {}

  add(userId: number, movieId: number): Promise<boolean> {
    return withStorage(async () => {
      try {
        await this.prisma.favorite.createMany({ data: [{ userId, movieId }] });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    });
  }

  remove(userId: number, movieId: number): Promise<boolean> {
    return withStorage(async () => (await this.prisma.favorite.deleteMany({ where: { userId, movieId } })).count > 0);
  }

  /** Newest first; favorites added in the same millisecond come highest movie id first. */
  favoritesOf(userId: number): Promise<FavoriteRecord[]> {
    return withStorage(async () => {
      const rows = await this.prisma.favorite.findMany({
        where: { userId },
        select: { movieId: true, createdAt: true },
        orderBy: [{ createdAt: 'desc' }, { movieId: 'desc' }],
      });
      return rows.map((row) => ({ movieId: row.movieId, at: row.createdAt }));
    });
  }
}
