import { CatalogFileError, type ParsedCatalog } from './catalog-movie.ts';
import { parseImdbCsv } from './sources/imdb.ts';
import { parseMovieLens } from './sources/movielens.ts';
import { defaultVegaFile, parseVega } from './sources/vega.ts';

export const CATALOG_SOURCES = ['vega', 'imdb', 'movielens'] as const;
export type CatalogSource = (typeof CATALOG_SOURCES)[number];

/**
 * Parses and cleans one catalog file. vega defaults to the installed vega-datasets package; IMDB and
 * MovieLens files are brought by the user under those sites' terms.
 * @example
 * const { movies, report } = parseCatalog('movielens', '../shared/data/ml-latest-small/movies.csv');
 */
export function parseCatalog(source: CatalogSource, file?: string): ParsedCatalog {
  switch (source) {
    case 'vega':
      return parseVega(file ?? defaultVegaFile());
    case 'imdb':
      if (!file) throw new CatalogFileError('--file', 'required for --source imdb (the Kaggle "IMDB top 1000" CSV)');
      return parseImdbCsv(file);
    case 'movielens':
      if (!file) throw new CatalogFileError('--file', 'required for --source movielens (ml-latest movies.csv or ml-100k u.item)');
      return parseMovieLens(file);
  }
}
