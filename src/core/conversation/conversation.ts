/**
 * The conversation: one `handle(inbound)` for every channel. It decides what happens; adapters
 * only translate and render. Bad input (unknown moods, out-of-range ratings, forged buttons, empty
 * or huge text) gets a clear reply and writes nothing. Expected outcomes are replies; unexpected
 * errors are caught here once, logged with a reference id the user also sees (STYLE.md C7).
 *
 * @example
 * const conversation = new FeelmsConversation(deps, options);
 * const turn = await conversation.handle({ kind: 'command', name: 'feel', args: 'chill', user });
 */
import { copy } from '../copy.ts';
import { EMOTIONS, type Emotion } from '../domain/emotions.ts';
import type { Movie } from '../domain/movie.ts';
import { parseMood } from '../domain/moods.ts';
import type { Logger } from '../ports/logger.ts';
import {
  StorageUnavailableError,
  type Account,
  type ConversationStateStore,
  type UserRepository,
} from '../ports/repositories.ts';
import type { MovieScore } from '../ports/scorer.ts';
import { Recommender, type RankingConfig, type RecommendDeps } from '../recommend/recommend.ts';
import { SimilarRecommender } from '../recommend/similar.ts';
import { findTitle, invalidTitleQuery, MAX_TITLE_QUERY_CHARS, rankTitles } from '../recommend/title-search.ts';
import { decodePayload, encodePayload, type Action } from './payload.ts';
import { RateLimiter } from './rate-limiter.ts';
import { initialState, readState, type ConversationState } from './state.ts';
import type { ChannelUser, Choice, CommandName, Completion, CompletionRequest, Conversation, Inbound, MovieCard, OutMessage, Turn } from './turn.ts';

export interface ConversationDeps extends RecommendDeps {
  users: UserRepository;
  states: ConversationStateStore;
  /** Random token for references and confirmations; injectable for tests. */
  token?: () => string;
}

export interface ConversationOptions {
  ranking: RankingConfig;
  rateLimit: { turns: number; windowMs: number };
  /** How strongly a genre evokes a mood (from the catalog's mapping). */
  genreWeight: (genre: string, mood: Emotion) => number;
  /** Longer text is refused unread. */
  maxTextLength?: number;
  /**
   * Users the rate limit does not apply to. main.ts exempts the console: a pipe is the operator's own
   * script, and a person at the terminal is paced by the console adapter, which queues lines instead
   * of refusing them (CONSOLE_RATE_LIMIT).
   */
  rateLimitExempt?: (user: ChannelUser) => boolean;
}

const FAVORITES_PAGE_SIZE = 5;
const ONBOARD_COUNT = 5;
const FORGET_CONFIRM_MS = 5 * 60_000;
const SESSION_SHOWN_CAP = 500;
/** Discord shows at most 25 autocomplete choices. */
const MAX_COMPLETIONS = 25;

const defaultToken = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0');

/** Echoes user input safely: whole code points (never half an emoji), one line, at most `max`. */
function quote(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  const points = Array.from(flat);
  return points.length <= max ? flat : `${points.slice(0, max).join('')}…`;
}

/**
 * "Temporarily unavailable": a tap's toast, or a message. Also what delivery answers at once while
 * the database is known to be down, without running the turn.
 */
export function unavailableTurn(input: Pick<Inbound, 'kind'>): Turn {
  return input.kind === 'choice' ? { messages: [], ack: { toast: copy.unavailable() } } : say(copy.unavailable());
}

/** A turn outcome that is only words: no card, no buttons. */
const say = (...texts: string[]): Turn => ({ messages: texts.map((text) => ({ text })) });
/** Words only the acting user needs (Discord shows them to them alone). */
const sayPrivately = (text: string): Turn => ({ messages: [{ text, ephemeral: true }] });

export function moodChoices(): Choice[][] {
  const choices = EMOTIONS.map((mood) => ({ label: copy.moodLabel(mood), payload: encodePayload({ action: 'mood', mood }) }));
  return [choices.slice(0, 4), choices.slice(4)];
}

export function cardChoices(movieId: number, status: { rated: number | null; favorite: boolean }): Choice[][] {
  return [
    [1, 2, 3, 4, 5].map((stars) => ({
      label: copy.rateButton(stars),
      payload: encodePayload({ action: 'rate', movieId, stars }),
      ...(status.rated === stars ? { selected: true, style: 'success' as const } : {}),
    })),
    [
      { label: copy.favButton(status.favorite), payload: encodePayload({ action: 'fav', movieId, on: !status.favorite }), ...(status.favorite ? { selected: true } : {}) },
      { label: copy.dismissButton(), payload: encodePayload({ action: 'dismiss', movieId }) },
      { label: copy.detailsButton(), payload: encodePayload({ action: 'details', movieId }) },
      { label: copy.similarButton(), payload: encodePayload({ action: 'similar', movieId }) },
    ],
  ];
}

/**
 * The scores line of a card: the model's prediction for this user; for a movie the model has never
 * seen, the film's IMDb figures and "new to Feelms"; without models (popularity), only the film's
 * IMDb figures, never a "for you" number. Null when unscored (favorites list, scorer failure).
 */
function scoresLine(movie: Movie, score: MovieScore | null): string | null {
  if (score === null) return null;
  const facts = copy.imdbFacts(movie.imdbRating, movie.imdbVotes);
  if (!score.personalized) return facts;
  if (score.predictedStars === null) return copy.newToFeelms(facts);
  return copy.scores(score.predictedStars, score.favoriteProbability);
}

export function movieCard(index: number, movie: Movie, score: MovieScore | null, reason: string | null): MovieCard {
  return {
    index,
    movieId: movie.id,
    heading: copy.heading(movie.title, movie.year),
    facts: copy.facts(movie.genres, movie.runtimeMinutes),
    scores: scoresLine(movie, score),
    reason,
    overview: movie.overview,
    posterUrl: movie.posterUrl,
    imdbUrl: movie.imdbId ? `https://www.imdb.com/title/${movie.imdbId}/` : null,
  };
}

/** The one-line text form of a card: "N. Title (Year) · genres · runtime · scores — reason". */
export function cardLine(card: MovieCard): string {
  // Catalog text can hold newlines; a card is one line (the console contract).
  return ([`${card.index}. ${card.heading}`, card.facts || null, card.scores].filter(Boolean).join(' · ') + (card.reason ? ` — ${card.reason}` : '')).replace(/\s*[\r\n]+\s*/g, ' ');
}

export class FeelmsConversation implements Conversation {
  private readonly limiter: RateLimiter;
  private readonly recommender: Recommender;
  private readonly similar: SimilarRecommender;
  private readonly pageSize: number;
  private readonly log: Logger;
  private readonly token: () => string;
  private readonly maxTextLength: number;
  private readonly rateLimitExempt: (user: ChannelUser) => boolean;

  constructor(
    private readonly deps: ConversationDeps,
    options: ConversationOptions,
  ) {
    this.limiter = new RateLimiter(options.rateLimit, deps.clock);
    this.recommender = new Recommender(deps, options.ranking, options.genreWeight);
    this.similar = new SimilarRecommender(deps, options.ranking);
    this.pageSize = options.ranking.pageSize;
    this.log = deps.logger.child({ module: 'conversation' });
    this.token = deps.token ?? defaultToken;
    this.maxTextLength = options.maxTextLength ?? 4096;
    this.rateLimitExempt = options.rateLimitExempt ?? (() => false);
  }

  async handle(input: Inbound): Promise<Turn> {
    const key = `${input.user.platform}:${input.user.platformUserId}`;
    if (!this.rateLimitExempt(input.user) && !this.limiter.allow(key)) {
      const text = copy.slowDown(this.limiter.retryAfterSeconds(key));
      if (input.kind === 'choice') return { messages: [], ack: { toast: text } };
      // Said once per window: a flood of commands must not become a flood of replies.
      return this.limiter.firstRefusal(key) ? say(text) : { messages: [] };
    }
    const turnId = this.token();
    const started = this.deps.clock.now().getTime();
    try {
      const turn = await this.dispatch(input);
      this.log.debug({ turnId, kind: input.kind, platform: input.user.platform, ms: this.deps.clock.now().getTime() - started }, 'turn');
      return turn;
    } catch (error) {
      if (error instanceof StorageUnavailableError) {
        this.log.warn({ err: error, turnId, platform: input.user.platform }, 'storage unavailable');
        return { ...unavailableTurn(input), outcome: 'unavailable' };
      }
      this.log.error({ err: error, turnId, kind: input.kind, platform: input.user.platform }, 'turn failed');
      const failed = input.kind === 'choice' ? { messages: [{ text: copy.failed(turnId), ephemeral: true }], ack: { toast: copy.failed(turnId) } } : say(copy.failed(turnId));
      return { ...failed, outcome: 'failed' };
    }
  }

  /** `/like title:` autocomplete: the best titles for what is typed so far. Reads the catalog only. */
  async complete(request: CompletionRequest): Promise<Completion[]> {
    if (request.command !== 'like' || request.option !== 'title') return [];
    try {
      const movies = await this.deps.catalog.allMovies();
      return rankTitles(movies, request.text, MAX_COMPLETIONS).map(({ movie }) => {
        const heading = copy.heading(movie.title, movie.year);
        return { label: heading, value: heading };
      });
    } catch (error) {
      if (error instanceof StorageUnavailableError) return [];
      throw error;
    }
  }

  private dispatch(input: Inbound): Promise<Turn> {
    switch (input.kind) {
      case 'text':
        return this.onText(input.text, input.user);
      case 'choice':
        return this.onChoice(input.payload, input.user);
      case 'command':
        return this.onCommand(input.name, input.args, input.user);
    }
  }

  private onText(raw: string, user: ChannelUser): Promise<Turn> {
    if (raw.length > this.maxTextLength) return Promise.resolve(say(copy.tooLong(this.maxTextLength)));
    const text = raw.trim();
    if (text === '') return Promise.resolve(say(copy.emptyText()));
    if (text.startsWith('/')) return Promise.resolve(say(copy.unknownCommand(quote(text.split(/\s/)[0]!, 32))));
    const mood = parseMood(text);
    if (mood) return this.onCommand('feel', mood, user);
    return Promise.resolve({ messages: [{ text: copy.freeText(), choices: moodChoices() }] });
  }

  private async onCommand(name: CommandName, rawArgs: string, user: ChannelUser): Promise<Turn> {
    if (rawArgs.length > this.maxTextLength) return say(copy.tooLong(this.maxTextLength));
    const args = rawArgs.trim();
    switch (name) {
      case 'start': {
        const { account, state } = await this.session(user);
        const greeting = account.created ? copy.welcome(user.displayName) : copy.welcomeBack(user.displayName);
        const mood = args ? parseMood(args) : null;
        if (mood) {
          const page = await this.moodPage(account, state, mood, true);
          return { messages: [{ text: greeting }, ...page.messages] };
        }
        return { messages: [{ text: greeting, choices: moodChoices() }] };
      }
      case 'help':
        return { messages: [{ text: copy.help(), choices: moodChoices() }] };
      case 'feel': {
        const mood = parseMood(args);
        if (!mood) return { messages: [{ text: copy.unknownMood(quote(args, 40)), choices: moodChoices() }] };
        const { account, state } = await this.session(user);
        return this.moodPage(account, state, mood, true);
      }
      case 'more': {
        const { account, state } = await this.session(user);
        if (state.like !== null) {
          const [seed] = await this.deps.catalog.moviesByIds([state.like]);
          if (seed) return this.likePage(account, state, seed, false);
        }
        if (!state.mood) return { messages: [{ text: copy.noMoodYet(), choices: moodChoices() }] };
        return this.moodPage(account, state, state.mood, false);
      }
      case 'like':
        return this.like(args, user);
      case 'rate': {
        const match = /^(\S+)\s+(\S+)$/.exec(args);
        if (!match) return say(copy.badRateUsage());
        const [, position, starsText] = match as unknown as [string, string, string];
        const stars = /^[1-5]$/.test(starsText) ? Number(starsText) : null;
        if (stars === null) return say(copy.badStars(quote(starsText, 12)));
        const { account, state } = await this.session(user);
        const movie = await this.movieAt(state, position);
        if (!movie) return say(copy.badListNumber(quote(position, 12), state.list.length));
        await this.rate(account, state, movie, stars);
        return say(copy.ratedLine(movie.title, stars));
      }
      case 'fav':
      case 'unfav': {
        if (!/^\S+$/.test(args)) return say(copy.badFavUsage(name));
        const { account, state } = await this.session(user);
        const movie = await this.movieAt(state, args);
        if (!movie) return say(copy.badListNumber(quote(args, 12), state.list.length));
        const changed = await this.setFavorite(account, state, movie, name === 'fav');
        if (name === 'fav') return say(changed ? copy.favoritedLine(movie.title) : copy.alreadyFavorite(movie.title));
        return say(changed ? copy.unfavoritedLine(movie.title) : copy.notFavorite(movie.title));
      }
      case 'favorites': {
        const { account, state } = await this.session(user);
        const turn = await this.favoritesPage(account, state, 0);
        await this.saveState(account, state);
        return turn;
      }
      case 'forgetme': {
        const { account, state } = await this.session(user);
        if (args.toLowerCase() === 'yes' && state.forget && state.forget.expiresAt > this.deps.clock.now().getTime()) {
          return this.forget(account);
        }
        const nonce = this.token();
        state.forget = { nonce, expiresAt: this.deps.clock.now().getTime() + FORGET_CONFIRM_MS };
        await this.saveState(account, state);
        return {
          messages: [
            {
              text: copy.forgetConfirm(),
              ephemeral: true,
              choices: [
                [
                  { label: copy.forgetYes(), payload: encodePayload({ action: 'forget', nonce }), style: 'danger' },
                  { label: copy.forgetNo(), payload: encodePayload({ action: 'keep' }), style: 'secondary' },
                ],
              ],
            },
          ],
        };
      }
    }
  }

  private async onChoice(payload: string, user: ChannelUser): Promise<Turn> {
    const decoded = decodePayload(payload);
    if (!decoded.ok) {
      this.log.info({ platform: user.platform, reason: decoded.reason }, 'rejected button payload');
      return { messages: [], ack: { toast: copy.expired() } };
    }
    const action: Action = decoded.value;
    switch (action.action) {
      case 'mood': {
        const { account, state } = await this.session(user);
        return this.moodPage(account, state, action.mood, true);
      }
      case 'more': {
        const { account, state } = await this.session(user);
        // Someone else's "more" button: continue the presser's own session when it is the same mood, else start one.
        return this.moodPage(account, state, action.mood, state.mood !== action.mood);
      }
      case 'onboard': {
        const { account, state } = await this.session(user);
        return this.onboard(account, state, action.mood);
      }
      case 'favorites': {
        const { account, state } = await this.session(user);
        const turn = await this.favoritesPage(account, state, action.page);
        await this.saveState(account, state);
        return { ...turn, ack: { toast: copy.favoritesToast() } };
      }
      case 'keep': {
        // Confirmation buttons never register anyone: a stranger's forged press finds no session.
        const found = await this.existingSession(user);
        if (!found) return { messages: [], ack: { toast: copy.kept(), updatedChoices: [] } };
        const { account, state } = found;
        state.forget = null;
        await this.saveState(account, state);
        return { messages: [{ text: copy.kept(), ephemeral: true }], ack: { toast: copy.kept(), updatedChoices: [] } };
      }
      case 'forget': {
        const found = await this.existingSession(user);
        if (!found) return { messages: [], ack: { toast: copy.forgetExpired() } };
        const { account, state } = found;
        const pending = state.forget;
        if (!pending || pending.nonce !== action.nonce || pending.expiresAt <= this.deps.clock.now().getTime()) {
          return { messages: [], ack: { toast: copy.forgetExpired() } };
        }
        const turn = await this.forget(account);
        return { ...turn, ack: { toast: copy.forgotten(), updatedChoices: [] } };
      }
      default:
        return this.onMovieAction(action, user);
    }
  }

  private async onMovieAction(action: Extract<Action, { movieId: number }>, user: ChannelUser): Promise<Turn> {
    const [movie] = await this.deps.catalog.moviesByIds([action.movieId]);
    if (!movie) return { messages: [], ack: { toast: copy.expired() } };
    const { account, state } = await this.session(user);
    switch (action.action) {
      case 'rate': {
        await this.rate(account, state, movie, action.stars);
        const favorite = (await this.deps.favorites.favoritesOf(account.userId)).some((f) => f.movieId === movie.id);
        return { messages: [], ack: { toast: copy.rated(action.stars), updatedChoices: cardChoices(movie.id, { rated: action.stars, favorite }) } };
      }
      case 'fav': {
        await this.setFavorite(account, state, movie, action.on);
        const rated = (await this.deps.ratings.ratingsOf(account.userId)).find((r) => r.movieId === movie.id)?.stars ?? null;
        return {
          messages: [],
          ack: { toast: action.on ? copy.favorited() : copy.unfavorited(), updatedChoices: cardChoices(movie.id, { rated, favorite: action.on }) },
        };
      }
      case 'dismiss': {
        await this.deps.dismissals.dismiss(account.userId, movie.id);
        return { messages: [], ack: { toast: copy.dismissed(), updatedChoices: [] } };
      }
      case 'details': {
        await this.deps.interactions.recordView(account.userId, movie.id, state.mood, this.deps.clock.now());
        return {
          messages: [{ text: `${copy.heading(movie.title, movie.year)}\n${copy.details(movie)}`, ephemeral: true }],
          ack: { toast: copy.detailsToast() },
        };
      }
      case 'similar': {
        const turn = await this.likePage(account, state, movie, true);
        return { ...turn, ack: { toast: copy.similarToast(copy.heading(movie.title, movie.year)) } };
      }
      case 'moreLike':
        // Someone else's "more" button: continue the presser's own session when it is the same seed, else start one.
        return this.likePage(account, state, movie, state.like !== movie.id);
    }
  }

  /**
   * `/like <title>`: the movie the title names, then movies like it. Usage, unreadable titles and
   * unknown ones get a reply and change nothing (no user is registered); an unsure match gets up to
   * three "did you mean" buttons, each a 🔁 for its movie (typed in the console: "the matrix 1999").
   */
  private async like(args: string, user: ChannelUser): Promise<Turn> {
    const invalid = invalidTitleQuery(args);
    if (invalid === 'empty') return sayPrivately(copy.likeUsage());
    if (invalid === 'tooLong') return sayPrivately(copy.likeTooLong(MAX_TITLE_QUERY_CHARS));
    if (invalid === 'noLetters') return sayPrivately(copy.likeNoLetters());
    const found = findTitle(await this.deps.catalog.allMovies(), args);
    switch (found.kind) {
      case 'invalid':
        return sayPrivately(copy.likeUsage());
      case 'none':
        return sayPrivately(copy.likeNotFound(quote(args, 60)));
      case 'suggestions':
        return {
          messages: [
            {
              text: copy.didYouMean(quote(args, 60)),
              choices: found.movies.map((movie) => [{ label: copy.heading(movie.title, movie.year), payload: encodePayload({ action: 'similar', movieId: movie.id }) }]),
            },
          ],
        };
      case 'found': {
        const { account, state } = await this.session(user);
        return this.likePage(account, state, found.movie, true);
      }
    }
  }

  /**
   * A page of movies like `seed` (SimilarRecommender), made the last list so /rate, /fav and ★ work
   * on it; ➡ More and /more page on without repeating. A "more like" session replaces the mood session.
   */
  private async likePage(account: Account, state: ConversationState, seed: Movie, fresh: boolean): Promise<Turn> {
    if (fresh || state.like !== seed.id) {
      state.like = seed.id;
      state.mood = null;
      state.sessionShown = [];
      state.cited = [];
      state.page = 0;
    }
    const heading = copy.heading(seed.title, seed.year);
    const result = await this.similar.similar(account.userId, seed.id, this.pageSize, new Set(state.sessionShown));
    if (!result || result.picks.length === 0) {
      await this.saveState(account, state);
      return { messages: [{ text: copy.noSimilar(heading, state.page), choices: moodChoices() }] };
    }
    const ids = result.picks.map((pick) => pick.movie.id);
    const page = state.page;
    state.list = ids;
    state.sessionShown = [...state.sessionShown, ...ids].slice(-SESSION_SHOWN_CAP);
    state.page = page + 1;
    await Promise.all([this.deps.interactions.recordShown(account.userId, ids, null, this.deps.clock.now()), this.saveState(account, state)]);

    const messages: OutMessage[] = [{ text: copy.similarIntro(heading, page) }];
    result.picks.forEach((pick, i) => {
      const card = movieCard(i + 1, pick.movie, pick.score, pick.reason);
      messages.push({ text: cardLine(card), card, choices: cardChoices(pick.movie.id, { rated: null, favorite: false }) });
    });
    messages.push({
      text: copy.listFooter(),
      choices: [[{ label: copy.moreButton(), payload: encodePayload({ action: 'moreLike', movieId: seed.id }), style: 'primary' }]],
    });
    return { messages };
  }

  /** Finds or creates the acting user (first contact registers them) and loads their state. */
  private async session(user: ChannelUser): Promise<{ account: Account; state: ConversationState }> {
    const account = await this.deps.users.findOrCreate(user);
    if (account.created) return { account, state: initialState() };
    const stored = account.state !== undefined ? account.state : await this.deps.states.load(account.accountId);
    return { account, state: readState(stored) };
  }

  private async existingSession(user: ChannelUser): Promise<{ account: Account; state: ConversationState } | null> {
    const account = await this.deps.users.find(user);
    return account ? { account, state: readState(await this.deps.states.load(account.accountId)) } : null;
  }

  private saveState(account: Account, state: ConversationState): Promise<void> {
    return this.deps.states.save(account.accountId, state);
  }

  private async movieAt(state: ConversationState, position: string): Promise<Movie | null> {
    if (!/^\d{1,3}$/.test(position)) return null;
    const id = state.list[Number(position) - 1];
    if (id === undefined) return null;
    const [movie] = await this.deps.catalog.moviesByIds([id]);
    return movie ?? null;
  }

  /** A repeated identical rating (a double click, a redelivered update) writes nothing more. */
  private async rate(account: Account, state: ConversationState, movie: Movie, stars: number): Promise<void> {
    const previous = (await this.deps.ratings.ratingsOf(account.userId)).find((r) => r.movieId === movie.id)?.stars;
    if (previous === stars) return;
    await this.deps.ratings.rate(account.userId, movie.id, stars);
    await this.deps.interactions.recordView(account.userId, movie.id, state.mood, this.deps.clock.now());
  }

  private async setFavorite(account: Account, state: ConversationState, movie: Movie, on: boolean): Promise<boolean> {
    const changed = on ? await this.deps.favorites.add(account.userId, movie.id) : await this.deps.favorites.remove(account.userId, movie.id);
    if (on && changed) await this.deps.interactions.recordView(account.userId, movie.id, state.mood, this.deps.clock.now());
    return changed;
  }

  private async moodPage(account: Account, state: ConversationState, mood: Emotion, fresh: boolean): Promise<Turn> {
    if (fresh || state.mood !== mood) {
      state.mood = mood;
      state.like = null;
      state.sessionShown = [];
      state.cited = [];
      state.page = 0;
    }
    const { picks, coldStart } = await this.recommender.recommend(account.userId, mood, new Set(state.sessionShown), new Set(state.cited));
    if (picks.length === 0) {
      await this.saveState(account, state);
      return { messages: [{ text: copy.noMoreMovies(mood), choices: moodChoices() }] };
    }
    const ids = picks.map((pick) => pick.movie.id);
    const page = state.page;
    state.list = ids;
    state.sessionShown = [...state.sessionShown, ...ids].slice(-SESSION_SHOWN_CAP);
    state.cited = picks.flatMap((pick) => (pick.citedMovieId === null ? [] : [pick.citedMovieId]));
    state.page = page + 1;
    // Independent writes: one round trip of latency instead of two.
    await Promise.all([this.deps.interactions.recordShown(account.userId, ids, mood, this.deps.clock.now()), this.saveState(account, state)]);

    const messages: OutMessage[] = [{ text: copy.listIntro(mood, page) }];
    picks.forEach((pick, i) => {
      const card = movieCard(i + 1, pick.movie, pick.score, pick.reason);
      messages.push({ text: cardLine(card), card, choices: cardChoices(pick.movie.id, { rated: null, favorite: false }) });
    });
    const footer: Choice[] = [{ label: copy.moreButton(), payload: encodePayload({ action: 'more', mood }), style: 'primary' }];
    if (coldStart) footer.push({ label: copy.rateSomeButton(), payload: encodePayload({ action: 'onboard', mood }) });
    messages.push({ text: coldStart ? `${copy.listFooter()}\n${copy.coldStartOffer(mood)}` : copy.listFooter(), choices: [footer] });
    return { messages };
  }

  private async onboard(account: Account, state: ConversationState, mood: Emotion): Promise<Turn> {
    const movies = await this.recommender.wellKnown(account.userId, mood, ONBOARD_COUNT);
    if (movies.length === 0) return say(copy.nothingToRate());
    const ids = movies.map((movie) => movie.id);
    state.list = ids;
    if (state.like !== null) {
      // Rating a few for a mood leaves the "more like" session: /more then means the mood.
      state.like = null;
      state.sessionShown = [];
      state.cited = [];
      state.page = 0;
    }
    state.mood = mood;
    await Promise.all([this.deps.interactions.recordShown(account.userId, ids, mood, this.deps.clock.now()), this.saveState(account, state)]);
    return {
      messages: [
        { text: copy.onboardIntro(mood) },
        ...movies.map((movie, i) => {
          const card = movieCard(i + 1, movie, null, copy.wellKnown(movie.imdbRating));
          return { text: cardLine(card), card, choices: cardChoices(movie.id, { rated: null, favorite: false }) };
        }),
      ],
    };
  }

  private async favoritesPage(account: Account, state: ConversationState, requestedPage: number): Promise<Turn> {
    const favorites = await this.deps.favorites.favoritesOf(account.userId);
    if (favorites.length === 0) {
      state.list = [];
      return { messages: [{ text: copy.noFavorites(), ephemeral: true }] };
    }
    const pages = Math.ceil(favorites.length / FAVORITES_PAGE_SIZE);
    const page = Math.min(Math.max(0, requestedPage), pages - 1);
    const slice = favorites.slice(page * FAVORITES_PAGE_SIZE, (page + 1) * FAVORITES_PAGE_SIZE);
    const movies = await this.deps.catalog.moviesByIds(slice.map((f) => f.movieId));
    const byId = new Map(movies.map((movie) => [movie.id, movie]));
    const shown = slice.flatMap((f) => byId.get(f.movieId) ?? []);
    state.list = shown.map((movie) => movie.id);
    const navigation: Choice[] = [];
    if (page > 0) navigation.push({ label: copy.prevPage(), payload: encodePayload({ action: 'favorites', page: page - 1 }) });
    if (page < pages - 1) navigation.push({ label: copy.nextPage(), payload: encodePayload({ action: 'favorites', page: page + 1 }) });
    return {
      messages: [
        { text: copy.favoritesTitle(favorites.length, page, pages), ephemeral: true },
        ...shown.map((movie, i) => {
          const card = movieCard(i + 1, movie, null, null);
          return {
            text: cardLine(card),
            card,
            ephemeral: true,
            choices: [
              [
                { label: copy.favButton(true), payload: encodePayload({ action: 'fav', movieId: movie.id, on: false }) },
                { label: copy.similarButton(), payload: encodePayload({ action: 'similar', movieId: movie.id }) },
              ],
            ],
          };
        }),
        ...(navigation.length > 0 ? [{ text: copy.favoritesPageOf(page, pages), ephemeral: true, choices: [navigation] }] : []),
      ],
    };
  }

  private async forget(account: Account): Promise<Turn> {
    const deleted = await this.deps.users.forget(account.userId);
    this.log.info({ userId: account.userId, tables: Object.keys(deleted).length }, 'user forgotten');
    return { messages: [{ text: copy.forgotten(), ephemeral: true }] };
  }
}
