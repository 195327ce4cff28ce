/**
 * The scorer the bot holds: a stable object whose model can be replaced while serving (retraining,
 * or a newer model published by another replica). The old model is closed once the requests
 * already using it have finished, so repeated swaps do not grow memory (RELIABILITY.md case 11).
 * @example
 * const scorer = new SwappableScorer(await loadScorer(dir, log));
 * await scorer.swap(await OnnxScorer.load(newDir)); // requests in flight finish on the old model
 */
import type { MovieScore, RankedCandidates, RankRequest, ScoreRequest, Scorer, SimilarRequest } from '../core/ports/scorer.ts';

interface Closable {
  close?: () => Promise<void>;
}

export class SwappableScorer implements Scorer {
  private current: Scorer & Closable;
  private readonly inFlight = new Map<Scorer, number>();
  private readonly retiring = new Set<Scorer & Closable>();

  constructor(initial: Scorer) {
    this.current = initial;
  }

  get name(): string {
    return this.current.name;
  }

  /** The model serving now (for the retrain job's comparison). */
  get active(): Scorer {
    return this.current;
  }

  /** Present only while the serving model has a stars-only stage; callers check before using it. */
  get predictStars(): ((request: ScoreRequest) => Promise<ArrayLike<number>>) | undefined {
    const scorer = this.current;
    if (!scorer.predictStars) return undefined;
    return (request) => this.track(scorer, () => scorer.predictStars!(request));
  }

  /** Present only while the serving model has the ranking pipeline. */
  get rank(): ((request: RankRequest) => Promise<RankedCandidates>) | undefined {
    const scorer = this.current;
    if (!scorer.rank) return undefined;
    return (request) => this.track(scorer, () => scorer.rank!(request));
  }

  /** Present only while the serving model has the ranking pipeline. */
  get similar(): ((request: SimilarRequest) => Promise<RankedCandidates>) | undefined {
    const scorer = this.current;
    if (!scorer.similar) return undefined;
    return (request) => this.track(scorer, () => scorer.similar!(request));
  }

  score(request: ScoreRequest): Promise<MovieScore[]> {
    const scorer = this.current;
    return this.track(scorer, () => scorer.score(request));
  }

  private async track<T>(scorer: Scorer & Closable, work: () => Promise<T>): Promise<T> {
    this.inFlight.set(scorer, (this.inFlight.get(scorer) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.inFlight.get(scorer) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(scorer);
      else this.inFlight.set(scorer, left);
      if (left === 0 && this.retiring.has(scorer)) await this.retire(scorer);
    }
  }

  /** Serves `next` from now on; closes the previous model when its last request ends. */
  async swap(next: Scorer): Promise<void> {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.retiring.add(previous);
    if (!this.inFlight.has(previous)) await this.retire(previous);
  }

  async close(): Promise<void> {
    await this.current.close?.();
  }

  private async retire(scorer: Scorer & Closable): Promise<void> {
    this.retiring.delete(scorer);
    await scorer.close?.();
  }
}
