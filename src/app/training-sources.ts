/**
 * Where training data comes from, all turned into the one `TrainingData` shape src/ml learns from:
 * - the default: the simulated community (1,000 users, seed 42) over the default catalog;
 * - a community directory written by `npm run data:generate`;
 * - a ratings file in a MovieLens format (every rating counts as a view; top ratings as favorites);
 * - the bot's own database (the retrain job), plus the bundled default community.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CatalogMovie } from '../catalog/catalog-movie.ts';
import { parseCatalog } from '../catalog/parse-catalog.ts';
import { toSimulationMovies } from '../community/catalog-for-simulation.ts';
import { generateCommunity } from '../community/generate-community.ts';
import { bareMovie, movieKey, type Movie } from '../core/domain/movie.ts';
import { readRatingsFile, type RatingsFormat } from '../ml/datasets.ts';
import { readCommunityDir, type TrainingData } from '../ml/training-data.ts';

/** The simulated year ends here for the committed models, so `npm run train` reproduces them. */
export const DEFAULT_TRAINING_AS_OF = new Date('2026-11-24T00:00:00Z');

export function catalogToMovies(catalog: readonly CatalogMovie[]): Movie[] {
  return catalog.map((movie, index) => ({
    id: index + 1,
    key: movieKey(movie.source, movie.sourceId),
    title: movie.title,
    year: movie.year,
    runtimeMinutes: movie.runtimeMinutes,
    genres: movie.genres,
    certificate: movie.certificate,
    imdbRating: movie.imdbRating,
    imdbVotes: movie.imdbVotes,
    criticScore: movie.criticScore,
    director: movie.director,
    cast: movie.cast,
    posterUrl: movie.posterUrl,
    overview: movie.overview,
    imdbId: movie.imdbId,
    emotions: movie.emotions,
  }));
}

export function defaultTrainingData(options: { users?: number; seed?: number; asOf?: Date } = {}): TrainingData {
  const { movies: catalog } = parseCatalog('vega');
  const community = generateCommunity(toSimulationMovies(catalog), {
    users: options.users ?? 1000,
    seed: options.seed ?? 42,
    asOf: options.asOf ?? DEFAULT_TRAINING_AS_OF,
  });
  return {
    movies: catalogToMovies(catalog),
    ratings: community.ratings.map((r) => ({ userKey: `sim:${r.userId}`, movieKey: r.movieKey, stars: r.rating, at: r.at })),
    interactions: community.interactions.map((i) => ({ userKey: `sim:${i.userId}`, movieKey: i.movieKey, emotion: i.emotion, kind: i.kind, at: i.at })),
    favorites: community.favorites.map((f) => ({ userKey: `sim:${f.userId}`, movieKey: f.movieKey, at: f.at })),
  };
}

/** A directory from `npm run data:generate` (over the default catalog). */
export function communityDirTrainingData(dir: string): Promise<TrainingData> {
  return readCommunityDir(dir, catalogToMovies(parseCatalog('vega').movies));
}

/**
 * A MovieLens-style ratings file. The catalog comes from the file beside it when there is one
 * (movies.csv for ml-latest, u.item for ml-100k), otherwise bare movies named by id. Ratings below 1
 * (half stars) count as 1; every rating is a view; ratings in the top 10 % of the scale are favorites.
 */
export async function ratingsFileTrainingData(file: string, format: Exclude<RatingsFormat, 'feelms'>): Promise<TrainingData> {
  const dataset = await readRatingsFile(file, format);
  const beside = format === 'mlcsv' ? join(dirname(file), 'movies.csv') : format === 'ml100k' ? join(dirname(file), 'u.item') : null;
  const source = format === 'mlcsv' ? 'movielens' : format === 'ml100k' ? 'ml100k' : 'ml1m';
  const catalog = beside && existsSync(beside) ? catalogToMovies(parseCatalog('movielens', beside).movies) : [];
  const byKey = new Map(catalog.map((movie) => [movie.key, movie]));
  for (const id of dataset.itemIds) {
    const key = movieKey(source, id);
    if (!byKey.has(key)) {
      byKey.set(key, bareMovie(byKey.size + 1, key, `#${id}`));
    }
  }
  const favoriteAt = dataset.scale.max - 0.1 * (dataset.scale.max - dataset.scale.min);
  const data: TrainingData = { movies: [...byKey.values()], ratings: [], interactions: [], favorites: [] };
  for (let j = 0; j < dataset.users.length; j++) {
    const userKey = `${source}:${dataset.userIds[dataset.users[j]!]!}`;
    const key = movieKey(source, dataset.itemIds[dataset.items[j]!]!);
    const at = new Date(dataset.timestamps[j]!);
    const stars = Math.max(1, Math.min(5, dataset.ratings[j]!));
    data.ratings.push({ userKey, movieKey: key, stars, at });
    data.interactions.push({ userKey, movieKey: key, emotion: null, kind: 'view', at });
    if (dataset.ratings[j]! >= favoriteAt) data.favorites.push({ userKey, movieKey: key, at });
  }
  return data;
}


/** Adds `extra` to `base` (the database's events on top of the bundled community). */
export function mergeTrainingData(base: TrainingData, extra: TrainingData): TrainingData {
  const movies = new Map(base.movies.map((movie) => [movie.key, movie]));
  for (const movie of extra.movies) if (!movies.has(movie.key)) movies.set(movie.key, movie);
  return {
    movies: [...movies.values()],
    ratings: [...base.ratings, ...extra.ratings],
    interactions: [...base.interactions, ...extra.interactions],
    favorites: [...base.favorites, ...extra.favorites],
  };
}
