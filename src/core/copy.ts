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
      '/more: more movies for the same mood',
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
    rate: 'Rate a movie of the last list: /rate <n> <1-5>',
    fav: 'Save movie n of the last list to your favorites',
    unfav: 'Remove movie n of the last list from your favorites',
    favorites: 'Your favorite movies',
    forgetme: 'Delete everything Feelms knows about you',
  }),
  /** Discord's `private` option on /feel. */
  privateOption: () => 'Only you see the answer',
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
  noMoreMovies: (mood: Emotion) => `That's every ${mood} movie I have for you right now. Try another mood:`,
  noMoodYet: () => 'Pick a mood first:',
  coldStartOffer: (mood: Emotion) => `New here? Rate a few well-known ${mood} movies and my picks will fit you at once.`,
  onboardIntro: (mood: Emotion) => `Seen any of these ${mood} movies? Rate the ones you know:`,
  nothingToRate: () => "You've rated every well-known movie I'd ask about. Try /feel for new picks.",

  heading: (title: string, year: number | null) => (year ? `${title} (${year})` : title),
  facts: (genres: readonly string[], runtimeMinutes: number | null) =>
    [genres.length > 0 ? genres.join(', ') : null, runtimeMinutes ? `${runtimeMinutes} min` : null].filter(Boolean).join(' · '),
  scores: (stars: number, favoriteChance: number) => `★ ${stars.toFixed(1)} for you · ${Math.round(favoriteChance * 100)}% favorite chance`,
  becauseYouLoved: (title: string) => `Because you loved ${title}`,
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

  badRateUsage: () => 'Use /rate <n> <stars>, e.g. /rate 2 5: n is the movie number in the last list, stars 1 to 5.',
  badStars: (value: string) => `"${value}" isn't a rating: give 1 to 5 stars, e.g. /rate 2 5.`,
  badListNumber: (value: string, size: number) =>
    size > 0 ? `There's no movie number "${value}" in the last list: pick 1 to ${size}.` : 'There is no list yet: try /feel happy first.',
  badFavUsage: (command: 'fav' | 'unfav') => `Use /${command} <n>, where n is the movie number in the last list.`,

  forgetConfirm: () => 'This deletes your ratings, favorites and history, for good. Are you sure? (Tap Yes, or type /forgetme yes.)',
  forgetYes: () => '🗑 Yes, delete everything',
  forgetNo: () => 'Keep my data',
  forgotten: () => "Done: everything Feelms knew about you is gone. Send /start if you ever want to come back.",
  kept: () => 'Nothing was deleted.',
  forgetExpired: () => 'That confirmation has expired. Send /forgetme again if you still want to delete your data.',

  expired: () => 'That button has expired. Send /feel to get fresh picks.',
  slowDown: (seconds: number) => `Easy there! You're going a bit fast: try again in ${seconds} s.`,
  unavailable: () => "Feelms is temporarily unavailable (our database isn't answering). Please try again in a minute.",
  failed: (reference: string) => `Something went wrong on our side. Please try again. (ref ${reference})`,
} as const;
