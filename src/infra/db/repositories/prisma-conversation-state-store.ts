/**
 * Conversation state per platform account, stored as JSON text in conversation_states.
 *
 * load() returns `undefined` when nothing is stored: JSON has no undefined, so it can never be
 * confused with a stored value (a stored `null` loads as `null`). save(id, undefined) deletes.
 * @example
 * const states = new PrismaConversationStateStore(db.prisma);
 * await states.save(accountId, { step: 'awaiting_rating', list: [3, 9] });
 * await states.load(accountId); // { step: 'awaiting_rating', list: [3, 9] }
 */
import type { ConversationStateStore } from '../../../core/ports/repositories.ts';
import type { PrismaDb } from '../client.ts';
import { isUniqueViolation, withStorage } from './storage-errors.ts';

const MAX_ATTEMPTS = 3;

export class PrismaConversationStateStore implements ConversationStateStore {
  constructor(private readonly prisma: PrismaDb) {}

  load(accountId: number): Promise<unknown> {
    return withStorage(async () => {
      const row = await this.prisma.conversationState.findUnique({ where: { accountId }, select: { state: true } });
      if (!row) return undefined;
      try {
        return JSON.parse(row.state) as unknown;
      } catch {
        // A corrupt row must not lock the user out of every future turn: treat it as a fresh start.
        return undefined;
      }
    });
  }

  save(accountId: number, state: unknown): Promise<void> {
    const json = state === undefined ? undefined : (JSON.stringify(state) as string | undefined);
    return withStorage(async () => {
      if (json === undefined) {
        await this.prisma.conversationState.deleteMany({ where: { accountId } });
        return;
      }
      // Update first: after the first turn the row almost always exists. Insert on a miss, and if a
      // concurrent save inserted first (P2002), update again: last write wins, no upsert race.
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        // Raw SQL on the per-turn path (a third of updateMany's CPU); updatedAt is @updatedAt, set here by hand.
        const count = await this.prisma.$executeRaw`
          UPDATE \`conversation_states\` SET \`state\` = ${json}, \`updatedAt\` = ${new Date()} WHERE \`accountId\` = ${accountId}`;
        if (count > 0) return;
        try {
          await this.prisma.conversationState.createMany({ data: [{ accountId, state: json }] });
          return;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
    });
  }
}
