/**
 * Wires the core conversation from configuration and ports. Shared by main.ts, the end-to-end
 * tests and the benchmarks, so they all run the same product.
 */
import type { Config } from '../config.ts';
import { genreWeight } from '../catalog/genres.ts';
import { FeelmsConversation, type ConversationOptions } from '../core/conversation/conversation.ts';
import type { Logger } from '../core/ports/logger.ts';
import { systemClock, type Clock, type Repositories } from '../core/ports/repositories.ts';
import type { Scorer } from '../core/ports/scorer.ts';
import { DEFAULT_RANKING } from '../core/recommend/recommend.ts';

export function buildConversation(
  config: Pick<Config, 'blend' | 'rateLimit'>,
  repos: Repositories,
  scorer: Scorer,
  logger: Logger,
  clock: Clock = systemClock,
  rateLimitExempt?: ConversationOptions['rateLimitExempt'],
): FeelmsConversation {
  return new FeelmsConversation(
    { ...repos, scorer, logger, clock },
    {
      ranking: { ...DEFAULT_RANKING, ratingWeight: config.blend.ratingWeight, favoriteWeight: config.blend.favoriteWeight },
      rateLimit: { turns: config.rateLimit.turns, windowMs: config.rateLimit.windowSeconds * 1000 },
      genreWeight,
      ...(rateLimitExempt ? { rateLimitExempt } : {}),
    },
  );
}
