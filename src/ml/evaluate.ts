import { existsSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { kFoldSplits } from './cross-validation.ts';
import { isRatingsFormat, RATINGS_FORMATS, readRatingsFile } from './datasets.ts';
import type { RatingsDataset, RatingsFormat } from './datasets.ts';
import { mae, mean, rmse } from './metrics.ts';
import { evaluateRankingProtocol, RANKING_PROTOCOLS } from './evaluate/ranking-protocols.ts';
import type { ProtocolMetrics, ProtocolReport, RankingProtocol } from './evaluate/ranking-protocols.ts';
import { SHARED_DATA_FILES } from './shared-data.ts';
import { BEST_SVD_OPTIONS, DEFAULT_SVD_OPTIONS, trainSvd } from './svd.ts';
import type { SvdOptions } from './svd.ts';

/**
 * `npm run evaluate`: cross-validated rating prediction (Surprise's protocol) or top-10 ranking.
 * The logic lives here so tests can run it in-process; scripts/evaluate.ts only wires stdio.
 */
export const MODELS = ['svd', 'best'] as const;
export type EvaluateModel = (typeof MODELS)[number];

export interface EvaluateArgs {
  ratings: string | null;
  format: RatingsFormat | null;
  folds: number;
  seed: number;
  model: EvaluateModel;
  /** Explicit hyperparameters; the rest come from the model's defaults. */
  svd: Partial<SvdOptions>;
  json: boolean;
  ranking: boolean;
  /** The ranking protocol (`--protocol`); `time` when absent. */
  protocol: RankingProtocol;
  help: boolean;
}

/** The `--json` contract (DESIGN.md): these keys, in this order. */
export interface CrossValidationResult {
  model: EvaluateModel;
  folds: number;
  ratings: number;
  rmse: number;
  mae: number;
  fitSeconds: number[];
  testSeconds: number[];
}

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  npm run evaluate -- --ratings FILE --format FMT [--folds 5] [--seed 42] [--model svd|best]
                      [--factors 100] [--epochs 20] [--lr 0.005] [--reg 0.02] [--json]
  npm run evaluate -- --ranking [--protocol ms|time] [--ratings FILE --format FMT] [--json]

  FMT: ${RATINGS_FORMATS.join(', ')}
  --model svd   Surprise-compatible SVD with its defaults (100 factors, 20 epochs, lr 0.005, reg 0.02)
  --model best  the tuned SVD (50 factors, 40 epochs, lr 0.01, reg 0.1)
  --ranking     precision/recall/NDCG@10 of popularity, svd, implicit and served (the bot's pipeline)
  --protocol    ms: Microsoft Recommenders' 75/25 split stratified by item (default data: ml-100k u.data)
                time: each user's last 20 % held out, relevant = rated ≥ 4 (default: ml-latest-small)
                The default data is read from ../shared/data; pass --ratings and --format for your own copy.
  --json        print one JSON object on the last line of stdout`;

const VALUE_FLAGS = new Set(['--ratings', '--format', '--folds', '--seed', '--factors', '--epochs', '--lr', '--reg', '--model', '--protocol']);
const BOOLEAN_FLAGS = new Set(['--json', '--ranking', '--help', '-h']);

export function parseEvaluateArgs(argv: readonly string[]): EvaluateArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let a = 0; a < argv.length; a++) {
    const token = argv[a]!;
    const eq = token.indexOf('=');
    const name = token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token;
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? token.slice(eq + 1) : argv[++a];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      if (values.has(name)) throw new UsageError(`${name} given twice`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(token)}`);
    }
  }
  const help = flags.has('--help') || flags.has('-h');
  const ranking = flags.has('--ranking');
  const format = values.get('--format') ?? null;
  if (format !== null && !isRatingsFormat(format)) throw new UsageError(`--format must be one of ${RATINGS_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  const ratings = values.get('--ratings') ?? null;
  if (!help) {
    if (!ranking && ratings === null) throw new UsageError('--ratings FILE is required');
    if (!ranking && format === null) throw new UsageError('--format FMT is required');
    if (ranking && (ratings === null) !== (format === null)) throw new UsageError('--ranking takes --ratings and --format together, or neither');
  }
  const protocol = values.get('--protocol') ?? 'time';
  if (!(RANKING_PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`--protocol must be one of ${RANKING_PROTOCOLS.join(', ')}, got ${JSON.stringify(protocol)}`);
  if (values.has('--protocol') && !ranking) throw new UsageError('--protocol goes with --ranking');
  const model = values.get('--model') ?? 'svd';
  if (!(MODELS as readonly string[]).includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got ${JSON.stringify(model)}`);
  const svd: Partial<SvdOptions> = {};
  const factors = optionalNumber(values, '--factors', 'integer', 1);
  const epochs = optionalNumber(values, '--epochs', 'integer', 1);
  const learningRate = optionalNumber(values, '--lr', 'positive');
  const regularization = optionalNumber(values, '--reg', 'non-negative');
  if (factors !== undefined) svd.factors = factors;
  if (epochs !== undefined) svd.epochs = epochs;
  if (learningRate !== undefined) svd.learningRate = learningRate;
  if (regularization !== undefined) svd.regularization = regularization;
  return {
    ratings,
    format,
    folds: optionalNumber(values, '--folds', 'integer', 2) ?? 5,
    seed: optionalNumber(values, '--seed', 'integer', 0) ?? 42,
    model: model as EvaluateModel,
    svd,
    json: flags.has('--json'),
    ranking,
    protocol: protocol as RankingProtocol,
    help,
  };
}

function optionalNumber(
  values: ReadonlyMap<string, string>,
  flag: string,
  kind: 'integer' | 'positive' | 'non-negative',
  min = 0,
): number | undefined {
  const text = values.get(flag);
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const ok =
    kind === 'integer'
      ? Number.isSafeInteger(value) && value >= min
      : kind === 'positive'
        ? Number.isFinite(value) && value > 0
        : Number.isFinite(value) && value >= 0;
  if (!ok) {
    const expected = kind === 'integer' ? `an integer ≥ ${min}` : kind === 'positive' ? 'a number > 0' : 'a number ≥ 0';
    throw new UsageError(`${flag} must be ${expected}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** The contract's result plus per-fold errors for the readable table. */
export interface CrossValidationRun {
  result: CrossValidationResult;
  foldRmse: number[];
  foldMae: number[];
}

export interface FoldProgress {
  fold: number;
  folds: number;
  rmse: number;
}

/**
 * k-fold cross-validation of the SVD: Surprise's KFold splits, a fresh model per fold, RMSE and
 * MAE averaged over folds, and each fold's fit and test time.
 */
export function crossValidateSvd(
  ds: RatingsDataset,
  model: EvaluateModel,
  folds: number,
  seed: number,
  overrides: Partial<SvdOptions> = {},
  onFold?: (progress: FoldProgress) => void,
): CrossValidationRun {
  const options: SvdOptions = { ...(model === 'best' ? BEST_SVD_OPTIONS : DEFAULT_SVD_OPTIONS), seed, ...overrides };
  const matrix = { nUsers: ds.userIds.length, nItems: ds.itemIds.length, users: ds.users, items: ds.items, ratings: ds.ratings, scale: ds.scale };
  const rmses: number[] = [];
  const maes: number[] = [];
  const fitSeconds: number[] = [];
  const testSeconds: number[] = [];
  const splits = kFoldSplits(ds.ratings.length, folds, seed);
  splits.forEach((split, f) => {
    const fitStart = performance.now();
    const svd = trainSvd(matrix, options, split.train);
    const testStart = performance.now();
    const predicted = new Float64Array(split.test.length);
    for (let t = 0; t < split.test.length; t++) predicted[t] = svd.predict(ds.users[split.test[t]!]!, ds.items[split.test[t]!]!);
    const testEnd = performance.now();
    const actual = Float64Array.from(split.test, (j) => ds.ratings[j]!);
    rmses.push(rmse(predicted, actual));
    maes.push(mae(predicted, actual));
    fitSeconds.push((testStart - fitStart) / 1000);
    testSeconds.push((testEnd - testStart) / 1000);
    onFold?.({ fold: f + 1, folds, rmse: rmses[f]! });
  });
  return {
    result: { model, folds, ratings: ds.ratings.length, rmse: mean(rmses), mae: mean(maes), fitSeconds, testSeconds },
    foldRmse: rmses,
    foldMae: maes,
  };
}

export interface EvaluateIo {
  stdout(line: string): void;
  stderr(line: string): void;
  /** Show a progress bar on stderr (an interactive terminal). */
  progress?: boolean;
}

/** Runs the CLI; returns the exit code: 0 success, 1 failure (e.g. a bad data file), 2 bad arguments. */
export async function runEvaluateCli(argv: readonly string[], io: EvaluateIo): Promise<number> {
  let args: EvaluateArgs;
  try {
    args = parseEvaluateArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`evaluate: ${error.message}`);
      io.stderr(USAGE);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    if (args.ranking) {
      const file = args.ratings ?? (args.protocol === 'ms' ? SHARED_DATA_FILES.ml100k : SHARED_DATA_FILES.mlLatestSmall);
      const format = args.format ?? (args.protocol === 'ms' ? 'ml100k' : 'mlcsv');
      if (args.ratings === null && !existsSync(file)) {
        throw new Error(`the default data ${file} is missing: put MovieLens there (see README "Evaluation"), or pass --ratings FILE --format FMT`);
      }
      const ds = await readRatingsFile(file, format);
      if (!args.json) io.stderr(`ranking protocol ${args.protocol} on ${file}: training the served pipeline…`);
      const report = await evaluateRankingProtocol(ds, args.protocol, { seed: args.seed, svd: args.svd }, (stage) => {
        if (io.progress) io.stderr(`  ${stage}`);
      });
      if (args.json) io.stdout(JSON.stringify({ model: 'ranking', ...report }));
      else for (const line of protocolTable(report, file)) io.stdout(line);
      return 0;
    }
    const ds = await readRatingsFile(args.ratings!, args.format!);
    if (ds.ratings.length < args.folds) throw new RangeError(`${ds.ratings.length} ratings cannot be split into ${args.folds} folds`);
    const bar = io.progress ? new cliProgress.SingleBar({ format: 'folds [{bar}] {value}/{total} | last RMSE {rmse}', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
    bar?.start(args.folds, 0, { rmse: '-' });
    const run = crossValidateSvd(ds, args.model, args.folds, args.seed, args.svd, ({ fold, rmse }) => bar?.update(fold, { rmse: rmse.toFixed(4) }));
    bar?.stop();
    if (args.json) io.stdout(JSON.stringify(run.result));
    else for (const line of crossValidationTable(run, args.ratings!)) io.stdout(line);
    return 0;
  } catch (error) {
    io.stderr(`evaluate: ${(error as Error).message}`);
    return 1;
  }
}

export function protocolTable(report: ProtocolReport, file: string): string[] {
  const row = (name: string, m: ProtocolMetrics) =>
    `${name.padEnd(12)}${m.ndcg10.toFixed(4).padStart(10)}${m.precision10.toFixed(4).padStart(14)}${m.recall10.toFixed(4).padStart(12)}${(m.map10 === null ? '–' : m.map10.toFixed(4)).padStart(10)}`;
  const split =
    report.protocol === 'ms'
      ? "Microsoft Recommenders' protocol: 75/25 split stratified by item (seed 42), every test rating relevant"
      : "each user's last 20 % of ratings held out, relevant = rated ≥ 4";
  return [
    `Top-10 ranking on ${file}: ${report.users} users; ${split}.`,
    '',
    `${'ranker'.padEnd(12)}${'NDCG@10'.padStart(10)}${'precision@10'.padStart(14)}${'recall@10'.padStart(12)}${'MAP@10'.padStart(10)}`,
    row('popularity', report.popularity),
    row('svd', report.svd),
    row('implicit', report.implicit),
    row('served', report.served),
    '',
    `(training ${report.trainSeconds.toFixed(1)} s, total ${report.seconds.toFixed(1)} s)`,
  ];
}

export function crossValidationTable(run: CrossValidationRun, file: string): string[] {
  const { result } = run;
  const pad = (text: string, width: number) => text.padStart(width);
  const lines = [
    `Evaluating RMSE, MAE of ${result.model === 'best' ? 'the tuned SVD' : 'SVD'} on ${result.ratings} ratings from ${file}, ${result.folds} split(s).`,
    '',
    `${'fold'.padEnd(10)}${pad('RMSE', 10)}${pad('MAE', 10)}${pad('fit s', 10)}${pad('test s', 10)}`,
  ];
  result.fitSeconds.forEach((fit, f) =>
    lines.push(
      `${`Fold ${f + 1}`.padEnd(10)}${pad(run.foldRmse[f]!.toFixed(4), 10)}${pad(run.foldMae[f]!.toFixed(4), 10)}${pad(fit.toFixed(3), 10)}${pad(result.testSeconds[f]!.toFixed(3), 10)}`,
    ),
  );
  lines.push(`${'Mean'.padEnd(10)}${pad(result.rmse.toFixed(4), 10)}${pad(result.mae.toFixed(4), 10)}${pad(mean(result.fitSeconds).toFixed(3), 10)}${pad(mean(result.testSeconds).toFixed(3), 10)}`);
  return lines;
}
