/**
 * ChatScheduler (src/delivery/chat-scheduler.ts): one job at a time per chat, a global cap, round
 * robin between chats, and bounded queues per chat and per member.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { ChatScheduler } from '../../src/delivery/chat-scheduler.ts';

/** A job that runs until released. */
function gate() {
  let release: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { release, job: () => done };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ChatScheduler', () => {
  it("GIVEN a chat's job running THEN its next job waits while another chat's job starts at once", async () => {
    const scheduler = new ChatScheduler({ concurrency: 4, maxQueuedPerChat: 100, maxQueuedPerActor: 10 }, silentLogger);
    const started: string[] = [];
    const first = gate();
    scheduler.enqueue('group', () => (started.push('group-1'), first.job()));
    scheduler.enqueue('group', () => (started.push('group-2'), Promise.resolve()));
    scheduler.enqueue('private', () => (started.push('private-1'), Promise.resolve()));
    await tick();
    expect(started).toEqual(['group-1', 'private-1']);
    first.release();
    await scheduler.idle(1_000);
    expect(started).toEqual(['group-1', 'private-1', 'group-2']);
  });

  it('GIVEN every slot taken by slow chats THEN a new chat waits only for a slot, not for their queues', async () => {
    const scheduler = new ChatScheduler({ concurrency: 2, maxQueuedPerChat: 100 }, silentLogger);
    const slow = [gate(), gate()];
    const started: string[] = [];
    for (const [i, g] of slow.entries()) for (let n = 0; n < 5; n++) scheduler.enqueue(`slow-${i}`, () => (started.push(`slow-${i}`), n === 0 ? g.job() : Promise.resolve()));
    scheduler.enqueue('quick', () => (started.push('quick'), Promise.resolve()));
    await tick();
    expect(started).toEqual(['slow-0', 'slow-1']);
    slow[0]!.release();
    await tick();
    // Round robin: the next free slot goes to the chat that waited, before slow-0's backlog.
    expect(started.slice(0, 3)).toEqual(['slow-0', 'slow-1', 'quick']);
    slow[1]!.release();
    await scheduler.idle(1_000);
    expect(started.filter((s) => s === 'slow-0')).toHaveLength(5);
  });

  it('GIVEN one member floods a chat THEN their jobs beyond the per-member bound are refused, other members of that chat are still queued', async () => {
    const scheduler = new ChatScheduler({ concurrency: 1, maxQueuedPerChat: 100, maxQueuedPerActor: 3 }, silentLogger);
    const hold = gate();
    scheduler.enqueue('group', hold.job, 'someone');
    const flood = Array.from({ length: 6 }, () => scheduler.enqueue('group', () => Promise.resolve(), 'flooder'));
    expect(flood).toEqual([true, true, true, false, false, false]);
    expect(scheduler.enqueue('group', () => Promise.resolve(), 'friend')).toBe(true);
    hold.release();
    await scheduler.idle(1_000);
    // Their share frees as their jobs run.
    expect(scheduler.enqueue('group', () => Promise.resolve(), 'flooder')).toBe(true);
  });

  it('GIVEN a full chat queue THEN further jobs are refused; GIVEN close() THEN queued jobs never run and nothing is taken', async () => {
    const scheduler = new ChatScheduler({ concurrency: 1, maxQueuedPerChat: 2 }, silentLogger);
    const hold = gate();
    let ran = 0;
    scheduler.enqueue('a', hold.job);
    expect([scheduler.enqueue('a', () => Promise.resolve(void ran++)), scheduler.enqueue('a', () => Promise.resolve(void ran++)), scheduler.enqueue('a', () => Promise.resolve(void ran++))]).toEqual([true, true, false]);
    scheduler.close();
    expect(scheduler.enqueue('b', () => Promise.resolve(void ran++))).toBe(false);
    hold.release();
    expect(await scheduler.idle(1_000)).toBe(true);
    expect(ran).toBe(0);
  });
});
