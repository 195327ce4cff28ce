/**
 * The movie catalog, loaded once into memory and served from there: every /feel reads it, and it
 * changes only when a catalog import runs. Movies are frozen because every caller shares them.
 *
 * - First use loads; concurrent first calls share one load.
 * - `refresh()` reloads now (call it after an import).
 * - With `maxAgeMs`, a call after that age starts a reload in the background and is answered from
 *   the cached catalog; later calls get the new one. If that reload finds the database
 *   unreachable, the previous catalog keeps serving and the next reload waits another `maxAgeMs`.
 * @example
 * const catalog = new PrismaCatalogRepository(db.prisma, { maxAgeMs: 10 * 60_000 });
 * const happy = await catalog.moviesForMood('happy', 0.5); // strongest first
 */
import { EMOTIONS, isEmotion, type Emotion, type EmotionWeights } from '../../../core/domain/emotions.ts';
import { movieKey, type Movie } from '../../../core/domain/movie.ts';
import { StorageUnavailableError, type CatalogRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { withStorage } from './storage-errors.ts';

export interface CatalogCacheOptions {
  /** Reload when the cached catalog is older than this (ms). Unset: load once, reload only on refresh(). */
  maxAgeMs?: number;
  /** Milliseconds clock, for tests of maxAgeMs. */
  now?: () => number;
}

interface Snapshot {
  loadedAt: number;
  byId: ReadonlyMap<number, Movie>;
  /** Per mood, movies with a positive weight, strongest first (ties: lower id first). */
  byMood: ReadonlyMap<Emotion, ReadonlyArray<{ movie: Movie; weight: number }>>;
  /** moviesForMood answers, by "mood:minWeight". */
  forMood: Map<string, readonly Movie[]>;
  /** allMovies' answer, made on first use. */
  all?: readonly Movie[];
}

const MOVIE_COLUMNS = {
  id: true, source: true, sourceId: true, title: true, year: true, runtimeMinutes: true, genres: true, certificate: true,
  imdbRating: true, imdbVotes: true, criticScore: true, director: true, cast: true, posterUrl: true, overview: true, imdbId: true,
} as const;

function splitList(value: string | null): string[] {
  return value === null ? [] : value.split('|').map((part) => part.trim()).filter((part) => part !== '');
}

/** Strongest first, then lower id first: the order moviesForMood promises. */
function byWeightThenId(a: { movie: Movie; weight: number }, b: { movie: Movie; weight: number }): number {
  return b.weight - a.weight || a.movie.id - b.movie.id;
}

/** Builds the per-mood index used by moviesForMood. */
function indexByMood(movies: Iterable<Movie>): Map<Emotion, Array<{ movie: Movie; weight: number }>> {
  const byMood = new Map<Emotion, Array<{ movie: Movie; weight: number }>>(EMOTIONS.map((emotion) => [emotion, []]));
  for (const movie of movies) {
    for (const [emotion, weight] of Object.entries(movie.emotions)) {
      if (isEmotion(emotion) && weight !== undefined && weight > 0) byMood.get(emotion)!.push({ movie, weight });
    }
  }
  for (const list of byMood.values()) list.sort(byWeightThenId);
  return byMood;
}

/** Movies for a mood at or above `minWeight`, from an index built by indexByMood. */
function selectForMood(list: ReadonlyArray<{ movie: Movie; weight: number }> | undefined, minWeight: number): Movie[] {
  const out: Movie[] = [];
  for (const entry of list ?? []) {
    // Sorted strongest first, so the first weight under the threshold ends the scan.
    if (entry.weight < minWeight) break;
    out.push(entry.movie);
  }
  return out;
}

export class PrismaCatalogRepository implements CatalogRepository {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  /** Loads started and the newest installed, so an older load finishing late never replaces a newer one. */
  private started = 0;
  private installed = 0;
  private readonly maxAgeMs: number | undefined;
  /** A background reload's failure that was not an outage, for the next call to throw. */
  private reloadFailure: unknown;
  private readonly now: () => number;

  constructor(
    private readonly prisma: PrismaDb,
    options: CatalogCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  /** Every /feel asks this; the answer is kept per snapshot and shared, frozen (the port's promise). */
  async moviesForMood(mood: Emotion, minWeight: number): Promise<readonly Movie[]> {
    const snapshot = await this.current();
    const key = `${mood}:${minWeight}`;
    let movies = snapshot.forMood.get(key);
    if (!movies) {
      movies = Object.freeze(selectForMood(snapshot.byMood.get(mood), minWeight));
      snapshot.forMood.set(key, movies);
    }
    return movies;
  }

  /** In the order asked; unknown and repeated ids are left out. */
  async moviesByIds(ids: readonly number[]): Promise<Movie[]> {
    const snapshot = await this.current();
    const out: Movie[] = [];
    for (const id of new Set(ids)) {
      const movie = snapshot.byId.get(id);
      if (movie) out.push(movie);
    }
    return out;
  }

  async count(): Promise<number> {
    return (await this.current()).byId.size;
  }

  /** Every movie, in id order: kept per snapshot and shared, frozen (the port's promise). */
  async allMovies(): Promise<readonly Movie[]> {
    const snapshot = await this.current();
    snapshot.all ??= Object.freeze([...snapshot.byId.values()].sort((a, b) => a.id - b.id));
    return snapshot.all;
  }

  /** Reloads the catalog now, even if a load is in flight (it may have started before an import finished). */
  async refresh(): Promise<void> {
    await this.startLoad();
  }

  private async current(): Promise<Snapshot> {
    const snapshot = this.snapshot;
    if (snapshot === undefined) return this.loading ?? this.startLoad();
    if (this.reloadFailure !== undefined) {
      const failure = this.reloadFailure;
      this.reloadFailure = undefined;
      throw failure instanceof Error ? failure : new Error('catalog reload failed', { cause: failure });
    }
    if (this.maxAgeMs === undefined || this.now() - snapshot.loadedAt < this.maxAgeMs || this.loading) return snapshot;
    // Stale: reload in the background and serve this one meanwhile. A turn never waits for a reload,
    // and never holds one up: on SQLite a reload started inside a turn's transaction waits for that
    // transaction's lock, so awaiting it there would deadlock until the lock wait times out.
    this.startLoad().catch((error: unknown) => {
      // Availability over freshness: the catalog changes rarely, and every /feel depends on it. The
      // next reload waits another maxAgeMs; anything but an outage (a bug) is thrown by the next call.
      snapshot.loadedAt = this.now();
      if (!(error instanceof StorageUnavailableError)) this.reloadFailure = error;
    });
    return snapshot;
  }

  private startLoad(): Promise<Snapshot> {
    const generation = ++this.started;
    const load = this.load().then((snapshot) => {
      if (generation > this.installed) {
        this.snapshot = snapshot;
        this.installed = generation;
      }
      return this.snapshot ?? snapshot;
    });
    this.loading = load;
    // Forget the promise once settled, unless a newer load replaced it meanwhile. The trailing catch
    // only keeps this side chain from reporting an unhandled rejection; callers get it through `load`.
    load
      .finally(() => {
        if (this.loading === load) this.loading = undefined;
      })
      .catch(() => undefined);
    return load;
  }

  private load(): Promise<Snapshot> {
    return withStorage(async () => {
      // One transaction, so an import committing between the two reads cannot pair new movies with old weights.
      const [movies, emotions] = await this.prisma.$transaction([
        this.prisma.movie.findMany({ select: MOVIE_COLUMNS }),
        this.prisma.movieEmotion.findMany({ select: { movieId: true, emotion: true, weight: true } }),
      ]);
      const weights = new Map<number, EmotionWeights>();
      for (const row of emotions) {
        if (!isEmotion(row.emotion)) continue;
        const entry = weights.get(row.movieId) ?? {};
        entry[row.emotion] = row.weight;
        weights.set(row.movieId, entry);
      }
      const byId = new Map<number, Movie>();
      for (const row of movies) {
        const movie: Movie = {
          id: row.id,
          key: movieKey(row.source, row.sourceId),
          title: row.title,
          year: row.year,
          runtimeMinutes: row.runtimeMinutes,
          genres: Object.freeze(splitList(row.genres)) as string[],
          certificate: row.certificate,
          imdbRating: row.imdbRating,
          imdbVotes: row.imdbVotes,
          criticScore: row.criticScore,
          director: row.director,
          cast: Object.freeze(splitList(row.cast)) as string[],
          posterUrl: row.posterUrl,
          overview: row.overview,
          imdbId: row.imdbId,
          emotions: Object.freeze(weights.get(row.id) ?? {}),
        };
        byId.set(row.id, Object.freeze(movie));
      }
      return { loadedAt: this.now(), byId, byMood: indexByMood(byId.values()), forMood: new Map() };
    });
  }
}
