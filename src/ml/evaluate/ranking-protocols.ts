/**
 * `npm run evaluate -- --ranking --protocol ms|time`: top-10 quality of popularity, the SVD alone,
 * the implicit model alone and the served pipeline, on one split.
 *
 * - `ms`: Microsoft Recommenders' MovieLens benchmark (ms-protocol.ts): 75/25 split stratified by
 *   item, every test rating relevant, every item the user did not rate in train is a candidate,
 *   binary NDCG with a natural-log discount.
 * - `time`: each user's latest 20 % of ratings are the test; relevant = rated ≥ 4; candidates are
 *   the items seen in training that the user did not rate; NDCG with a log2 discount (ranking.ts).
 */
import type { RatingsDataset } from '../datasets.ts';
import { rankingMetricsAtK, temporalSplit } from './time-split.ts';
import { topIndices } from '../../shared/top-indices.ts';
import { evaluateTopK, stratifiedSplit, testItemsByUser } from './ms-protocol.ts';
import { datasetMovies, servedTopK, tastesOf, trainServedModel } from './served-ranking.ts';
import type { PipelineOptions } from '../train/pipeline.ts';

export const RANKING_PROTOCOLS = ['ms', 'time'] as const;
export type RankingProtocol = (typeof RANKING_PROTOCOLS)[number];

export interface ProtocolMetrics {
  ndcg10: number;
  precision10: number;
  recall10: number;
  /** MAP@10 (ms protocol only; null for time). */
  map10: number | null;
}

export interface ProtocolReport {
  protocol: RankingProtocol;
  users: number;
  trainRecords: number;
  testRecords: number;
  popularity: ProtocolMetrics;
  svd: ProtocolMetrics;
  implicit: ProtocolMetrics;
  served: ProtocolMetrics;
  /** Training the served pipeline (EASE twice, SVD twice, forest), seconds. */
  trainSeconds: number;
  seconds: number;
}

const K = 10;

export async function evaluateRankingProtocol(
  ds: RatingsDataset,
  protocol: RankingProtocol,
  options: Partial<PipelineOptions> = {},
  onStage?: (stage: 'svd' | 'pipeline' | 'load' | 'ranking') => void,
): Promise<ProtocolReport> {
  const started = performance.now();
  const { train, test } = protocol === 'ms' ? stratifiedSplit(ds) : temporalSplit(ds, 0.2);
  // The bot learns what a user turns to next, so the time protocol holds out by time as well.
  const movies = datasetMovies(ds);
  const served = await trainServedModel(ds, train, movies, { holdoutBy: protocol === 'time' ? 'time' : 'random', ...options }, onStage);
  onStage?.('ranking');
  const tastes = tastesOf(ds, train, movies);
  const nItems = ds.itemIds.length;
  const trainCount = new Float64Array(nItems);
  for (const j of train) trainCount[ds.items[j]!]!++;

  const relevant =
    protocol === 'ms'
      ? testItemsByUser(ds, test)
      : (() => {
          const byUser = new Map<number, Set<number>>();
          for (const j of test) {
            if (ds.ratings[j]! < 4) continue;
            const user = ds.users[j]!;
            let set = byUser.get(user);
            if (!set) byUser.set(user, (set = new Set()));
            set.add(ds.items[j]!);
          }
          return byUser;
        })();
  /** The candidates, as the bot passes them: a multiplier per movie, 0 for those that are not. */
  const multipliersOf = (user: number): Float64Array => {
    const multipliers = new Float64Array(nItems);
    // ms: every movie the user did not rate in train; time: only movies seen in training.
    for (let i = 0; i < nItems; i++) multipliers[i] = protocol === 'ms' || trainCount[i]! > 0 ? 1 : 0;
    for (const { movie } of tastes[user]!.ratings) multipliers[movie.id - 1] = 0;
    return multipliers;
  };
  const best = (scores: ArrayLike<number>, multipliers: Float64Array) =>
    Int32Array.from(
      topIndices(nItems, K, (a, b) => {
        const x = multipliers[a]! > 0 ? scores[a]! : Number.NEGATIVE_INFINITY;
        const y = multipliers[b]! > 0 ? scores[b]! : Number.NEGATIVE_INFINITY;
        return x > y || (x === y && a < b);
      }).filter((i) => multipliers[i]! > 0),
    );

  const lists = { popularity: new Map<number, Int32Array>(), svd: new Map<number, Int32Array>(), implicit: new Map<number, Int32Array>(), served: new Map<number, Int32Array>() };
  const itemOf = Int32Array.from(movies, (movie) => served.itemIndex.get(movie.key) ?? -1);
  for (const user of [...relevant.keys()].sort((a, b) => a - b)) {
    const multipliers = multipliersOf(user);
    const taste = tastes[user]!;
    lists.popularity.set(user, best(trainCount, multipliers));
    const svdUser = served.userIndex.get(`user:${ds.userIds[user]!}`) ?? -1;
    lists.svd.set(user, best(Float64Array.from(itemOf, (item) => served.svd.estimate(svdUser, item)), multipliers));
    const history = taste.ratings.map(({ movie }) => itemOf[movie.id - 1]!).filter((item) => item >= 0);
    const implicit = await served.ranker.pipeline.implicitScores(history);
    lists.implicit.set(user, best(Float64Array.from(itemOf, (item) => (item >= 0 ? implicit[item]! : 0)), multipliers));
    lists.served.set(user, await servedTopK(served, taste, movies, multipliers, K));
  }
  await served.ranker.close();

  const measure = (byUser: Map<number, Int32Array>): ProtocolMetrics => {
    if (protocol === 'ms') {
      const m = evaluateTopK(relevant, (user) => byUser.get(user) ?? [], K);
      return { ndcg10: m.ndcg, precision10: m.precision, recall10: m.recall, map10: m.map };
    }
    let ndcg = 0;
    let precision = 0;
    let recall = 0;
    for (const [user, liked] of relevant) {
      const m = rankingMetricsAtK(byUser.get(user) ?? [], liked, K);
      ndcg += m.ndcg10;
      precision += m.precision10;
      recall += m.recall10;
    }
    const n = relevant.size;
    return { ndcg10: ndcg / n, precision10: precision / n, recall10: recall / n, map10: null };
  };
  return {
    protocol,
    users: relevant.size,
    trainRecords: train.length,
    testRecords: test.length,
    popularity: measure(lists.popularity),
    svd: measure(lists.svd),
    implicit: measure(lists.implicit),
    served: measure(lists.served),
    trainSeconds: served.trainSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}
