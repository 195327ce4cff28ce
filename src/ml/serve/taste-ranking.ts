/**
 * The served pipeline in the core's terms: a user's taste (their rated and favorited movies) and
 * candidate Movie objects with multipliers, mapped onto the pipeline's item indices by movie key.
 * The bot's scorer and the offline tools (`recommend`, `evaluate --ranking`) both rank through this
 * class, so what is measured offline is what the bot serves.
 */
import { genreJaccard, type Movie } from '../../core/domain/movie.ts';
import type { RankedCandidates, RankRequest, SimilarRequest, UserTaste } from '../../core/ports/scorer.ts';
import type { ItemRating } from '../fold-in.ts';
import type { PipelineRanker } from './pipeline-ranker.ts';

export class TasteRanker {
  /** Candidate lists' item indices (−1: unknown to the models), per frozen list (the catalog's mood lists). */
  private readonly listItems = new WeakMap<readonly Movie[], Int32Array>();

  constructor(
    readonly pipeline: PipelineRanker,
    /** Movie key → the pipeline's (and the SVD's) item index. */
    private readonly itemIndex: ReadonlyMap<string, number>,
  ) {}

  /**
   * Ranks the candidates the models know (multiplier > 0), best first, as indices into
   * `request.candidates`. The user's history is their rated and favorited movies.
   */
  async rank(request: RankRequest): Promise<RankedCandidates> {
    const { user, candidates, multipliers } = request;
    if (multipliers.length !== candidates.length) throw new RangeError(`${multipliers.length} multipliers for ${candidates.length} candidates`);
    const items = this.itemsOf(candidates);
    const known: number[] = [];
    for (let c = 0; c < items.length; c++) if (items[c]! >= 0 && multipliers[c]! > 0) known.push(c);
    const { history, ratings } = this.historyOf(user);
    const ranked = await this.pipeline.rank({
      history: Int32Array.from(history).sort(),
      ratings,
      candidates: Int32Array.from(known, (c) => items[c]!),
      multipliers: Float64Array.from(known, (c) => multipliers[c]!),
      limit: request.limit,
    });
    return { positions: Int32Array.from(ranked.positions, (p) => known[p]!) };
  }

  /**
   * Movies like `seed`: the candidates with a positive implicit weight from the seed (its row of
   * the item model: people who picked it picked these), each multiplied by that weight relative to
   * the strongest and by how many genres it shares with the seed, ranked by the pipeline with the
   * seed added to the user's history. Excludes the seed and what the user rated or favorited.
   * Empty when the model does not know the seed.
   */
  async similar(request: SimilarRequest): Promise<RankedCandidates> {
    const seed = this.itemIndex.get(request.seed.key);
    if (seed === undefined) return { positions: new Int32Array(0) };
    const likeSeed = await this.pipeline.implicitScores([seed]);
    const { history } = this.historyOf(request.user);
    let strongest = 0;
    for (const weight of likeSeed) strongest = Math.max(strongest, weight);
    if (!(strongest > 0)) return { positions: new Int32Array(0) };
    const items = this.itemsOf(request.candidates);
    const multipliers = new Float64Array(items.length);
    const seedGenres = new Set(request.seed.genres);
    for (let c = 0; c < items.length; c++) {
      const item = items[c]!;
      if (item < 0 || item === seed || history.has(item)) continue;
      const weight = likeSeed[item]!;
      // Co-picked, and alike: a movie sharing none of the seed's genres keeps a quarter of its weight.
      // Where the picks are thin (a small community) this keeps "more like The Matrix" looking like it.
      if (weight > 0) multipliers[c] = (weight / strongest) * (0.25 + 0.75 * genreJaccard(seedGenres, request.candidates[c]!.genres));
    }
    const user: UserTaste = { ...request.user, favorites: [...request.user.favorites, request.seed] };
    return this.rank({ user, candidates: request.candidates, multipliers, limit: request.limit });
  }

  /** The candidates' item indices (−1: unknown to the models), kept per frozen list. */
  private itemsOf(candidates: readonly Movie[]): Int32Array {
    let items = this.listItems.get(candidates);
    if (items === undefined) {
      items = Int32Array.from(candidates, (movie) => this.itemIndex.get(movie.key) ?? -1);
      if (Object.isFrozen(candidates)) this.listItems.set(candidates, items);
    }
    return items;
  }

  /** The user's history (rated and favorited movies the models know) and their ratings, as item indices. */
  private historyOf(user: UserTaste): { history: Set<number>; ratings: ItemRating[] } {
    const history = new Set<number>();
    const ratings: ItemRating[] = [];
    for (const rating of user.ratings) {
      const item = this.itemIndex.get(rating.movie.key);
      if (item === undefined) continue;
      history.add(item);
      ratings.push({ item, stars: rating.stars });
    }
    for (const movie of user.favorites) {
      const item = this.itemIndex.get(movie.key);
      if (item !== undefined) history.add(item);
    }
    return { history, ratings };
  }

  close(): Promise<void> {
    return this.pipeline.close();
  }
}
