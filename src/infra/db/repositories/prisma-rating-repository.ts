/**
 * Ratings, one row per (user, movie). Prisma's upsert is read-then-write on MySQL and raises P2002
 * when two clicks race, so rate() inserts first and turns a P2002 into an update: both are single
 * statements on both databases, and the primary key decides the race (DESIGN.md, "Rules of the road").
 * @example
 * await new PrismaRatingRepository(db.prisma).rate(userId, movieId, 5); // twice → still one row
 */
import type { RatingRecord, RatingRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { isUniqueViolation, withStorage } from './storage-errors.ts';

/** Rejects anything but 1–5 whole stars, so a forged payload can never store a 7. */
export function assertStars(stars: number): void {
  if (!Number.isInteger(stars) || stars < 1 || stars > 5) throw new RangeError(`stars must be an integer from 1 to 5, got ${String(stars)}`);
}

/** Insert and update can each lose to a concurrent delete (forget); a few rounds settle it. */
const MAX_ATTEMPTS = 3;

export class PrismaRatingRepository implements RatingRepository {
  constructor(private readonly prisma: PrismaDb) {}

  async rate(userId: number, movieId: number, stars: number): Promise<void> {
    // Inside the async function, so a bad value rejects the promise rather than throwing synchronously.
    assertStars(stars);
    return withStorage(async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        try {
          // createMany: a plain INSERT with no read-back, unlike create.
          await this.prisma.rating.createMany({ data: [{ userId, movieId, stars }] });
          return;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
        // The MariaDB connector reports matched rows (foundRows), so an unchanged row still counts 1.
        const { count } = await this.prisma.rating.updateMany({ where: { userId, movieId }, data: { stars } });
        if (count > 0) return;
      }
    });
  }

  ratingsOf(userId: number): Promise<RatingRecord[]> {
    return withStorage(async () => {
      const rows = await this.prisma.rating.findMany({
        where: { userId },
        select: { movieId: true, stars: true, updatedAt: true },
        orderBy: [{ updatedAt: 'desc' }, { movieId: 'asc' }],
      });
      return rows.map((row) => ({ movieId: row.movieId, stars: row.stars, at: row.updatedAt }));
    });
  }
}
