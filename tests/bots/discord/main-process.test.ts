/**
 * The whole process with Discord enabled, against the fake Discord: src/main.ts with
 * DISCORD_TOKEN / DISCORD_APP_ID / DISCORD_API_ROOT.
 *
 * - SIGTERM: the gateway closes, the in-flight answer still goes out, the database closes, exit 0
 *   within 8 s (RELIABILITY.md case 13).
 * - Bad configuration or an unreachable database: exit non-zero BEFORE any gateway contact, so a
 *   crash loop never spends the 1,000-a-day IDENTIFY budget (case 14).
 *
 * The child is `node --import tsx src/main.ts`: one process, as in production (`node dist/main.js`),
 * so the signal reaches main.ts itself. Signalling `npx tsx src/main.ts` would test wrappers
 * instead: npm's exec does not forward SIGTERM to its child, and the tsx CLI relays it but
 * SIGKILLs the child (exit 143) when the child has not confirmed the signal within 30 ms, which
 * a child busy answering an interaction easily misses.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, fakeUser } from '../../fakes/discord/fake-discord.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

interface Child {
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  kill: (signal: NodeJS.Signals) => void;
}

function startMain(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // A clean environment: only what the test sets (plus PATH/HOME for node itself).
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { output: () => output, exited, kill: (signal) => child.kill(signal) };
}

let fake: FakeDiscord | undefined;
let dir: string | undefined;
let running: Child | undefined;
afterEach(async () => {
  running?.kill('SIGKILL');
  running = undefined;
  await fake?.close();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('main.ts with Discord enabled', () => {
  it('GIVEN a running bot answering /feel WHEN SIGTERM THEN the in-flight answer goes out, and it exits 0 within 8 s', async () => {
    fake = await FakeDiscord.start();
    dir = mkdtempSync(join(tmpdir(), 'feelms-discord-main-'));
    running = startMain({
      DISCORD_TOKEN: fake.botToken,
      DISCORD_APP_ID: fake.appId,
      DISCORD_API_ROOT: fake.apiRoot,
      DATABASE_URL: `file:${join(dir, 'feelms.db')}`,
      MODELS_DIR: join(dir, 'no-models'),
      HTTP_PORT: '0',
    });
    const child = running;
    await fake.waitFor(() => child.output().includes('"msg":"ready"'), 45_000, 'main.ts ready');
    expect(fake.identifies).toHaveLength(1);

    const ana = fakeUser('1200000000000000001', 'Ana');
    const first = fake.feel('happy', { user: ana });
    await fake.waitFor(() => first.followUps.length === 5, 10_000, 'the first /feel answered');

    const inFlight = fake.feel('excited', { user: ana });
    await fake.waitFor(() => inFlight.ack !== null, 5_000, 'the second /feel acknowledged');
    const signalled = Date.now();
    child.kill('SIGTERM');
    const { code, signal, at } = await child.exited;

    expect({ code, signal }, child.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(at - signalled).toBeLessThan(8_000);
    expect(inFlight.errors).toEqual([]);
    expect(inFlight.edits.length).toBeGreaterThanOrEqual(1);
    expect(fake.connectedSessions).toBe(0);
    expect(child.output()).toMatch(/"msg":"discord stopped"/);
    for (const token of [...fake.interactionTokens, fake.botToken]) expect(child.output()).not.toContain(token);
  }, 60_000);

  it('GIVEN DISCORD_TOKEN without DISCORD_APP_ID THEN it exits non-zero naming the setting, before any gateway contact', async () => {
    fake = await FakeDiscord.start();
    dir = mkdtempSync(join(tmpdir(), 'feelms-discord-main-'));
    running = startMain({ DISCORD_TOKEN: fake.botToken, DISCORD_API_ROOT: fake.apiRoot, DATABASE_URL: `file:${join(dir, 'feelms.db')}`, HTTP_PORT: '0' });
    const { code } = await running.exited;
    expect(code).not.toBe(0);
    expect(running.output()).toContain('DISCORD_APP_ID');
    expect(running.output()).not.toContain(fake.botToken);
    expect(fake.gatewayBotCalls).toBe(0);
    expect(fake.identifies).toEqual([]);
  }, 30_000);

  it('GIVEN a database that cannot be reached THEN it exits non-zero before any gateway contact', async () => {
    fake = await FakeDiscord.start();
    running = startMain({
      DISCORD_TOKEN: fake.botToken,
      DISCORD_APP_ID: fake.appId,
      DISCORD_API_ROOT: fake.apiRoot,
      DATABASE_URL: 'mysql://feelms@127.0.0.1:1/feelms',
      HTTP_PORT: '0',
    });
    const { code } = await running.exited;
    expect(code).not.toBe(0);
    expect(running.output()).toContain('Feelms could not start');
    expect(fake.gatewayBotCalls).toBe(0);
    expect(fake.identifies).toEqual([]);
  }, 30_000);
});
