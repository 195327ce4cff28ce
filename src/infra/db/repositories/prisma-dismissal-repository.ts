/**
 * "Not interested" marks, one row per (user, movie). Same insert-then-ignore-P2002 approach as
 * favorites, for the same reasons (see prisma-favorite-repository.ts).
 * @example
 * await new PrismaDismissalRepository(db.prisma).dismiss(userId, movieId);
 */
import type { DismissalRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { isUniqueViolation, withStorage } from './storage-errors.ts';

export class PrismaDismissalRepository implements DismissalRepository {
  constructor(private readonly prisma: PrismaDb) {}

  dismiss(userId: number, movieId: number): Promise<void> {
    return withStorage(async () => {
      try {
        await this.prisma.dismissal.createMany({ data: [{ userId, movieId }] });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    });
  }

  dismissedBy(userId: number): Promise<Set<number>> {
    return withStorage(async () => {
      const rows = await this.prisma.dismissal.findMany({ where: { userId }, select: { movieId: true } });
      return new Set(rows.map((row) => row.movieId));
    });
  }
}
