/**
 * Webhook mode (RELIABILITY.md case 5): the real adapter on the process's HTTP server
 * (src/infra/http), with Telegram played by plain HTTP requests. A wrong or missing secret is
 * refused with 403 before anything else happens; a huge body with 413; duplicates have one effect.
 *
 * The route's own limits (src/bots/telegram/webhook.ts) are driven on the same HTTP server with an
 * `accept` the test holds or fails: over the in-flight cap a call gets 503 + Retry-After before its
 * body is read; a body that stalls gets 408 and its connection closed; an update that cannot be
 * stored (StorageUnavailableError) gets 503 + Retry-After so Telegram redelivers it.
 */
import { request, type ClientRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramStartError, type TelegramChannel } from '../../../src/bots/telegram/telegram-bot.ts';
import { webhookHandler, type WebhookOptions } from '../../../src/bots/telegram/webhook.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { StorageUnavailableError } from '../../../src/core/ports/repositories.ts';
import { HttpServer } from '../../../src/infra/http/http-server.ts';
import { happyCatalog, harness, recordingLogger } from '../../core/support.ts';
import { SpyConversation, startBot } from './driver.ts';
import { FakeBotApi } from './fake-bot-api.ts';
import { aTelegramUser, textUpdate } from './updates.ts';

const SECRET = 'webhook_secret_0123456789abcdef';
const WEBHOOK = { url: 'https://feelms.example/telegram/hook', secret: SECRET };
const ana = aTelegramUser('Ana', 501);

let api: FakeBotApi | undefined;
let http: HttpServer | undefined;
let channel: TelegramChannel | undefined;

afterEach(async () => {
  await channel?.stop();
  await http?.close();
  await api?.close();
  channel = undefined;
  http = undefined;
  api = undefined;
});

async function setUp() {
  const h = harness(happyCatalog().all);
  api = await FakeBotApi.start();
  http = new HttpServer(silentLogger);
  const port = await http.listen(0, '127.0.0.1');
  const spy = new SpyConversation(h.conversation);
  const logger = recordingLogger();
  channel = await startBot(api, spy, { webhook: WEBHOOK, http, logger });
  const post = (body: string | Buffer, headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': SECRET }, chunked = false) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/telegram/hook', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(-1) : reject(error)));
      if (chunked) {
        // No content-length: the cap must hold while streaming.
        const chunk = Buffer.alloc(64 * 1024, 'a');
        for (let i = 0; i < 8; i++) req.write(chunk);
        req.end();
      } else {
        req.end(body);
      }
    });
  return { h, api, spy, post, logger, channel };
}

const update = (id: number, text = '/help') => JSON.stringify({ update_id: id, ...textUpdate(text, ana) });

describe('Telegram webhook mode', () => {
  it('GIVEN webhook mode THEN setWebhook registers the URL with the secret and only the update kinds the bot handles; polling never starts', async () => {
    const { api: fake, channel: started } = await setUp();
    const [call] = fake.callsOf('setWebhook');
    expect(call!.body).toEqual(expect.objectContaining({ url: WEBHOOK.url, secret_token: SECRET, allowed_updates: ['message', 'callback_query'] }));
    expect(fake.callsOf('getUpdates')).toEqual([]);
    expect(fake.callsOf('deleteWebhook')).toEqual([]);
    expect(started.status()).toBe('webhook');
  });

  it.each([
    ['a wrong secret', { 'x-telegram-bot-api-secret-token': 'not_the_secret_at_all_0000' }],
    ['no secret', {}],
    ['the secret in another header', { authorization: SECRET }],
  ])('GIVEN %s THEN 403 and the update is never handled', async (_name, headers) => {
    const { api: fake, spy, post, logger } = await setUp();
    expect(await post(update(1), headers), 'status').toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(spy.inbound).toEqual([]);
    expect(fake.callsOf('sendMessage')).toEqual([]);
    expect(JSON.stringify(logger.entries)).not.toContain(SECRET);
  });

  it('GIVEN a body over the cap THEN 413 (declared or streamed) and nothing is handled; GIVEN a body that is not an update THEN 400', async () => {
    const { spy, post } = await setUp();
    const huge = JSON.stringify({ update_id: 2, message: { text: 'x'.repeat(300 * 1024) } });
    expect(await post(huge)).toBe(413);
    expect([413, -1]).toContain(await post('', { 'x-telegram-bot-api-secret-token': SECRET }, true));
    expect(await post('{"update_id": "seven"}')).toBe(400);
    expect(await post('not json')).toBe(400);
    expect(spy.inbound).toEqual([]);
  });

  it('GIVEN the right secret THEN 200 and the update is answered; GIVEN the same update again (Telegram retrying) THEN it has no second effect', async () => {
    const { api: fake, spy, post } = await setUp();
    expect(await post(update(41))).toBe(200);
    expect(await post(update(41))).toBe(200);
    expect(await post(update(42, '/feel happy'))).toBe(200);
    await fake.waitFor(() => fake.sentTo(ana.id).length === 8, 10_000, 'help + 7 messages');
    expect(spy.inbound.map((input) => input.kind === 'command' && input.name)).toEqual(['help', 'feel']);
  });

  it('GIVEN the channel is stopping THEN the webhook answers 503 so Telegram delivers again later', async () => {
    const { post, spy, channel: started } = await setUp();
    await started.stop();
    expect(await post(update(50))).toBe(503);
    expect(spy.inbound).toEqual([]);
  });

  it('GIVEN webhook mode without the HTTP server THEN start-up fails with a message naming HTTP_PORT', async () => {
    api = await FakeBotApi.start();
    await expect(startBot(api, harness([]).conversation, { webhook: WEBHOOK })).rejects.toThrow(TelegramStartError);
    await expect(startBot(api, harness([]).conversation, { webhook: WEBHOOK })).rejects.toThrow(/HTTP_PORT/);
  });
});

/** A webhook call: its status (-1: the connection closed without one) and Retry-After. */
interface Answer {
  status: number;
  retryAfter: string | undefined;
}

/**
 * Sends the headers (content-length: `declared`) and the first `sent` bytes of a body, then waits for
 * the answer without sending the rest. `req` is returned so the test can see the connection close.
 */
function partialCall(port: number, declared: number, sent: number): { req: ClientRequest; answer: Promise<Answer> } {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/hook',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(declared), 'x-telegram-bot-api-secret-token': SECRET },
  });
  const answer = new Promise<Answer>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
    });
    req.on('error', () => resolve({ status: -1, retryAfter: undefined }));
  });
  req.flushHeaders();
  if (sent > 0) req.write(Buffer.alloc(sent, ' '));
  return { req, answer };
}

const fullCall = (port: number, body: string): Promise<Answer> => {
  const { req, answer } = partialCall(port, Buffer.byteLength(body), 0);
  req.end(body);
  return answer;
};

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const until = async (condition: () => boolean, what: string) => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('Telegram webhook route limits', () => {
  /** The route alone on a real HTTP server; `accepted` records every update_id handed to `accept`. */
  async function route(accept: (update: { update_id: number }) => Promise<void>, options: Partial<WebhookOptions> = {}) {
    http = new HttpServer(silentLogger);
    const port = await http.listen(0, '127.0.0.1');
    const accepted: number[] = [];
    const logger = recordingLogger();
    http.route(
      'POST',
      '/hook',
      webhookHandler({
        secret: SECRET,
        maxBodyBytes: 256 * 1024,
        isOpen: () => true,
        log: logger,
        ...options,
        accept: (update) => {
          accepted.push(update.update_id);
          return accept(update);
        },
      }),
    );
    return { port, accepted, logger };
  }

  it('GIVEN maxInFlight calls whose accept is pending WHEN one more arrives THEN 503 with Retry-After before its body is read, and accept is not called; once they finish THEN calls are taken again', async () => {
    const gate = deferred();
    const { port, accepted, logger } = await route(() => gate.promise, { maxInFlight: 2 });
    const held = [fullCall(port, update(1)), fullCall(port, update(2))];
    await until(() => accepted.length === 2, 'two calls held in accept');

    // Headers only: a route that read the body first would wait for it and never answer.
    const over = partialCall(port, 200 * 1024, 0);
    expect(await over.answer).toEqual({ status: 503, retryAfter: '1' });
    over.req.destroy();
    // Its body arriving in full changes nothing either.
    expect(await fullCall(port, update(3))).toEqual({ status: 503, retryAfter: '1' });
    expect(accepted).toEqual([1, 2]);
    expect(logger.entries.filter((entry) => entry.level === 'warn' && /in-flight cap/.test(entry.message ?? ''))).toHaveLength(1);

    gate.resolve();
    expect(await Promise.all(held)).toEqual([
      { status: 200, retryAfter: undefined },
      { status: 200, retryAfter: undefined },
    ]);
    expect(await fullCall(port, update(3))).toEqual({ status: 200, retryAfter: undefined });
    expect(accepted).toEqual([1, 2, 3]);
  });

  it('GIVEN a body that stops half way WHEN bodyTimeoutMs passes THEN 408 (or the connection closed), the connection is closed, accept is not called, and the slot is free again', async () => {
    const { port, accepted } = await route(() => Promise.resolve(), { maxInFlight: 1, bodyTimeoutMs: 200 });
    const body = update(7);
    const slow = partialCall(port, Buffer.byteLength(body), Math.floor(Buffer.byteLength(body) / 2));
    const closed = new Promise<void>((resolve) => slow.req.on('close', () => resolve()));
    expect([408, -1]).toContain((await slow.answer).status);
    await closed;
    expect(accepted).toEqual([]);
    expect(await fullCall(port, update(8))).toEqual({ status: 200, retryAfter: undefined });
    expect(accepted).toEqual([8]);
  });

  it('GIVEN accept fails with StorageUnavailableError THEN 503 with Retry-After: 5 (Telegram redelivers); GIVEN any other failure THEN it propagates (500 from the HTTP server)', async () => {
    let failure: Error = new StorageUnavailableError();
    const { port, accepted } = await route(() => Promise.reject(failure));
    expect(await fullCall(port, update(9))).toEqual({ status: 503, retryAfter: '5' });
    failure = new Error('a bug');
    expect((await fullCall(port, update(10))).status).toBe(500);
    expect(accepted).toEqual([9, 10]);
  });
});
