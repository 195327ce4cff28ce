/**
 * A minimal console conversation over the catalog: /start, /help, /feel <mood>. The full
 * conversation (registration, ratings, favorites, models) lives in src/core and replaces this.
 */
import { EMOTIONS, isEmotion } from '../core/domain/emotions.ts';
import type { Database } from '../infra/db/client.ts';
import type { ConsoleChat } from '../bots/console/console-adapter.ts';

const HELP = [`Tell me how you feel: /feel <mood>. Moods: ${EMOTIONS.join(', ')}.`];

export function createMinimalChat(database: Database): ConsoleChat {
  return {
    greet: () => Promise.resolve(['Welcome to Feelms: movies for the mood you are in.', ...HELP]),
    reply: async (line) => {
      const text = line.trim();
      if (text === '' ) return [];
      const [command, ...rest] = text.split(/\s+/);
      if (command === '/start' || command === '/help') return HELP;
      if (command !== '/feel') return [`I don't know "${text.slice(0, 40)}".`, ...HELP];
      const mood = (rest[0] ?? '').toLowerCase();
      if (!isEmotion(mood)) return [`"${mood.slice(0, 40)}" is not a mood I know.`, ...HELP];
      const rows = await database.prisma.movieEmotion.findMany({
        where: { emotion: mood, weight: { gte: 0.5 }, movie: { imdbVotes: { gte: 5000 } } },
        include: { movie: true },
        orderBy: { movie: { imdbRating: 'desc' } },
        take: 5,
      });
      if (rows.length === 0) return [`No ${mood} movies in the catalog yet.`];
      return rows.map(({ movie }, i) => `${i + 1}. ${movie.title} (${movie.year ?? '?'}) · ${movie.genres.split('|').join(', ')} · IMDb ${movie.imdbRating ?? '?'}`);
    },
  };
}
