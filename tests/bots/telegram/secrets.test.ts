/**
 * Secrets and user content never reach the logs (RELIABILITY.md case 15, STYLE.md C9). A fault
 * scenario runs with a marker token and a logger that scrubs nothing (production's pino root
 * scrubs known secrets too; this checks the adapter alone): the adapter never logs the token
 * (telegraf errors carry request URLs and payloads), the webhook secret, nor what users write.
 */
import { describe, expect, it } from 'vitest';
import { startTelegramBot } from '../../../src/bots/telegram/telegram-bot.ts';
import { silentLogger, type Logger } from '../../../src/core/ports/logger.ts';
import { HttpServer } from '../../../src/infra/http/http-server.ts';
import { happyCatalog, harness } from '../../core/support.ts';
import { FAST_TUNING, startBot } from './driver.ts';
import { apiError, conflict, FakeBotApi, tooManyRequests } from './fake-bot-api.ts';
import { aTelegramUser, privateChat, tapUpdate, textUpdate } from './updates.ts';

const MARKER = 'SECRETmarkerTOKEN';
const TOKEN = `424242:${MARKER}_for_the_secrets_test`;
const WEBHOOK_SECRET = `${MARKER}_webhook_secret_value`;
const USER_TEXT = 'my private diary entry';
const ana = aTelegramUser('Anastasia Privatename', 501);

/** Every value as text, Errors included with their message, stack and own fields (JSON.stringify drops those). */
function dump(value: unknown, seen = new WeakSet<object>()): string {
  if (typeof value !== 'object' || value === null) return String(value);
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  const error = value instanceof Error ? `${value.name} ${value.message} ${value.stack ?? ''} ` : '';
  return error + Object.entries(value).map(([key, item]) => `${key}=${dump(item, seen)}`).join(' ');
}

/** A logger with no scrubbing at all, at every level: what the adapter hands it is what we see. */
function capturingLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (level: string) => (fields: object, message: string) => void lines.push(`${level} ${message} ${dump({ ...bindings, ...fields })}\n`);
    return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return { lines, logger: make({ module: 'telegram' }) };
}

describe('Telegram adapter logs', () => {
  it('GIVEN 409s, 429s, failing API calls, a crashing core, network errors and a forged webhook THEN no log line holds the token, the webhook secret, or user text and names', async () => {
    const { lines, logger } = capturingLogger();
    const h = harness(happyCatalog().all.map((movie) => ({ ...movie, posterUrl: `https://img.example/${movie.id}.jpg` })));
    const api = await FakeBotApi.start();
    const http = new HttpServer(silentLogger);
    const port = await http.listen(0, '127.0.0.1');
    api.failNext('getUpdates', 1, conflict());
    api.failNext('setMyCommands', 1, apiError(400, 'Bad Request: BOT_COMMAND_INVALID'));
    api.failNext('sendMessage', 1, tooManyRequests(1));
    api.on('sendPhoto', () => apiError(400, 'Bad Request: failed to get HTTP URL content'));
    const conversation = {
      handle: (input: Parameters<typeof h.conversation.handle>[0]) =>
        // A library error quoting the token, in a URL and alone.
        input.kind === 'text' && input.text === 'explode' ? Promise.reject(new Error(`request to ${api.url}/bot${TOKEN}/sendMessage failed (token ${TOKEN})`)) : h.conversation.handle(input),
    };
    const channel = await startBot(api, conversation, { logger, token: TOKEN });
    try {
      api.push(textUpdate(USER_TEXT, ana), textUpdate('/feel happy', ana), textUpdate('explode', ana));
      api.push(tapUpdate('x'.repeat(80), ana, { message_id: 1, chat: privateChat(ana) }, api.queryId()));
      await api.waitFor(() => api.sentTo(ana.id).length >= 9, 15_000, 'all replies');

      // Webhook mode on the same token, with a forged request.
      const hooked = await startTelegramBot({
        conversation,
        config: { token: TOKEN, apiRoot: api.url, webhook: { url: 'https://feelms.example/tg', secret: WEBHOOK_SECRET }, forcePolling: false },
        logger,
        http,
        tuning: FAST_TUNING,
      });
      const status = await fetch(`http://127.0.0.1:${port}/tg`, { method: 'POST', headers: { 'x-telegram-bot-api-secret-token': 'forged' }, body: '{}' }).then((r) => r.status);
      expect(status).toBe(403);
      await hooked.stop();

      // Telegram unreachable: the network error names the URL, which holds the token.
      const unreachable = startTelegramBot({
        conversation,
        config: { token: TOKEN, apiRoot: 'http://127.0.0.1:9', webhook: null, forcePolling: false },
        logger,
        http: null,
        tuning: { ...FAST_TUNING, startAttempts: 2 },
      });
      const failure = await unreachable.then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/could not be reached/);
      expect(failure?.message).not.toContain(MARKER);
    } finally {
      await channel.stop();
      await http.close();
      await api.close();
    }

    const output = lines.join('');
    // The scenario did log its faults (so the check below is not vacuous)…
    for (const expected of [/409/, /429/, /setMyCommands/, /poster could not be sent/, /telegram update failed/, /getMe failed/, /secret token/, /rejected callback data/]) {
      expect(output).toMatch(expected);
    }
    // …and none of it leaked.
    expect(output).not.toContain(MARKER);
    expect(output).not.toContain(USER_TEXT);
    expect(output).not.toContain('Privatename');
  }, 30_000);
});
