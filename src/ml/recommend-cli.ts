/**
 * `npm run recommend -- --ratings FILE --format FMT --k 10 --out recs.tsv [--mood M]`: trains the
 * served pipeline on FILE and writes every user's top-k unseen movies as `user<TAB>item<TAB>rank`
 * with the file's own ids. It trains and ranks through the bot's own functions
 * (evaluate/served-ranking.ts: the bot's training steps, the scorer's TasteRanker); `--mood` adds the
 * bot's mood filter (weight ≥ 0.5) and mood multiplier, from the movie file next to the ratings.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseMovieLens } from '../catalog/sources/movielens.ts';
import type { CatalogMovie } from '../catalog/catalog-movie.ts';
import { parseMood } from '../core/domain/moods.ts';
import type { Emotion } from '../core/domain/emotions.ts';
import { isRatingsFormat, RATINGS_FORMATS, readRatingsFile } from './datasets.ts';
import type { RatingsDataset, RatingsFormat } from './datasets.ts';
import { datasetMovies, servedTopK, tastesOf, trainServedModel } from './evaluate/served-ranking.ts';

export const RECOMMEND_USAGE = `Usage:
  npm run recommend -- --ratings FILE --format FMT --out recs.tsv [--k 10] [--mood MOOD]
                       [--holdout random|time] [--seed 42]

  FMT: ${RATINGS_FORMATS.join(', ')}
  --k        movies per user (default 10)
  --mood     only movies of this mood, ranked with the bot's mood weighting; needs the movie file
             beside the ratings (movies.csv for mlcsv, u.item for ml100k)
  --holdout  how the ranking forest's training labels are held out: random (default) or time
  The last line of output is a JSON summary.`;

export interface RecommendArgs {
  ratings: string;
  format: RatingsFormat;
  out: string;
  k: number;
  mood: Emotion | null;
  holdoutBy: 'random' | 'time';
  seed: number;
}

export class RecommendUsageError extends Error {}

export function parseRecommendArgs(argv: readonly string[]): RecommendArgs | 'help' {
  const values = new Map<string, string>();
  for (let a = 0; a < argv.length; a++) {
    const token = argv[a]!;
    if (token === '--help' || token === '-h') return 'help';
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    if (!['--ratings', '--format', '--out', '--k', '--mood', '--holdout', '--seed'].includes(name)) throw new RecommendUsageError(`unknown argument ${JSON.stringify(token)}`);
    const value = eq > 0 ? token.slice(eq + 1) : argv[++a];
    if (value === undefined || value.startsWith('--')) throw new RecommendUsageError(`${name} needs a value`);
    if (values.has(name)) throw new RecommendUsageError(`${name} given twice`);
    values.set(name, value);
  }
  const ratings = values.get('--ratings');
  const format = values.get('--format');
  const out = values.get('--out');
  if (!ratings) throw new RecommendUsageError('--ratings FILE is required');
  if (!format || !isRatingsFormat(format)) throw new RecommendUsageError(`--format must be one of ${RATINGS_FORMATS.join(', ')}`);
  if (!out) throw new RecommendUsageError('--out FILE is required');
  const k = Number(values.get('--k') ?? '10');
  if (!Number.isSafeInteger(k) || k < 1 || k > 1000) throw new RecommendUsageError(`--k must be an integer from 1 to 1000, got ${JSON.stringify(values.get('--k'))}`);
  const moodText = values.get('--mood');
  const mood = moodText === undefined ? null : parseMood(moodText);
  if (moodText !== undefined && mood === null) throw new RecommendUsageError(`--mood: unknown mood ${JSON.stringify(moodText)}`);
  const holdout = values.get('--holdout') ?? 'random';
  if (holdout !== 'random' && holdout !== 'time') throw new RecommendUsageError('--holdout must be random or time');
  const seed = Number(values.get('--seed') ?? '42');
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RecommendUsageError('--seed must be a non-negative integer');
  return { ratings, format, out, k, mood, holdoutBy: holdout, seed };
}

export interface RecommendIo {
  stdout(line: string): void;
  stderr(line: string): void;
  progress: boolean;
}

export interface RecommendSummary {
  users: number;
  items: number;
  ratings: number;
  k: number;
  mood: Emotion | null;
  rows: number;
  out: string;
  trainSeconds: number;
  seconds: number;
}

/** The movie file beside the ratings (movies.csv for mlcsv, u.item for ml100k), by raw movie id; null when there is none. */
function movieFileRows(ds: RatingsDataset, format: RatingsFormat): Map<string, CatalogMovie> | null {
  if (format !== 'mlcsv' && format !== 'ml100k') return null;
  const file = join(dirname(ds.file), format === 'ml100k' ? 'u.item' : 'movies.csv');
  if (!existsSync(file)) return null;
  return new Map(parseMovieLens(file).movies.map((movie) => [movie.sourceId, movie]));
}

export async function runRecommend(args: RecommendArgs, io: RecommendIo): Promise<RecommendSummary> {
  const started = performance.now();
  const say = (line: string) => {
    if (io.progress) io.stderr(line);
  };
  say(`reading ${args.ratings}`);
  const ds = await readRatingsFile(args.ratings, args.format);
  const rows = movieFileRows(ds, args.format);
  if (args.mood && rows === null) {
    throw new RecommendUsageError(`--mood needs the movie file beside the ratings (movies.csv for mlcsv, u.item for ml100k) in ${dirname(ds.file)}`);
  }
  const movies = datasetMovies(ds, rows ?? undefined);
  const all = Int32Array.from({ length: ds.ratings.length }, (_, j) => j);
  say(`training the pipeline on ${ds.ratings.length} ratings (${ds.userIds.length} users, ${ds.itemIds.length} movies)`);
  const served = await trainServedModel(ds, all, movies, { holdoutBy: args.holdoutBy, seed: args.seed }, (stage) => say(`  ${stage}`));
  const tastes = tastesOf(ds, all, movies);
  // The bot's mood rule: candidates weigh at least 0.5 for the mood, and the fit is multiplied by 0.5 + 0.5 × weight.
  const moodFactor = Float64Array.from(movies, (movie) => {
    if (!args.mood) return 1;
    const weight = movie.emotions[args.mood] ?? 0;
    return weight >= 0.5 ? 0.5 + 0.5 * weight : 0;
  });
  const file = await open(args.out, 'w');
  let written = 0;
  try {
    let chunk: string[] = [];
    for (let user = 0; user < ds.userIds.length; user++) {
      const taste = tastes[user]!;
      const multipliers = Float64Array.from(moodFactor);
      for (const { movie } of taste.ratings) multipliers[movie.id - 1] = 0;
      const top = await servedTopK(served, taste, movies, multipliers, args.k);
      top.forEach((item, r) => chunk.push(`${ds.userIds[user]}\t${ds.itemIds[item]}\t${r + 1}\n`));
      written += top.length;
      if (chunk.length >= 5000 || user === ds.userIds.length - 1) {
        await file.write(chunk.join(''));
        chunk = [];
      }
      if (io.progress && user % 500 === 499) say(`  ranked ${user + 1}/${ds.userIds.length} users`);
    }
  } finally {
    await file.close();
    await served.ranker.close();
  }
  return {
    users: ds.userIds.length,
    items: ds.itemIds.length,
    ratings: ds.ratings.length,
    k: args.k,
    mood: args.mood,
    rows: written,
    out: args.out,
    trainSeconds: served.trainSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The CLI; returns the exit code (0 ok, 1 failure, 2 bad arguments). */
export async function runRecommendCli(argv: readonly string[], io: RecommendIo): Promise<number> {
  let args: RecommendArgs | 'help';
  try {
    args = parseRecommendArgs(argv);
  } catch (error) {
    if (!(error instanceof RecommendUsageError)) throw error;
    io.stderr(`recommend: ${error.message}`);
    io.stderr(RECOMMEND_USAGE);
    return 2;
  }
  if (args === 'help') {
    io.stdout(RECOMMEND_USAGE);
    return 0;
  }
  try {
    const summary = await runRecommend(args, io);
    io.stdout(JSON.stringify(summary));
    return 0;
  } catch (error) {
    io.stderr(`recommend: ${(error as Error).message}`);
    return error instanceof RecommendUsageError ? 2 : 1;
  }
}
