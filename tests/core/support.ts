/**
 * Shared set-up for the core tests: catalog movies whose mood weights come from the real genre
 * mapping, a logger that remembers what it was told, and the conversation wired the way
 * production wires it (src/app/build-conversation.ts) on the in-memory fakes and a FakeScorer.
 */
import { buildConversation } from '../../src/app/build-conversation.ts';
import { emotionWeightsForGenres } from '../../src/catalog/genres.ts';
import type { FeelmsConversation } from '../../src/core/conversation/conversation.ts';
import type { ChannelUser } from '../../src/core/conversation/turn.ts';
import type { Movie } from '../../src/core/domain/movie.ts';
import type { Logger } from '../../src/core/ports/logger.ts';
import { FakeScorer } from '../fakes/fake-scorer.ts';
import { createInMemoryRepositories, USER_TABLES, type InMemoryRepositories, type RowCounts } from '../fakes/in-memory-repositories.ts';
import { aMovie } from '../fakes/movies.ts';
import { FixedClock, Transcript } from '../helpers/transcript.ts';

/** A catalog movie; its emotions follow its genres as the importer computes them. */
export function film(title: string, year: number, genres: string[], quality: { rating?: number; votes?: number } = {}): Movie {
  return aMovie({ title, year, genres, imdbRating: quality.rating ?? 7.5, imdbVotes: quality.votes ?? 100_000, emotions: emotionWeightsForGenres(genres) });
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => ({
    debug: (fields, message) => entries.push({ level: 'debug', fields: { ...bindings, ...fields }, message }),
    info: (fields, message) => entries.push({ level: 'info', fields: { ...bindings, ...fields }, message }),
    warn: (fields, message) => entries.push({ level: 'warn', fields: { ...bindings, ...fields }, message }),
    error: (fields, message) => entries.push({ level: 'error', fields: { ...bindings, ...fields }, message }),
    child: (more) => make({ ...bindings, ...more }),
  });
  return Object.assign(make({}), { entries });
}

export interface HarnessOptions {
  latencyMs?: number;
  /** Turns per window; the functional tests use a high limit so long transcripts are not slowed down. */
  rateLimitTurns?: number;
  rateLimitExempt?: (user: ChannelUser) => boolean;
  scorer?: FakeScorer;
}

export interface Harness {
  clock: FixedClock;
  repos: InMemoryRepositories;
  scorer: FakeScorer;
  logger: ReturnType<typeof recordingLogger>;
  conversation: FeelmsConversation;
  talk: Transcript;
  /** The user id behind a chat user, without creating one. */
  userIdOf(user: ChannelUser): number | undefined;
  /** Everything stored: row counts per table plus the rows' contents, for "wrote nothing" checks. */
  snapshot(): unknown;
}

export const NO_ROWS: RowCounts = Object.fromEntries(USER_TABLES.map((table) => [table, 0])) as RowCounts;

export function harness(movies: Movie[], options: HarnessOptions = {}): Harness {
  const clock = new FixedClock();
  const repos = createInMemoryRepositories(movies, { latencyMs: options.latencyMs ?? 0, now: () => clock.now() });
  const scorer = options.scorer ?? new FakeScorer();
  const logger = recordingLogger();
  const conversation = buildConversation(
    { blend: { ratingWeight: 0.6, favoriteWeight: 0.4 }, rateLimit: { turns: options.rateLimitTurns ?? 1000, windowSeconds: 10 } },
    repos,
    scorer,
    logger,
    clock,
    options.rateLimitExempt,
  );
  const { store } = repos;
  return {
    clock,
    repos,
    scorer,
    logger,
    conversation,
    talk: new Transcript(conversation),
    userIdOf: (user) => {
      const accountId = store.accountByKey.get(`${user.platform}\u0000${user.platformUserId}`);
      return accountId === undefined ? undefined : store.accounts.get(accountId)?.userId;
    },
    snapshot: () => ({
      rows: Object.fromEntries(USER_TABLES.map((table) => [table, repos.totalRows(table)])),
      states: [...store.states.entries()].sort(([a], [b]) => a - b),
      ratings: [...store.ratings.values()].map((row) => `${row.userId}:${row.movieId}:${row.stars}`).sort(),
      favorites: [...store.favorites.keys()].sort(),
      dismissals: [...store.dismissals.keys()].sort(),
      interactions: store.interactions.length,
      accounts: [...store.accounts.values()].map((account) => `${account.id}:${account.platform}:${account.externalId}`).sort(),
    }),
  };
}

/**
 * The happy-mood catalog most transcripts use. With the cold-start prior (Bayesian IMDb rating ×
 * mood weight) and at most 2 per primary genre, the pages are predictable:
 * Comedy weighs 1.0 for happy, Family 0.8, Animation and Musical 0.7; votes fall within each genre.
 */
export function happyCatalog() {
  const comedy = [1, 2, 3, 4, 5, 6].map((n) => film(`Laugh ${n}`, 1990 + n, ['Comedy'], { rating: 8.1 - n * 0.1, votes: 1_000_000 - n * 50_000 }));
  const family = [1, 2, 3, 4].map((n) => film(`Family ${n}`, 2000 + n, ['Family'], { rating: 8.1 - n * 0.1, votes: 600_000 - n * 50_000 }));
  const animation = [1, 2, 3, 4].map((n) => film(`Cartoon ${n}`, 2010 + n, ['Animation'], { rating: 8.1 - n * 0.1, votes: 400_000 - n * 50_000 }));
  const musical = [1, 2, 3].map((n) => film(`Song ${n}`, 1960 + n, ['Musical'], { rating: 7.9 - n * 0.1, votes: 200_000 - n * 50_000 }));
  const horror = [1, 2, 3].map((n) => film(`Scream ${n}`, 1980 + n, ['Horror'], { rating: 7.0, votes: 300_000 }));
  const romance = [1, 2].map((n) => film(`Kiss ${n}`, 1970 + n, ['Romance'], { rating: 7.2, votes: 200_000 }));
  return { comedy, family, animation, musical, horror, romance, all: [...comedy, ...family, ...animation, ...musical, ...horror, ...romance] };
}
