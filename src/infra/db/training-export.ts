/**
 * The bot's own history as training data: every rating, favorite and interaction of real users
 * (simulated "sim" accounts are left out: the bundled community already covers them). Users are
 * keyed `u:<id>`, movies by their catalog key, so the data merges with the bundled set.
 */
import type { Movie } from '../../core/domain/movie.ts';
import type { TrainingData } from '../../ml/training-data.ts';
import type { PrismaDb } from './client.ts';
import { SIMULATED_PLATFORM } from './community-writer.ts';
import { withStorage } from './repositories/storage-errors.ts';

export async function exportTrainingData(prisma: PrismaDb, catalog: readonly Movie[]): Promise<TrainingData> {
  return withStorage(async () => {
    const simulated = await prisma.platformAccount.findMany({ where: { platform: SIMULATED_PLATFORM }, select: { userId: true } });
    const notSimulated = { userId: { notIn: simulated.map((s) => s.userId) } };
    const [ratings, favorites, interactions] = await Promise.all([
      prisma.rating.findMany({ where: notSimulated, select: { userId: true, movieId: true, stars: true, updatedAt: true } }),
      prisma.favorite.findMany({ where: notSimulated, select: { userId: true, movieId: true, createdAt: true } }),
      prisma.interaction.findMany({ where: notSimulated, select: { userId: true, movieId: true, emotion: true, kind: true, at: true } }),
    ]);
    const keyById = new Map(catalog.map((movie) => [movie.id, movie.key]));
    const user = (id: number) => `u:${id}`;
    const known = <T extends { movieId: number }>(rows: T[]) => rows.filter((row) => keyById.has(row.movieId));
    return {
      movies: [...catalog],
      ratings: known(ratings).map((r) => ({ userKey: user(r.userId), movieKey: keyById.get(r.movieId)!, stars: r.stars, at: r.updatedAt })),
      favorites: known(favorites).map((f) => ({ userKey: user(f.userId), movieKey: keyById.get(f.movieId)!, at: f.createdAt })),
      interactions: known(interactions)
        .filter((i) => i.kind === 'view' || i.kind === 'shown')
        .map((i) => ({
          userKey: user(i.userId),
          movieKey: keyById.get(i.movieId)!,
          emotion: (i.emotion as TrainingData['interactions'][number]['emotion']) ?? null,
          kind: i.kind as 'view' | 'shown',
          at: i.at,
        })),
    };
  });
}
