/**
 * `npm run train -- [--ratings FILE --format ml100k|mlcsv|ml1m | --community DIR] [--out DIR]
 *                    [--users 1000 --seed 42] [--json]`
 *
 * Trains the SVD, the favorite forest and the ranking pipeline (implicit model + ranker) and writes
 * svd.onnx, forest.onnx, implicit.onnx, ranker.onnx and manifest.json. With no data arguments it
 * trains on the default data: the simulated community (1,000 users, seed 42, the
 * year to 2026-11-24) over the default catalog, which is how the committed models/ were made.
 */
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { communityDirTrainingData, defaultTrainingData, ratingsFileTrainingData } from '../src/app/training-sources.ts';
import { isRatingsFormat } from '../src/ml/datasets.ts';
import { trainFeelmsModels, writeModelFiles, type TrainStage } from '../src/ml/train.ts';
import type { TrainingData } from '../src/ml/training-data.ts';
import { runCli, UsageError } from './cli.ts';

const USAGE = `usage: npm run train -- [--ratings FILE --format ml100k|mlcsv|ml1m | --community DIR] [--out DIR] [--users N --seed N] [--json]`;
const STAGE_LABEL: Record<TrainStage, string> = {
  'svd-cv': 'SVD cross-validation',
  svd: 'SVD',
  features: 'forest features',
  'forest-cv': 'forest cross-validation',
  forest: 'random forest',
  pipeline: 'ranking pipeline (implicit model + ranker)',
  export: 'ONNX export',
};

runCli(async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        ratings: { type: 'string' },
        format: { type: 'string' },
        community: { type: 'string' },
        out: { type: 'string', default: 'models' },
        users: { type: 'string', default: '1000' },
        seed: { type: 'string', default: '42' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const seed = Number(values.seed);
  const users = Number(values.users);
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  if (!Number.isInteger(users) || users < 10) throw new UsageError('--users must be a whole number ≥ 10');
  if (values.ratings && values.community) throw new UsageError('give --ratings or --community, not both');
  if (values.ratings && !values.format) throw new UsageError('--ratings needs --format (ml100k, mlcsv or ml1m)');

  const started = performance.now();
  let data: TrainingData;
  let source: string;
  if (values.ratings) {
    const format = values.format!;
    if (!isRatingsFormat(format) || format === 'feelms') throw new UsageError(`--format must be ml100k, mlcsv or ml1m (for the feelms format use --community DIR)`);
    data = await ratingsFileTrainingData(values.ratings, format);
    source = `${values.ratings} (${format})`;
  } else if (values.community) {
    data = await communityDirTrainingData(values.community);
    source = values.community;
  } else {
    data = defaultTrainingData({ users, seed });
    source = `simulated community (${users} users, seed ${seed}) over the default catalog`;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`Training on ${source}: ${data.ratings.length} ratings, ${data.interactions.length} interactions, ${data.favorites.length} favorites.`);

  // The progress bar goes to stderr, and only on a terminal: stdout stays for the summary and --json.
  const bar = process.stderr.isTTY ? new SingleBar({ format: '{stage} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true }) : null;
  let currentStage: TrainStage | null = null;
  const models = await trainFeelmsModels(data, { seed }, ({ stage, done, total }) => {
    if (stage !== currentStage) {
      bar?.stop();
      currentStage = stage;
      if (bar) bar.start(total, done, { stage: STAGE_LABEL[stage].padEnd(24) });
      else log(`  ${STAGE_LABEL[stage]}…`);
    }
    bar?.update(done);
  });
  bar?.stop();
  await writeModelFiles(values.out, models);
  const seconds = (performance.now() - started) / 1000;
  const summary = { out: values.out, version: models.manifest.version, seconds: Number(seconds.toFixed(2)), metrics: models.metrics };
  if (values.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`Wrote ${values.out}/: ${[...Object.keys(models.files), 'manifest.json'].join(", ")} (version ${models.manifest.version}) in ${seconds.toFixed(1)} s.`);
  const { svd, forest } = models.metrics;
  if (svd) console.log(`  SVD, ${svd.folds}-fold CV: RMSE ${svd.rmse.toFixed(4)}, MAE ${svd.mae.toFixed(4)} on ${svd.ratings} ratings`);
  if (forest) {
    console.log(
      `  Forest, ${forest.folds}-fold CV: accuracy ${forest.accuracy.toFixed(3)}, precision ${forest.precision.toFixed(3)}, recall ${forest.recall.toFixed(3)}, F1 ${forest.f1.toFixed(3)}, ROC-AUC ${forest.auc?.toFixed(3) ?? 'n/a'}`,
    );
  }
}, USAGE);
