/**
 * The models committed in models/, loaded the way the bot loads them (OnnxScorer.load), asked about a
 * brand-new user who rated one well-known movie ★5. Reports what the cards would show, with the
 * fold-in the manifest records and with today's defaults (the shipped models predate them: retraining
 * with `npm run train` records the new ones).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogToMovies } from '../../src/app/training-sources.ts';
import { parseCatalog } from '../../src/catalog/parse-catalog.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import type { UserTaste } from '../../src/core/ports/scorer.ts';
import { DEFAULT_FOLD_IN_OPTIONS } from '../../src/ml/fold-in.ts';
import { OnnxScorer } from '../../src/ml/onnx-scorer.ts';
import { REPO_ROOT } from '../helpers/shared-data.ts';

describe('the shipped models (models/)', () => {
  let shipped: OnnxScorer;
  let refolded: OnnxScorer;
  let scratch: string;
  let known: Movie[];
  let unknown: Movie[];
  let loved: Movie;

  beforeAll(async () => {
    shipped = await OnnxScorer.load(join(REPO_ROOT, 'models'));
    // The same model files with today's default fold-in recorded in the manifest.
    scratch = await mkdtemp(join(tmpdir(), 'feelms-shipped-'));
    await cp(join(REPO_ROOT, 'models'), scratch, { recursive: true });
    const manifest = JSON.parse(await readFile(join(scratch, 'manifest.json'), 'utf8')) as { svd: { foldIn: unknown } };
    manifest.svd.foldIn = DEFAULT_FOLD_IN_OPTIONS;
    await writeFile(join(scratch, 'manifest.json'), JSON.stringify(manifest));
    refolded = await OnnxScorer.load(scratch);
    // The SVD's item index also holds favorited-only movies (the ranking pipeline's); only rated ones have stars.
    const movies = catalogToMovies(parseCatalog('vega').movies);
    known = movies.filter((movie) => shipped.knowsStars(movie));
    unknown = movies.filter((movie) => !shipped.knowsStars(movie));
    loved = [...known].sort((a, b) => (b.imdbVotes ?? 0) - (a.imdbVotes ?? 0))[0]!;
  });

  afterAll(async () => {
    await Promise.all([shipped?.close(), refolded?.close()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const newcomer: UserTaste = { userId: 1, ratings: [], favorites: [], viewCount: 0, shownCount: 0 };
  const summary = (stars: number[]) => {
    const sorted = [...stars].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    const mean = stars.reduce((sum, x) => sum + x, 0) / stars.length;
    return { mean, text: `mean ${mean.toFixed(2)}, p10 ${at(0.1)}, p50 ${at(0.5)}, p90 ${at(0.9)}, max ${at(1)}, ≥4.5: ${((100 * sorted.filter((x) => x >= 4.5).length) / sorted.length).toFixed(1)}%` };
  };

  it('GIVEN a brand-new user with one ★5 THEN known movies get a prediction, movies it never saw get none (no flat default)', async () => {
    const one: UserTaste = { ...newcomer, ratings: [{ movie: loved, stars: 5 }], viewCount: 1 };
    const candidates = known.filter((movie) => movie.id !== loved.id);
    const starsOf = async (scorer: OnnxScorer, user: UserTaste) => (await scorer.score({ mood: 'excited', user, candidates })).map((score) => score.predictedStars!);
    const before = summary(await starsOf(shipped, newcomer));
    const after = summary(await starsOf(shipped, one));
    const afterRefolded = summary(await starsOf(refolded, one));
    console.info(
      [
        `models/ ${shipped.name}: ${known.length} catalog movies known to the SVD, ${unknown.length} not; one ★5 on ${loved.title}`,
        `  no ratings:                  ${before.text}`,
        `  one ★5, manifest fold-in:    ${after.text} (shift ${(after.mean - before.mean).toFixed(2)})`,
        `  one ★5, default fold-in now: ${afterRefolded.text} (shift ${(afterRefolded.mean - before.mean).toFixed(2)})`,
      ].join('\n'),
    );
    expect(after.mean).toBeGreaterThan(before.mean);
    // Models trained since the fold-in change record it, so the two agree; older manifests shifted more.
    expect(afterRefolded.mean - before.mean).toBeLessThanOrEqual(after.mean - before.mean + 1e-9);
    const strangers = await shipped.score({ mood: 'excited', user: one, candidates: unknown.slice(0, 200) });
    expect(strangers.every((score) => score.predictedStars === null && score.favoriteProbability === null && score.personalized)).toBe(true);
  });
});
