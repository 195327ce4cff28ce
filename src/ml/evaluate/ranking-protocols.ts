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
import { rankingMetricsAtK, temporalSplit } from '../ranking.ts';
import { topIndices } from '../../shared/top-indices.ts';
import { evaluateTopK, stratifiedSplit, testItemsByUser } from './ms-protocol.ts';
import { historiesOf, trainServedModel, unseenItems } from './served-ranking.ts';
import type { PipelineOptions, PipelineStage } from '../train/pipeline.ts';

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
  onStage?: (stage: PipelineStage | 'ranking') => void,
): Promise<ProtocolReport> {
  const started = performance.now();
  const { train, test } = protocol === 'ms' ? stratifiedSplit(ds) : temporalSplit(ds, 0.2);
  // The bot learns what a user turns to next, so the time protocol holds out by time as well.
  const served = await trainServedModel(ds, train, { holdoutBy: protocol === 'time' ? 'time' : 'random', ...options }, onStage);
  onStage?.('ranking');
  const histories = historiesOf(ds, train);
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
  const trainedItems = Int32Array.from({ length: nItems }, (_, i) => i).filter((i) => trainCount[i]! > 0);
  const candidatesOf = (user: number): Int32Array => {
    const history = histories.items[user]!;
    if (protocol === 'ms') return unseenItems(nItems, history);
    const seen = new Set(history);
    return trainedItems.filter((i) => !seen.has(i));
  };
  const best = (scores: ArrayLike<number>, candidates: Int32Array) =>
    Int32Array.from(
      topIndices(candidates.length, K, (a, b) => scores[a]! > scores[b]! || (scores[a] === scores[b] && candidates[a]! < candidates[b]!)),
      (c) => candidates[c]!,
    );

  const lists = { popularity: new Map<number, Int32Array>(), svd: new Map<number, Int32Array>(), implicit: new Map<number, Int32Array>(), served: new Map<number, Int32Array>() };
  const svd = served.trained.svd;
  for (const user of [...relevant.keys()].sort((a, b) => a - b)) {
    const candidates = candidatesOf(user);
    lists.popularity.set(user, best(Float64Array.from(candidates, (i) => trainCount[i]!), candidates));
    lists.svd.set(user, best(Float64Array.from(candidates, (i) => svd.estimate(user, i)), candidates));
    const implicit = await served.ranker.implicitScores(histories.items[user]!);
    lists.implicit.set(user, best(Float64Array.from(candidates, (i) => implicit[i]!), candidates));
    const ranked = await served.ranker.rank({ history: histories.items[user]!, ratings: histories.ratings[user]!, candidates, limit: K });
    lists.served.set(user, Int32Array.from(ranked.positions, (c) => candidates[c]!));
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
