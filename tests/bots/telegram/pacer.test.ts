/**
 * The outgoing pacer under Telegram's production limits, on fake timers (no real waiting, no
 * timing flakiness): ≤ 1 message/s per chat, ≤ 20/min per group, ≤ 30/s overall, order kept per
 * chat, a 429's retry_after holds the chat, and close() lets shutdown through.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, PacerClosedError, TELEGRAM_LIMITS } from '../../../src/bots/telegram/pacer.ts';

/** The most events found in any window of `windowMs` (events at t and t + windowMs are in different windows). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Pacer with the production limits', () => {
  it('GIVEN 5 messages for one private chat THEN they leave in order, at least 1 s apart, the first at once', async () => {
    const pacer = new Pacer(TELEGRAM_LIMITS);
    const start = Date.now();
    const sent: Array<{ n: number; at: number }> = [];
    const all = [1, 2, 3, 4, 5].map((n) => pacer.run({ id: 7, group: false }, () => Promise.resolve(sent.push({ n, at: Date.now() }))));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    expect(sent.map((s) => s.n)).toEqual([1, 2, 3, 4, 5]);
    expect(sent[0]!.at).toBe(start);
    for (const gap of gaps(sent.map((s) => s.at))) expect(gap).toBeGreaterThanOrEqual(1_000);
  });

  it('GIVEN 45 messages for one group THEN at most 20 leave in any minute, each at least 1 s apart', async () => {
    const pacer = new Pacer(TELEGRAM_LIMITS);
    const times: number[] = [];
    const all = Array.from({ length: 45 }, () => pacer.run({ id: -100, group: true }, () => Promise.resolve(times.push(Date.now()))));
    await vi.advanceTimersByTimeAsync(200_000);
    await Promise.all(all);
    expect(times).toHaveLength(45);
    expect(busiestWindow(times, 60_000)).toBe(20);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(1_000);
  });

  it('GIVEN 100 messages for 100 chats at once THEN at most 30 leave in any second, and all do', async () => {
    const pacer = new Pacer(TELEGRAM_LIMITS);
    const times: number[] = [];
    const all = Array.from({ length: 100 }, (_, i) => pacer.run({ id: i + 1, group: false }, () => Promise.resolve(times.push(Date.now()))));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    expect(times).toHaveLength(100);
    expect(busiestWindow(times, 1_000)).toBe(30);
  });

  it("GIVEN a task calls again(retry_after) THEN that chat waits that long, other chats don't", async () => {
    const pacer = new Pacer(TELEGRAM_LIMITS);
    const start = Date.now();
    const log: Array<[string, number]> = [];
    const first = pacer.run({ id: 1, group: false }, async (again) => {
      log.push(['try', Date.now() - start]);
      await again(5_000);
      log.push(['retry', Date.now() - start]);
    });
    const next = pacer.run({ id: 1, group: false }, () => Promise.resolve(log.push(['next', Date.now() - start])));
    const other = pacer.run({ id: 2, group: false }, () => Promise.resolve(log.push(['other chat', Date.now() - start])));
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all([first, next, other]);
    expect(log).toEqual([
      ['try', 0],
      ['other chat', 0],
      ['retry', 5_000],
      ['next', 6_000],
    ]);
  });

  it('GIVEN close() THEN queued tasks fail with PacerClosedError and never run, and new ones are refused', async () => {
    const pacer = new Pacer(TELEGRAM_LIMITS);
    const ran: number[] = [];
    const tasks = [1, 2, 3].map((n) => pacer.run({ id: 9, group: false }, () => Promise.resolve(ran.push(n))));
    const outcomes = Promise.allSettled(tasks);
    await vi.advanceTimersByTimeAsync(0);
    pacer.close();
    await vi.advanceTimersByTimeAsync(5_000);
    const settled = await outcomes;
    expect(ran).toEqual([1]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(PacerClosedError);
    await expect(pacer.run({ id: 9, group: false }, () => Promise.resolve(1))).rejects.toBeInstanceOf(PacerClosedError);
  });
});
