/**
 * SIGTERM mid-batch (RELIABILITY.md case 13), on the real process: `src/main.ts` with
 * TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT pointing at the fake Bot API, polling. A batch of /feel
 * commands is delivered, and SIGTERM arrives while their replies are still going out (1 message/s
 * per chat). The process must stop polling cleanly (confirming the batch it took) and exit 0 within
 * 8 s; its log must not contain the token.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emotionWeightsForGenres } from '../../../src/catalog/genres.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { writeCatalog } from '../../../src/infra/db/catalog-writer.ts';
import { migrateDatabase } from '../../../src/infra/db/migrate.ts';
import { freshSqlite, type TestDatabase } from '../../helpers/databases.ts';
import { FakeBotApi } from './fake-bot-api.ts';
import { aTelegramUser, textUpdate } from './updates.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const TOKEN = '987654321:SECRETmarkerTOKEN_shutdown_test';

let api: FakeBotApi | undefined;
let db: TestDatabase | undefined;

afterEach(async () => {
  await api?.close();
  await db?.drop();
  api = undefined;
  db = undefined;
});

describe('SIGTERM while Telegram updates are in flight', () => {
  it('GIVEN a batch of /feel being answered WHEN SIGTERM THEN polling stops (the batch is confirmed) and the process exits 0 within 8 s', async () => {
    db = freshSqlite();
    await migrateDatabase(db.config, silentLogger);
    // A small catalog, so start-up skips the default import.
    await writeCatalog(
      db.config,
      Array.from({ length: 12 }, (_, i) => ({
        source: 'shutdown', sourceId: String(i), title: `Comedy ${i}`, year: 2000 + i, runtimeMinutes: 90, genres: ['Comedy'], certificate: null,
        imdbRating: 7, imdbVotes: 10_000 + i, criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null,
        emotions: emotionWeightsForGenres(['Comedy']),
      })),
    );
    api = await FakeBotApi.start();
    const fake = api;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.url, DATABASE_URL: db.config.url, HTTP_PORT: '0', LOG_LEVEL: 'info', FEELMS_CONSOLE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));

    try {
      await fake.waitFor((calls) => calls.some((c) => c.method === 'getUpdates' && c.body['timeout']), 40_000, 'polling to start');
      const users = [1, 2, 3, 4, 5, 6].map((n) => aTelegramUser(`User${n}`, 600 + n));
      const ids = fake.push(...users.map((user) => textUpdate('/feel happy', user)));
      // Mid-batch: every chat has had its first reply, the rest are still paced out.
      await fake.waitFor(() => users.every((user) => fake.sentTo(user.id).length >= 1), 20_000, 'the first replies');
      expect(fake.sent.length).toBeLessThan(users.length * 7);
      const signalled = performance.now();
      child.kill('SIGTERM');
      const timeout = new Promise<{ code: 'timeout'; at: number }>((resolve) => setTimeout(() => resolve({ code: 'timeout', at: performance.now() }), 8_000).unref());
      const outcome = await Promise.race([exited, timeout]);
      expect(outcome.code, output.slice(-2_000)).toBe(0);
      expect(outcome.at - signalled).toBeLessThan(8_000);
      // telegraf confirmed what it took: the last getUpdates carries the offset after the batch.
      const lastPoll = fake.callsOf('getUpdates').at(-1)!;
      expect(lastPoll.body).toEqual(expect.objectContaining({ offset: Math.max(...ids) + 1, limit: 1 }));
      expect(output).toMatch(/telegram bot stopped/);
      expect(output).not.toContain('SECRETmarkerTOKEN');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
