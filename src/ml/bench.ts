import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserTaste } from '../core/ports/scorer.ts';
import { parseCsvTable } from './csv.ts';
import { readRatingsFile } from './datasets.ts';
import { crossValidateSvd } from './evaluate.ts';
import { trainForest } from './forest.ts';
import type { FeatureMatrix } from './forest.ts';
import { binaryClassificationMetrics, median, quantile } from './metrics.ts';
import { evaluateRankingProtocol } from './evaluate/ranking-protocols.ts';
import type { ProtocolReport } from './evaluate/ranking-protocols.ts';
import { runRecommend } from './recommend-cli.ts';
import { SHARED_DATA_FILES, sharedDataAvailable } from './shared-data.ts';
import { syntheticCommunity } from './synthetic.ts';

/**
 * The Models issue's benchmark figures, for scripts/bench.ts. Returns nested objects whose dotted
 * paths are the names (`svd.ml100k.rmse`, `scoring.candidates10k.p50Ms`, …). A figure whose
 * input data is missing (../shared/data) is null, and `skipped` says why.
 *
 * `quick` runs every section on reduced settings (fewer folds, trees and repetitions) so a test
 * can check the shape in seconds; its numbers are not the benchmark.
 */
export interface MlBenchmarkOptions {
  quick?: boolean;
  /** One line per finished section, for a progress display. */
  onProgress?: (message: string) => void;
}

export async function runMlBenchmarks(options: MlBenchmarkOptions = {}): Promise<object> {
  const quick = options.quick ?? false;
  const log = options.onProgress ?? (() => undefined);
  const skipped: string[] = [];
  const result = {
    svd: { ml100k: { rmse: null as number | null, mae: null as number | null, fitSecondsPerFold: null as number | null } },
    best: { ml100k: { rmse: null as number | null, mae: null as number | null, fitSecondsPerFold: null as number | null } },
    forest: { synth: { auc: null as number | null, accuracy: null as number | null, fitSeconds: null as number | null } },
    /** p50Ms/p99Ms: rank 10,000 candidates with the pipeline and score the page; scoreAllP50Ms: SVD + favorite forest over all 10,000 (the path without the pipeline). */
    scoring: { candidates10k: { p50Ms: null as number | null, p99Ms: null as number | null, scoreAllP50Ms: null as number | null } },
    /** `ranking.<metric>.<ranker>`: the time split of ml-latest-small; `ranking.ms100k.…`: Microsoft's ML-100K protocol. */
    ranking: {} as Record<string, unknown>,
    recommend: { ml100k: { seconds: null as number | null } },
    skipped,
  };

  if (sharedDataAvailable('ml100k')) {
    const ds = await readRatingsFile(SHARED_DATA_FILES.ml100k, 'ml100k');
    const folds = quick ? 2 : 5;
    for (const model of ['svd', 'best'] as const) {
      const { result: cv } = crossValidateSvd(ds, model, folds, 42, quick ? { epochs: 5 } : {});
      result[model].ml100k = { rmse: cv.rmse, mae: cv.mae, fitSecondsPerFold: median(cv.fitSeconds) };
      log(`${model}.ml100k: RMSE ${cv.rmse.toFixed(4)}, median fit ${median(cv.fitSeconds).toFixed(3)} s`);
    }
  } else {
    skipped.push(`svd.ml100k, best.ml100k: ${SHARED_DATA_FILES.ml100k} not found`);
  }

  if (sharedDataAvailable('rfSynth')) {
    const { train, test } = await readRfSynth(SHARED_DATA_FILES.rfSynth);
    const started = performance.now();
    const forest = trainForest(train.matrix, train.labels, { trees: quick ? 10 : 100, maxDepth: 15, seed: 0 });
    const fitSeconds = (performance.now() - started) / 1000;
    const metrics = binaryClassificationMetrics(forest.predictProba(test.matrix), test.labels);
    result.forest.synth = { auc: metrics.auc, accuracy: metrics.accuracy, fitSeconds };
    log(`forest.synth: AUC ${metrics.auc.toFixed(4)}, fit ${fitSeconds.toFixed(2)} s`);
  } else {
    skipped.push(`forest.synth: ${SHARED_DATA_FILES.rfSynth} not found`);
  }

  const scoring = await benchmarkScoring(quick ? 30 : 1000, quick);
  result.scoring.candidates10k = scoring;
  log(`scoring.candidates10k: rank + page p50 ${scoring.p50Ms.toFixed(2)} ms, p99 ${scoring.p99Ms.toFixed(2)} ms; scoring all 10,000 p50 ${scoring.scoreAllP50Ms.toFixed(2)} ms`);

  // Ranking: the served pipeline (and its parts alone) on both protocols, with the shipped settings.
  const pipeline = {};
  const byRanker = (report: ProtocolReport, metric: 'ndcg10' | 'precision10' | 'recall10' | 'map10') => ({
    served: report.served[metric],
    implicit: report.implicit[metric],
    svd: report.svd[metric],
    popularity: report.popularity[metric],
  });
  if (quick) {
    // tests/ml/ranking-protocols.test.ts checks these figures; the quick run only checks the report's shape.
    skipped.push('ranking.ms100k, recommend.ml100k: skipped in quick runs (full trainings)');
  } else if (sharedDataAvailable('ml100k')) {
    const ds = await readRatingsFile(SHARED_DATA_FILES.ml100k, 'ml100k');
    const report = await evaluateRankingProtocol(ds, 'ms', pipeline);
    result.ranking.ms100k = { ndcg10: byRanker(report, 'ndcg10'), precision10: byRanker(report, 'precision10'), recall10: byRanker(report, 'recall10'), map10: byRanker(report, 'map10') };
    log(`ranking.ms100k: NDCG@10 served ${report.served.ndcg10.toFixed(4)}, implicit ${report.implicit.ndcg10.toFixed(4)}, svd ${report.svd.ndcg10.toFixed(4)}, popularity ${report.popularity.ndcg10.toFixed(4)}`);
    const scratch = await mkdtemp(join(tmpdir(), 'feelms-recommend-'));
    try {
      const summary = await runRecommend(
        { ratings: SHARED_DATA_FILES.ml100k, format: 'ml100k', out: join(scratch, 'recs.tsv'), k: 10, mood: null, holdoutBy: 'random', seed: 42 },
        { stdout: () => undefined, stderr: () => undefined, progress: false },
      );
      result.recommend.ml100k.seconds = summary.seconds;
      log(`recommend.ml100k: ${summary.seconds.toFixed(1)} s from reading to the written file`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  } else {
    skipped.push(`ranking.ms100k, recommend.ml100k: ${SHARED_DATA_FILES.ml100k} not found`);
  }
  if (sharedDataAvailable('mlLatestSmall') && !quick) {
    const ds = await readRatingsFile(SHARED_DATA_FILES.mlLatestSmall, 'mlcsv');
    const report = await evaluateRankingProtocol(ds, 'time', pipeline);
    for (const metric of ['ndcg10', 'precision10', 'recall10'] as const) result.ranking[metric] = byRanker(report, metric);
    log(`ranking (time split): NDCG@10 served ${report.served.ndcg10.toFixed(4)}, implicit ${report.implicit.ndcg10.toFixed(4)}, svd ${report.svd.ndcg10.toFixed(4)}, popularity ${report.popularity.ndcg10.toFixed(4)}`);
  } else {
    skipped.push(quick ? 'ranking (time split): skipped in quick runs' : `ranking: ${SHARED_DATA_FILES.mlLatestSmall} not found`);
  }
  return result;
}

/**
 * One user, 10,000 candidates, all three models through onnxruntime-node including fold-in and
 * feature building: the models are trained on a synthetic community of 1,000 users with a 10,000-movie
 * catalog (the scoring cost does not depend on where the data came from), written and loaded like
 * production models. The catalog objects are reused across requests, as a bot with its catalog in
 * memory does.
 */
async function benchmarkScoring(repetitions: number, quick: boolean): Promise<{ p50Ms: number; p99Ms: number; scoreAllP50Ms: number }> {
  // Loaded here, after the training benchmarks: once onnxruntime-node is loaded, typed-array loops
  // in this isolate run 25–35 % slower (README: "Note for the process running training").
  const { OnnxScorer } = await import('./onnx-scorer.ts');
  const { trainFeelmsModels, writeModelFiles } = await import('./train.ts');
  const data = syntheticCommunity({ users: 1000, movies: 10_000, seed: 11 });
  // Quick runs (the shape test) model fewer items: EASE's training cost grows with the cube.
  const models = await trainFeelmsModels(data, { folds: 0, seed: 11, createdAt: new Date('2025-01-01T00:00:00Z'), ...(quick ? { pipeline: { ease: { maxItems: 300 } } } : {}) });
  const dir = await mkdtemp(join(tmpdir(), 'feelms-bench-'));
  try {
    await writeModelFiles(dir, models);
    const scorer = await OnnxScorer.load(dir);
    try {
      const byKey = new Map(data.movies.map((movie) => [movie.key, movie]));
      // The most active user: the most fold-in and profile work per request.
      const counts = new Map<string, number>();
      for (const rating of data.ratings) counts.set(rating.userKey, (counts.get(rating.userKey) ?? 0) + 1);
      const userKey = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      const user: UserTaste = {
        userId: Number(userKey),
        ratings: data.ratings.filter((r) => r.userKey === userKey).map((r) => ({ movie: byKey.get(r.movieKey)!, stars: r.stars })),
        favorites: data.favorites.filter((f) => f.userKey === userKey).map((f) => byKey.get(f.movieKey)!),
        viewCount: data.interactions.filter((x) => x.userKey === userKey && x.kind === 'view').length,
        shownCount: data.interactions.filter((x) => x.userKey === userKey && x.kind === 'shown').length,
      };
      // What a warm /feel asks of the models: the pipeline ranks every candidate (implicit
      // retrieval, SVD, ranking forest), then the page of 5 is scored for its cards.
      const candidates = Object.freeze([...data.movies]);
      const multipliers = Float64Array.from(candidates, (movie) => 0.5 + 0.5 * (movie.emotions.happy ?? 0));
      const rank = scorer.rank;
      if (!rank) throw new Error('the benchmark models have no ranking pipeline');
      const turn = async () => {
        const ranked = await rank({ user, candidates, multipliers, limit: 60 });
        await scorer.score({ mood: 'happy', user, candidates: Array.from(ranked.positions, (p) => candidates[p]!).slice(0, 5) });
      };
      const scoreAll = () => scorer.score({ mood: 'happy', user, candidates });
      for (let warmup = 0; warmup < 20; warmup++) {
        await turn();
        await scoreAll();
      }
      const times: number[] = [];
      const scoreAllTimes: number[] = [];
      for (let r = 0; r < repetitions; r++) {
        let started = performance.now();
        await turn();
        times.push(performance.now() - started);
        started = performance.now();
        await scoreAll();
        scoreAllTimes.push(performance.now() - started);
      }
      return { p50Ms: median(times), p99Ms: quantile(times, 0.99), scoreAllP50Ms: median(scoreAllTimes) };
    } finally {
      await scorer.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface LabelledRows {
  matrix: FeatureMatrix;
  labels: Uint8Array;
}

/** rf_synth.csv: f0..f19, y, is_test (SOURCES.md). */
export async function readRfSynth(path: string): Promise<{ train: LabelledRows; test: LabelledRows }> {
  const table = parseCsvTable(await readFile(path, 'utf8'), path);
  const featureColumns = table.header.filter((name) => /^f\d+$/.test(name)).map((name) => table.column(name));
  const yColumn = table.column('y');
  const testColumn = table.column('is_test');
  const parts = { train: { values: [] as number[], labels: [] as number[] }, test: { values: [] as number[], labels: [] as number[] } };
  for (const { fields } of table.rows) {
    const part = fields[testColumn] === '1' ? parts.test : parts.train;
    for (const column of featureColumns) part.values.push(Number(fields[column]));
    part.labels.push(Number(fields[yColumn]));
  }
  const rows = (part: { values: number[]; labels: number[] }): LabelledRows => ({
    matrix: { rows: part.labels.length, features: featureColumns.length, values: Float32Array.from(part.values) },
    labels: Uint8Array.from(part.labels),
  });
  return { train: rows(parts.train), test: rows(parts.test) };
}
