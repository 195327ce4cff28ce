import type { ChannelUser } from '../src/core/conversation/turn.ts';

/** The turn benchmark's users: its setup gives each of them ratings, its serving process sends their turns. */
export const benchUser = (n: number): ChannelUser => ({ platform: 'console', platformUserId: `bench-${n}`, displayName: `Bench ${n}` });
