/**
 * The Telegram webhook route (POST on the path of TELEGRAM_WEBHOOK_URL, served by HTTP_PORT).
 * In this order, before any update is handled:
 * 1. a missing or wrong `X-Telegram-Bot-Api-Secret-Token` → 403, the body is not even read;
 * 2. a body over `maxBodyBytes` → 413 (reading stops at the cap);
 * 3. a body that is not an update → 400;
 * 4. while shutting down → 503, so Telegram delivers it again later;
 * then the update is accepted (duplicates dropped there) and 200 is returned without waiting for
 * the turn: Telegram re-sends updates whose webhook call is slow.
 * @example
 * http.route('POST', '/telegram', webhookHandler({ secret, maxBodyBytes: 256 * 1024, accept, isOpen: () => true, log }));
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/ports/logger.ts';
import type { Counter } from './api.ts';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** The part of the process's HTTP server the adapter uses (src/infra/http's HttpServer satisfies it). */
export interface HttpRoutes {
  route(method: 'POST', path: string, handler: RouteHandler): void;
}

export interface WebhookOptions {
  secret: string;
  maxBodyBytes: number;
  accept(update: { update_id: number }): Promise<void>;
  /** False once stopping: requests get 503. */
  isOpen(): boolean;
  log: Logger;
  metrics?: Counter;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function secretMatches(received: unknown, expected: string): boolean {
  if (typeof received !== 'string' || received.length === 0) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(received), digest(expected));
}

/** Reads at most `maxBytes`; null (and reading stops) when the body is larger. */
export function readLimitedBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: string, close = false): void {
  response.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(body);
}

const isUpdate = (value: unknown): value is { update_id: number } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Number.isSafeInteger((value as { update_id?: unknown }).update_id) && (value as { update_id: number }).update_id >= 0;

export function webhookHandler(options: WebhookOptions): RouteHandler {
  const rejected = (reason: string) => options.metrics?.increment('telegram_webhook_rejected_total', { reason });
  return async (request, response) => {
    if (!secretMatches(request.headers[SECRET_HEADER], options.secret)) {
      rejected('secret');
      options.log.warn({ remote: request.socket.remoteAddress }, 'webhook request without the right secret token: refused');
      reply(response, 403, '{"ok":false}', true);
      return;
    }
    if (!options.isOpen()) {
      rejected('stopping');
      reply(response, 503, '{"ok":false}', true);
      return;
    }
    const body = await readLimitedBody(request, options.maxBodyBytes);
    if (body === null) {
      rejected('too_large');
      options.log.warn({ maxBytes: options.maxBodyBytes }, 'webhook body over the size cap: refused');
      reply(response, 413, '{"ok":false}', true);
      return;
    }
    let update: unknown;
    try {
      update = JSON.parse(body.toString('utf8'));
    } catch {
      update = null;
    }
    if (!isUpdate(update)) {
      rejected('malformed');
      reply(response, 400, '{"ok":false}');
      return;
    }
    await options.accept(update);
    reply(response, 200, '{"ok":true}');
  };
}
