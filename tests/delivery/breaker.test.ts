/**
 * StorageBreaker (src/delivery/breaker.ts): open after a failure, fail fast while open, probe in the
 * background and close on the first answer; `watch` opens it when a slow call meets a server that
 * does not accept connections, and leaves a merely slow one alone.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { StorageUnavailableError } from '../../src/core/ports/repositories.ts';
import { StorageBreaker } from '../../src/delivery/breaker.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StorageBreaker', () => {
  it('GIVEN a failure THEN it opens and check() fails fast; WHEN a probe answers THEN it closes and waiters go on', async () => {
    let up = false;
    let probes = 0;
    const changes: boolean[] = [];
    const breaker = new StorageBreaker(() => (probes++, up ? Promise.resolve() : Promise.reject(new Error('down'))), { log: silentLogger, probeIntervalMs: 20, onChange: (open) => changes.push(open) });
    expect(() => breaker.check()).not.toThrow();
    breaker.trip(new Error('connection refused'));
    expect(breaker.isOpen).toBe(true);
    expect(() => breaker.check()).toThrow(StorageUnavailableError);
    const closed = breaker.whenClosed();
    await sleep(100);
    expect(probes).toBeGreaterThan(1);
    expect(breaker.isOpen).toBe(true);
    up = true;
    await closed;
    expect(breaker.isOpen).toBe(false);
    expect(changes).toEqual([true, false]);
    breaker.stop();
  });

  it('GIVEN a slow call and a server that refuses connections THEN watch fails it at once and opens the breaker; GIVEN a slow call and a reachable server THEN it waits for the call', async () => {
    let reachable = false;
    const breaker = new StorageBreaker(() => Promise.reject(new Error('down')), { log: silentLogger, probeIntervalMs: 60_000, reachable: () => Promise.resolve(reachable), suspectAfterMs: 30 });
    const hanging = new Promise<string>(() => undefined);
    await expect(breaker.watch(hanging)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(breaker.isOpen).toBe(true);
    breaker.stop();

    reachable = true;
    const healthy = new StorageBreaker(() => Promise.resolve(), { log: silentLogger, reachable: () => Promise.resolve(reachable), suspectAfterMs: 30 });
    await expect(healthy.watch(sleep(120).then(() => 'slow but fine'))).resolves.toBe('slow but fine');
    expect(healthy.isOpen).toBe(false);
    healthy.stop();
  });

  it('GIVEN stop() while open THEN waiters are released and it probes no more', async () => {
    let probes = 0;
    const breaker = new StorageBreaker(() => (probes++, Promise.reject(new Error('down'))), { log: silentLogger, probeIntervalMs: 10 });
    breaker.trip();
    const waiting = breaker.whenClosed();
    breaker.stop();
    await waiting;
    const after = probes;
    await sleep(60);
    expect(probes).toBe(after);
  });
});
