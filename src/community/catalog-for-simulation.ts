import type { CatalogMovie } from '../catalog/catalog-movie.ts';
import { movieKey } from '../core/domain/movie.ts';
import type { SimulationMovie } from './generate-community.ts';

export function toSimulationMovies(movies: readonly CatalogMovie[]): SimulationMovie[] {
  return movies.map((movie) => ({
    key: movieKey(movie.source, movie.sourceId),
    genres: movie.genres,
    imdbRating: movie.imdbRating,
    imdbVotes: movie.imdbVotes,
    emotions: movie.emotions,
  }));
}
