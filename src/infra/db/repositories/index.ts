/**
 * The Prisma implementations of every storage port, built over one open database (SQLite or MySQL).
 * See ../README.md for the idempotency approach, the catalog cache and error mapping.
 * @example
 * const db = await openDatabase(config.database);
 * const repos = createPrismaRepositories(db, { catalogMaxAgeMs: 10 * 60_000 });
 * const { userId } = await repos.users.findOrCreate(channelUser);
 */
import type { Repositories } from '../../../core/ports/repositories.ts';
import type { Database } from '../client.ts';
import type { TransactionScope } from '../transaction-scope.ts';
import { PrismaCatalogRepository } from './prisma-catalog-repository.ts';
import { PrismaConversationStateStore } from './prisma-conversation-state-store.ts';
import { PrismaDismissalRepository } from './prisma-dismissal-repository.ts';
import { PrismaFavoriteRepository } from './prisma-favorite-repository.ts';
import { PrismaInteractionRepository } from './prisma-interaction-repository.ts';
import { PrismaRatingRepository } from './prisma-rating-repository.ts';
import { PrismaUserHistoryRepository } from './prisma-user-history-repository.ts';
import { PrismaUserRepository } from './prisma-user-repository.ts';

export { PrismaCatalogRepository, type CatalogCacheOptions } from './prisma-catalog-repository.ts';
export { PrismaConversationStateStore } from './prisma-conversation-state-store.ts';
export { PrismaDismissalRepository } from './prisma-dismissal-repository.ts';
export { PrismaFavoriteRepository } from './prisma-favorite-repository.ts';
export { PrismaInteractionRepository } from './prisma-interaction-repository.ts';
export { PrismaRatingRepository, assertStars } from './prisma-rating-repository.ts';
export {
  PrismaUserRepository,
  USER_TABLES,
  DISPLAY_NAME_MAX_CHARS,
  PLATFORM_USER_ID_MAX_CHARS,
  assertPlatformUserId,
  clipDisplayName,
  type UserTable,
} from './prisma-user-repository.ts';
export { isStorageUnavailable, isUniqueViolation, withStorage } from './storage-errors.ts';

export interface PrismaRepositoryOptions {
  /** Reload the cached catalog when it is older than this (ms). Unset: load once; call catalog.refresh() after an import. */
  catalogMaxAgeMs?: number;
  /** Milliseconds clock for the catalog cache's age; tests only. */
  now?: () => number;
  /**
   * Turn transactions (src/infra/db/transaction-scope.ts): every repository but the catalog then
   * writes on the transaction the current turn opened. The catalog cache always reads outside one.
   */
  transactions?: TransactionScope;
}

export interface PrismaRepositories extends Repositories {
  users: PrismaUserRepository;
  ratings: PrismaRatingRepository;
  favorites: PrismaFavoriteRepository;
  dismissals: PrismaDismissalRepository;
  interactions: PrismaInteractionRepository;
  histories: PrismaUserHistoryRepository;
  catalog: PrismaCatalogRepository;
  states: PrismaConversationStateStore;
}

export function createPrismaRepositories(db: Pick<Database, 'prisma'>, options: PrismaRepositoryOptions = {}): PrismaRepositories {
  const prisma = options.transactions?.client ?? db.prisma;
  return {
    users: new PrismaUserRepository(prisma),
    ratings: new PrismaRatingRepository(prisma),
    favorites: new PrismaFavoriteRepository(prisma),
    dismissals: new PrismaDismissalRepository(prisma),
    interactions: new PrismaInteractionRepository(prisma),
    histories: new PrismaUserHistoryRepository(prisma),
    catalog: new PrismaCatalogRepository(db.prisma, { maxAgeMs: options.catalogMaxAgeMs, now: options.now }),
    states: new PrismaConversationStateStore(prisma),
  };
}
