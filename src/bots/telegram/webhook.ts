/**
 * The Telegram webhook route (POST on the path of TELEGRAM_WEBHOOK_URL, served by HTTP_PORT).
 * In this order, before any update is handled:
 * 1. a missing or wrong `X-Telegram-Bot-Api-Secret-Token` → 403, the body is not even read;
 * 2. while shutting down → 503, so Telegram delivers it again later;
 * 3. `maxInFlight` calls already being read or accepted → 503 with `Retry-After: 1`, the body is
 *    not read (Telegram retries). The cap applies BEFORE the body is read: without it, 500 calls
 *    of 200 KB at once took the process to 709 MB, or out of its 512 MB heap
 *    (`npm run bench -- --only webhook`, `webhook.burst.peakRssMb`, target ≤ 350 MB);
 * 4. a body over `maxBodyBytes` → 413 (reading stops at the cap);
 * 5. a body not complete within `bodyTimeoutMs` → 408 and the connection is closed (a slow client
 *    holds a slot for at most that long);
 * 6. a body that is not an update → 400;
 * then the update is accepted (duplicates dropped there) and 200 is returned without waiting for
 * the turn: Telegram re-sends updates whose webhook call is slow. When `accept` fails with
 * StorageUnavailableError (`code: 'STORAGE_UNAVAILABLE'`) → 503 with `Retry-After: 5`, so Telegram
 * redelivers the update once the database is back; any other failure propagates (the HTTP server
 * logs it and answers 500). tests/bots/telegram/webhook.test.ts guards each step.
 * @example
 * http.route('POST', '/telegram', webhookHandler({ secret, maxBodyBytes: 256 * 1024, maxInFlight: 64, accept, isOpen: () => true, log }));
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

/** Webhook calls read or accepted at once. Telegram opens at most 40 connections per bot by default (`max_connections`), so normal traffic stays under it. */
export const DEFAULT_WEBHOOK_MAX_IN_FLIGHT = 64;
/** A body must arrive within this long once its headers have. */
export const DEFAULT_WEBHOOK_BODY_TIMEOUT_MS = 10_000;
/** Seconds Telegram is asked to wait before retrying while the route is full, and while the database is down. */
const BUSY_RETRY_AFTER_SECONDS = 1;
const STORAGE_RETRY_AFTER_SECONDS = 5;

export interface WebhookOptions {
  secret: string;
  maxBodyBytes: number;
  /**
   * Calls whose body is being read or whose `accept` is pending; more get 503 + Retry-After before
   * their body is read. Bounds the memory a burst can take (about maxInFlight × maxBodyBytes × 3).
   * Default DEFAULT_WEBHOOK_MAX_IN_FLIGHT.
   */
  maxInFlight?: number;
  /** A body not complete this long after its headers → 408, connection closed. Default 10 s. */
  bodyTimeoutMs?: number;
  /** Rejects with StorageUnavailableError (code STORAGE_UNAVAILABLE) when the update cannot be taken now. */
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

export type BodyRead = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'timeout' | 'aborted' };

/**
 * Reads at most `maxBytes` within `timeoutMs`. Reading stops (listeners removed) when the body is
 * larger, too slow, or the client goes away. A declared content-length is read into one buffer of
 * that size, so a body is held once, not once in chunks and again concatenated.
 */
export function readLimitedBody(request: IncomingMessage, maxBytes: number, timeoutMs = DEFAULT_WEBHOOK_BODY_TIMEOUT_MS): Promise<BodyRead> {
  const header = request.headers['content-length'];
  const declared = header === undefined ? null : Number(header);
  if (declared !== null && Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, reason: 'too_large' });
  return new Promise((resolve) => {
    // node:http ends the body at exactly content-length bytes, so a declared length is the size.
    const whole = declared !== null && Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead) => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onGone);
      request.off('close', onGone);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > maxBytes || (whole && size + chunk.length > whole.length)) {
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => finish({ ok: true, body: whole ? whole.subarray(0, size) : Buffer.concat(chunks, size) });
    const onGone = () => finish({ ok: false, reason: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onGone);
    request.on('close', onGone);
  });
}

function reply(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

const CLOSE = { connection: 'close' };

/** StorageUnavailableError (src/core/ports/repositories.ts), recognised by its stable code. */
const isStorageUnavailable = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'STORAGE_UNAVAILABLE';

const isUpdate = (value: unknown): value is { update_id: number } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Number.isSafeInteger((value as { update_id?: unknown }).update_id) && (value as { update_id: number }).update_id >= 0;

export function webhookHandler(options: WebhookOptions): RouteHandler {
  const maxInFlight = options.maxInFlight ?? DEFAULT_WEBHOOK_MAX_IN_FLIGHT;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_WEBHOOK_BODY_TIMEOUT_MS;
  const rejected = (reason: string) => options.metrics?.increment('telegram_webhook_rejected_total', { reason });
  let inFlight = 0;
  /** Warn once per overload, not once per refused call. */
  let full = false;

  return async (request, response) => {
    if (!secretMatches(request.headers[SECRET_HEADER], options.secret)) {
      rejected('secret');
      options.log.warn({ remote: request.socket.remoteAddress }, 'webhook request without the right secret token: refused');
      reply(response, 403, '{"ok":false}', CLOSE);
      return;
    }
    if (!options.isOpen()) {
      rejected('stopping');
      reply(response, 503, '{"ok":false}', CLOSE);
      return;
    }
    if (inFlight >= maxInFlight) {
      rejected('busy');
      if (!full) options.log.warn({ maxInFlight }, 'webhook calls over the in-flight cap: refusing with 503 until some finish');
      full = true;
      // The body is never read: what arrived is discarded, and the connection closes after the answer.
      request.resume();
      reply(response, 503, '{"ok":false}', { ...CLOSE, 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) });
      return;
    }
    inFlight++;
    try {
      const read = await readLimitedBody(request, options.maxBodyBytes, bodyTimeoutMs);
      if (!read.ok) {
        if (read.reason === 'too_large') {
          rejected('too_large');
          options.log.warn({ maxBytes: options.maxBodyBytes }, 'webhook body over the size cap: refused');
          reply(response, 413, '{"ok":false}', CLOSE);
        } else if (read.reason === 'timeout') {
          rejected('timeout');
          options.log.warn({ timeoutMs: bodyTimeoutMs }, 'webhook body too slow: refused');
          // Nothing more is read: the connection goes once the answer is out (or at once if it cannot be written).
          response.once('finish', () => request.socket.destroy());
          reply(response, 408, '{"ok":false}', CLOSE);
        } else {
          rejected('aborted');
          options.log.debug({}, 'webhook client went away before its body was read');
          request.socket.destroy();
        }
        return;
      }
      let update: unknown;
      try {
        update = JSON.parse(read.body.toString('utf8'));
      } catch {
        update = null;
      }
      if (!isUpdate(update)) {
        rejected('malformed');
        reply(response, 400, '{"ok":false}');
        return;
      }
      try {
        await options.accept(update);
      } catch (error) {
        if (!isStorageUnavailable(error)) throw error;
        rejected('storage');
        options.log.warn({ updateId: update.update_id }, 'webhook update not taken: storage unavailable; Telegram will redeliver');
        reply(response, 503, '{"ok":false}', { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) });
        return;
      }
      reply(response, 200, '{"ok":true}');
    } finally {
      inFlight--;
      if (inFlight < maxInFlight) full = false;
    }
  };
}
