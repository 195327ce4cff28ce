/**
 * Every word a user reads, in one place (STYLE.md C15). Adapters lay these strings out; they never
 * write copy of their own. Plain text: adapters escape for their markup.
 * @example
 * copy.rated(4) // 'Rated ★4'
 */
import { EMOTIONS, type Emotion } from './domain/emotions.ts';
import { MOOD_EMOJI } from './domain/moods.ts';
import type { CommandName } from './conversation/turn.ts';

const MOOD_BLURB: Record<Emotion, string> = {
  happy: 'to lift your mood',
  excited: 'for a rush of adrenaline',
  relaxed: 'to unwind with',
  romantic: 'for a romantic night',
  scared: 'to get your heart racing',
  sad: 'for a good cry',
  thoughtful: 'to get you thinking',
  inspired: 'to fire you up',
};

/**
 * Predicted stars to the half star: the SVD misses by about 0.9 of a star on average (RMSE), so
 * tenths would claim a precision it does not have. 4.26 → "4½", 3.9 → "4".
 */
function halfStars(stars: number): string {
  const halves = Math.round(Math.min(5, Math.max(1, stars)) * 2);
  return halves % 2 === 0 ? String(halves / 2) : `${(halves - 1) / 2}½`;
}

/**
 * P(favorite) as a word: the forest ranks favorites only moderately well (AUC ≈ 0.7) and its
 * probabilities are not calibrated per movie, so a percent would be invented precision. About 30 %
 * of the movies people open become favorites; "high" is well above that, "low" well below.
 */
function favoriteChanceWord(probability: number): string {
  return probability >= 0.45 ? 'high' : probability >= 0.2 ? 'medium' : 'low';
}

/** ["Action"] → "Action", ["Action", "Sci-Fi"] → "Action and Sci-Fi", three → "A, B and C". */
function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
}

/** 1234567 → "1.2M", 85432 → "85K", 950 → "950". */
function compactCount(count: number): string {
  if (count >= 999_500) return `${(count / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
  if (count >= 1_000) return `${Math.round(count / 1_000)}K`;
  return String(Math.round(count));
}

export const copy = {
  moodLabel: (mood: Emotion) => `${MOOD_EMOJI[mood]} ${mood[0]!.toUpperCase()}${mood.slice(1)}`,
  moodList: () => EMOTIONS.join(', '),

  welcome: (name: string) =>
    [
      `Hi ${name}! I'm Feelms: movies for the mood you're in.`,
      '1. Tell me how you feel: tap a mood or type /feel happy.',
      '2. I pick movies for that mood, ranked for you.',
      '3. Rate what you watch and save favorites: my picks get better every time.',
    ].join('\n'),
  welcomeBack: (name: string) => `Welcome back, ${name}! How do you feel tonight?`,
  pickMood: () => `How do you feel? Pick a mood, or type /feel <mood> (${EMOTIONS.join(', ')}).`,
  help: () =>
    [
      'Feelms recommends movies by mood.',
      '/feel <mood>: movies for a mood (happy, excited, relaxed, romantic, scared, sad, thoughtful, inspired; "chill", "spooky" and 😂 work too)',
      '/more: more movies for the same mood (or the same "more like")',
      '/like <title>: movies like one you name, e.g. /like The Matrix (🔁 on a movie does the same)',
      '/rate <n> <1-5>: rate movie number n of the last list',
      '/fav <n>, /unfav <n>: save or remove a favorite',
      '/favorites: your favorites',
      '/forgetme: delete everything Feelms knows about you',
    ].join('\n'),
  /** One line per command, for command menus (Telegram setMyCommands, Discord slash commands). Max 100 characters each. */
  commandDescriptions: (): Record<CommandName, string> => ({
    start: 'Start here: what Feelms does, and the moods',
    help: 'The commands',
    feel: 'Movies for a mood: happy, excited, relaxed, romantic, scared, sad, thoughtful, inspired',
    more: 'More movies for the same mood',
    like: 'Movies like one you name: /like <title>',
    rate: 'Rate a movie of the last list: /rate <n> <1-5>',
    fav: 'Save movie n of the last list to your favorites',
    unfav: 'Remove movie n of the last list from your favorites',
    favorites: 'Your favorite movies',
    forgetme: 'Delete everything Feelms knows about you',
  }),
  /** Discord's `private` option on /feel. */
  privateOption: () => 'Only you see the answer',
  /** Discord's `title` option on /like. */
  titleOption: () => 'A movie title (pick one as you type, or type it: "the matrix", "amelie 2001")',
  /** Toast for a tap whose turn takes longer than the platform lets us wait. */
  working: () => 'Working on it…',
  unknownCommand: (text: string) => `I don't know "${text}". Try /help.`,
  unknownMood: (text: string) =>
    text ? `I don't know the mood "${text}". Pick one of these:` : 'Which mood? Pick one of these:',
  freeText: () => "I only understand commands and moods. Tell me how you feel, e.g. /feel relaxed, or try /help.",
  emptyText: () => 'Say something! For example /feel happy, or /help.',
  tooLong: (max: number) => `That message is too long for me (over ${max} characters). Try /help.`,

  listIntro: (mood: Emotion, page: number) =>
    page === 0 ? `${MOOD_EMOJI[mood]} Movies for when you feel ${mood}:` : `${MOOD_EMOJI[mood]} More ${mood} movies:`,
  listFooter: () => 'Rate with the stars (or /rate <n> <1-5>), ❤ to save, 🙈 if not for you. /more for more.',
  /** The footer in the terminal, which has no stars, ❤ or 🙈 to tap: the typed commands instead. */
  consoleListFooter: () => 'Type /rate <n> <1-5> to rate movie n, /fav <n> to save it, /like <title> for movies like one. /more for more.',
  noMoreMovies: (mood: Emotion) => `That's every ${mood} movie I have for you right now. Try another mood:`,
  noMoodYet: () => 'Pick a mood first:',
  coldStartOffer: (mood: Emotion) => `New here? Rate a few well-known ${mood} movies and my picks will fit you at once.`,
  onboardIntro: (mood: Emotion) => `Seen any of these ${mood} movies? Rate the ones you know:`,
  nothingToRate: () => "You've rated every well-known movie I'd ask about. Try /feel for new picks.",

  similarIntro: (heading: string, page: number) => (page === 0 ? `🔁 More like ${heading}:` : `🔁 Even more like ${heading}:`),
  similarToast: (heading: string) => `More like ${heading}`,
  noSimilar: (heading: string, page: number) =>
    page === 0 ? `I have nothing like ${heading} for you yet. Try a mood:` : `That's every movie like ${heading} I have for you right now. Try a mood:`,
  /** Reason on a "more like" card from the item model: people who picked the seed picked this one too. */
  fansAlsoPick: (title: string) => `Fans of ${title} pick it too`,
  /** Reason on a "more like" card found by genre (no model knows the seed): the genres it shares with the seed. */
  sharesGenres: (title: string, genres: readonly string[]) =>
    genres.length === 0 ? `Because you asked for more like ${title}` : `Shares ${listWords(genres)} with ${title}`,
  likeUsage: () => 'Name a movie and I\'ll find more like it: /like <title>, e.g. /like The Matrix or /like amelie 2001.',
  likeNotFound: (text: string) => `I can't find a movie called "${text}". Check the spelling, or add its year: /like the matrix 1999.`,
  didYouMean: (text: string) => `I'm not sure which movie "${text}" is. Did you mean one of these?`,
  likeTooLong: (max: number) => `That's too long for a movie title (over ${max} characters). Try /like the matrix.`,
  likeNoLetters: () => 'A movie title needs letters or digits. Try /like the matrix.',

  heading: (title: string, year: number | null) => (year ? `${title} (${year})` : title),
  facts: (genres: readonly string[], runtimeMinutes: number | null) =>
    [genres.length > 0 ? genres.join(', ') : null, runtimeMinutes ? `${runtimeMinutes} min` : null].filter(Boolean).join(' · '),
  /** A model's prediction for this user: "★ 4½ for you · high favorite chance". */
  scores: (stars: number, favoriteChance: number | null) =>
    [`★ ${halfStars(stars)} for you`, favoriteChance === null ? null : `${favoriteChanceWord(favoriteChance)} favorite chance`].filter(Boolean).join(' · '),
  /** The film's own figures, for cards without a prediction: "IMDb 8.1/10 · 1.2M votes", or null when there are none. */
  imdbFacts: (rating: number | null, votes: number | null) =>
    rating === null ? null : `IMDb ${rating.toFixed(1)}/10${votes !== null && votes > 0 ? ` · ${compactCount(votes)} votes` : ''}`,
  /** The models are loaded but have never seen this movie (e.g. imported after they were trained); `facts` from imdbFacts. */
  newToFeelms: (facts: string | null) => (facts ? `${facts} · new to Feelms: no prediction yet` : 'New to Feelms: no prediction yet'),
  becauseYouLoved: (title: string) => `Because you loved ${title}`,
  standing: (rating: number, votes: number) => `IMDb ${rating.toFixed(1)} from ${compactCount(votes)} votes`,
  newToYou: (genre: string) => `New to you: you haven't rated ${/^[aeiou]/i.test(genre) ? 'an' : 'a'} ${genre.toLowerCase()} movie yet`,
  fitsMood: (mood: Emotion, genre: string | null) =>
    genre ? `${/^[aeiou]/i.test(genre) ? 'An' : 'A'} ${genre.toLowerCase()} pick ${MOOD_BLURB[mood]}` : `A pick ${MOOD_BLURB[mood]}`,
  wellKnown: (rating: number | null) => (rating ? `IMDb ${rating.toFixed(1)}` : 'A well-known pick'),
  details: (lines: { director: string | null; cast: readonly string[]; overview: string | null; imdbRating: number | null }) =>
    [
      lines.overview,
      lines.director ? `Director: ${lines.director}` : null,
      lines.cast.length > 0 ? `Starring: ${lines.cast.join(', ')}` : null,
      lines.imdbRating ? `IMDb: ${lines.imdbRating.toFixed(1)}/10` : null,
    ]
      .filter(Boolean)
      .join('\n') || 'No more details about this one, sorry.',

  rateButton: (stars: number) => `★${stars}`,
  favButton: (on: boolean) => (on ? '💔 Unfavorite' : '❤ Favorite'),
  dismissButton: () => '🙈 Not for me',
  detailsButton: () => 'ℹ Details',
  similarButton: () => '🔁 Similar',
  moreButton: () => '➡ More',
  rateSomeButton: () => '⭐ Rate a few',
  prevPage: () => '⬅ Previous',
  nextPage: () => 'Next ➡',

  rated: (stars: number) => `Rated ★${stars}`,
  ratedLine: (title: string, stars: number) => `Rated ${title} ★${stars}. Your next picks will take it into account.`,
  favorited: () => 'Saved to favorites ❤',
  favoritedLine: (title: string) => `Saved ${title} to your favorites ❤`,
  alreadyFavorite: (title: string) => `${title} is already in your favorites.`,
  unfavorited: () => 'Removed from favorites',
  unfavoritedLine: (title: string) => `Removed ${title} from your favorites.`,
  notFavorite: (title: string) => `${title} wasn't in your favorites.`,
  dismissed: () => "Got it, I won't suggest it again",
  dismissedLine: (title: string) => `Got it: I won't suggest ${title} again.`,
  detailsToast: () => 'Details',

  favoritesTitle: (count: number, page: number, pages: number) =>
    pages > 1 ? `Your favorites (${count}), page ${page + 1} of ${pages}:` : `Your favorites (${count}):`,
  favoritesToast: () => 'Your favorites',
  favoritesPageOf: (page: number, pages: number) => `Page ${page + 1} of ${pages}`,
  noFavorites: () => 'No favorites yet. Tap ❤ on a movie (or /fav <n>) to save it.',
  /** noFavorites in the terminal (no ❤ to tap). */
  consoleNoFavorites: () => 'No favorites yet. Type /fav <n> to save movie n of a list.',

  badRateUsage: () => 'Use /rate <n> <stars>, e.g. /rate 2 5: n is the movie number in the last list, stars 1 to 5.',
  badStars: (value: string) => `"${value}" isn't a rating: give 1 to 5 stars, e.g. /rate 2 5.`,
  /** An out-of-range `<n>` for /rate, /fav or /unfav; `size` is how many movies the last list shown (a mood, "more like" or favorites page) has. */
  badListNumber: (value: string, size: number) =>
    size === 0
      ? 'There is no list yet: try /feel happy first.'
      : size === 1
        ? `There's no movie number "${value}" in the last list: it has just one movie, so use 1.`
        : `There's no movie number "${value}" in the last list: pick 1 to ${size}.`,
  badFavUsage: (command: 'fav' | 'unfav') => `Use /${command} <n>, where n is the movie number in the last list.`,

  forgetConfirm: () => 'This deletes your ratings, favorites and history, for good. Are you sure? (Tap Yes, or type /forgetme yes.)',
  forgetYes: () => '🗑 Yes, delete everything',
  forgetNo: () => 'Keep my data',
  forgotten: () => "Done: everything Feelms knew about you is gone. Send /start if you ever want to come back.",
  kept: () => 'Nothing was deleted.',
  forgetExpired: () => 'That confirmation has expired. Send /forgetme again if you still want to delete your data.',

  expired: () => 'That button has expired. Send /feel to get fresh picks.',
  slowDown: (seconds: number) => `Easy there! You're going a bit fast: try again in ${seconds} s.`,
  /** The terminal queues lines typed faster than its limit: said once per pause, then every line is answered. */
  consoleQueued: (seconds: number) => `You're typing faster than I can answer: I'll answer the rest in ${seconds} s.`,
  unavailable: () => "Feelms is temporarily unavailable (our database isn't answering). Please try again in a minute.",
  /** When the request is kept and will be answered once the database is back (Telegram redelivers it). */
  unavailableWillAnswer: () => "Feelms is temporarily unavailable (our database isn't answering). I'll answer this as soon as it's back.",
  /** A chat sent more at once than the bot queues: the rest was skipped. */
  floodSkipped: () => 'Too much at once in this chat: I skipped some requests. Send them again in a minute.',
  failed: (reference: string) => `Something went wrong on our side. Please try again. (ref ${reference})`,
} as const;
