/**
 * Users and their platform accounts. The unique key (platform, externalId) is what makes
 * findOrCreate race-safe: two first messages at once both try to insert the account, one wins,
 * the other sees P2002 and reads the winner (tests/contracts/repositories.contract.ts, "20 parallel").
 * @example
 * const users = new PrismaUserRepository(db.prisma);
 * const { userId, created } = await users.findOrCreate({ platform: 'console', platformUserId: 'local', displayName: 'Ana' });
 */
import type { ChannelUser } from '../../../core/conversation/turn.ts';
import type { Account, DeletedRows, UserRepository } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { isUniqueViolation, withStorage } from './storage-errors.ts';

/** platform_accounts.displayName is VARCHAR(191). */
export const DISPLAY_NAME_MAX_CHARS = 191;

/** platform_accounts.externalId is VARCHAR(64). */
export const PLATFORM_USER_ID_MAX_CHARS = 64;

/** Every table that holds rows of a user, in the order forget() deletes them (children first). */
export const USER_TABLES = ['conversation_states', 'interactions', 'favorites', 'ratings', 'dismissals', 'platform_accounts', 'users'] as const;
export type UserTable = (typeof USER_TABLES)[number];

/**
 * Cuts a display name to the column size, counting code points as MySQL's utf8mb4 counts characters,
 * so an emoji is never split into a lone surrogate (which MySQL would reject).
 */
export function clipDisplayName(name: string): string {
  if (name.length <= DISPLAY_NAME_MAX_CHARS) return name;
  const codePoints = Array.from(name);
  return codePoints.length <= DISPLAY_NAME_MAX_CHARS ? name : codePoints.slice(0, DISPLAY_NAME_MAX_CHARS).join('');
}

/**
 * Platform ids are never cut: two long ids sharing a prefix would become one identity. Discord and
 * Telegram ids are short numbers, so a long one is a bug upstream, reported as such.
 */
export function assertPlatformUserId(id: string): void {
  if (Array.from(id).length > PLATFORM_USER_ID_MAX_CHARS) throw new RangeError(`platformUserId longer than ${PLATFORM_USER_ID_MAX_CHARS} characters`);
}

/** The state column as the state store would load it: null when none is stored, parsed JSON otherwise. */
function readStoredState(json: string | undefined): unknown {
  if (json === undefined) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}

interface AccountRow {
  id: number | bigint;
  userId: number | bigint;
  displayName: string;
  /** Null when the account has no stored conversation state (LEFT JOIN). */
  state: string | null;
}

/** A concurrent forget() can delete the account we just lost a race to; a few rounds settle it. */
const MAX_ATTEMPTS = 3;

export class PrismaUserRepository implements UserRepository {
  constructor(private readonly prisma: PrismaDb) {}

  async findOrCreate(user: ChannelUser): Promise<Account> {
    assertPlatformUserId(user.platformUserId);
    const displayName = clipDisplayName(user.displayName);
    const key = { platform: user.platform, externalId: user.platformUserId };
    return withStorage(async () => {
      for (let attempt = 1; ; attempt++) {
        // Every turn starts here, so raw SQL: the same read through findUnique with the nested state
        // cost 0.46 ms of CPU in Prisma's query pipeline, this a quarter of that.
        const [existing] = await this.prisma.$queryRaw<AccountRow[]>`
          SELECT a.\`id\`, a.\`userId\`, a.\`displayName\`, s.\`state\`
          FROM \`platform_accounts\` a LEFT JOIN \`conversation_states\` s ON s.\`accountId\` = a.\`id\`
          WHERE a.\`platform\` = ${key.platform} AND a.\`externalId\` = ${key.externalId}`;
        if (existing) {
          const accountId = Number(existing.id);
          if (existing.displayName !== displayName) {
            // updateMany, not update: no P2025 if a concurrent forget() removed the account meanwhile.
            await this.prisma.platformAccount.updateMany({ where: { id: accountId }, data: { displayName } });
          }
          return { userId: Number(existing.userId), accountId, created: false, state: readStoredState(existing.state ?? undefined) };
        }
        // Two single-statement inserts rather than one nested create: a nested create runs in a
        // transaction, and on SQLite Prisma's better-sqlite3 adapter shares its one connection with
        // every other query, so rolling back after P2002 would also undo unrelated concurrent writes.
        const created = await this.prisma.user.create({ data: {}, select: { id: true } });
        try {
          const account = await this.prisma.platformAccount.create({
            data: { ...key, displayName, userId: created.id },
            select: { id: true },
          });
          return { userId: created.id, accountId: account.id, created: true };
        } catch (error) {
          // Lost the race (or failed): drop the user row nobody refers to, then read the winner.
          await this.prisma.user.deleteMany({ where: { id: created.id } });
          if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    });
  }

  find(user: ChannelUser): Promise<Account | null> {
    return withStorage(async () => {
      const account = await this.prisma.platformAccount.findUnique({
        where: { platform_externalId: { platform: user.platform, externalId: user.platformUserId } },
        select: { id: true, userId: true },
      });
      return account ? { userId: account.userId, accountId: account.id, created: false } : null;
    });
  }

  /**
   * Deletes explicitly, children first, in one transaction, so the counts are exact and nothing
   * depends on ON DELETE CASCADE being enforced (SQLite only enforces it with foreign_keys on).
   */
  forget(userId: number): Promise<DeletedRows> {
    return withStorage(async () => {
      const p = this.prisma;
      const [states, interactions, favorites, ratings, dismissals, accounts, users] = await p.$transaction([
        p.conversationState.deleteMany({ where: { account: { userId } } }),
        p.interaction.deleteMany({ where: { userId } }),
        p.favorite.deleteMany({ where: { userId } }),
        p.rating.deleteMany({ where: { userId } }),
        p.dismissal.deleteMany({ where: { userId } }),
        p.platformAccount.deleteMany({ where: { userId } }),
        p.user.deleteMany({ where: { id: userId } }),
      ]);
      const deleted: Record<UserTable, number> = {
        conversation_states: states.count,
        interactions: interactions.count,
        favorites: favorites.count,
        ratings: ratings.count,
        dismissals: dismissals.count,
        platform_accounts: accounts.count,
        users: users.count,
      };
      return deleted;
    });
  }
}
