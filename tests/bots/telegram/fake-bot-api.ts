/**
 * A small fake of the Telegram Bot API on 127.0.0.1 (node:http), for what telegram-test-api cannot
 * do: inject faults (429 with retry_after, 409 Conflict, failing sendPhoto or setMyCommands), hold
 * getUpdates open like real long polling, honour `offset`, deliver the same update twice, and time
 * every call. Used by the fault tests and by scripts/bench-telegram.ts.
 *
 * @example
 * const api = await FakeBotApi.start();
 * api.failNext('sendMessage', 1, tooManyRequests(1));
 * api.push(textUpdate('/help', ana));
 * await api.waitFor((calls) => calls.some((c) => c.method === 'sendMessage'));
 * await api.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiCall {
  method: string;
  token: string;
  /** The JSON body; tests read the fields they care about. */
  body: Record<string, unknown>;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface Reply {
  status: number;
  body: unknown;
}

export type Responder = (call: ApiCall) => Reply | undefined;

export const ok = (result: unknown): Reply => ({ status: 200, body: { ok: true, result } });
export const apiError = (code: number, description: string, parameters?: object): Reply => ({
  status: code,
  body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) },
});
export const tooManyRequests = (retryAfterSeconds: number): Reply =>
  apiError(429, `Too Many Requests: retry after ${retryAfterSeconds}`, { retry_after: retryAfterSeconds });
export const conflict = (): Reply => apiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');

/** A message the bot sent: the request body, plus the message_id the fake gave it. */
export interface SentMessage {
  method: string;
  message_id: number;
  [field: string]: unknown;
}

interface PendingPoll {
  offset: number;
  limit: number;
  response: ServerResponse;
  timer: NodeJS.Timeout;
}

type Json = Record<string, unknown>;

export class FakeBotApi {
  readonly calls: ApiCall[] = [];
  readonly me = { id: 4242, is_bot: true, first_name: 'Feelms', username: 'FeelmsTestBot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
  webhookUrl = '';
  /** update_id → performance.now() when a getUpdates response first handed it to the bot. */
  readonly delivered = new Map<number, number>();
  /** Every message the bot sent, with the message_id it was given. */
  readonly sent: SentMessage[] = [];
  private readonly queue: Json[] = [];
  private readonly polls = new Set<PendingPoll>();
  private readonly overrides = new Map<string, Responder[]>();
  private readonly watchers = new Set<() => void>();
  private readonly holds = new Map<string, number>();
  private nextUpdateId = 1_000;
  private nextMessageId = 1;
  private nextQueryId = 1;
  /** Longest a getUpdates request is held open (real Telegram: the `timeout` the bot asks for). */
  maxPollMs = 30_000;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeBotApi> {
    const holder: { api?: FakeBotApi } = {};
    const server = createServer((request, response) => void holder.api!.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.api = new FakeBotApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.api;
  }

  /** Queues updates for getUpdates (assigning update_id when missing); returns their ids. */
  push(...updates: Json[]): number[] {
    const ids = updates.map((update) => {
      const withId = update['update_id'] === undefined ? { update_id: this.nextUpdateId++, ...update } : update;
      this.queue.push(withId);
      return withId['update_id'] as number;
    });
    this.flushPolls();
    return ids;
  }

  /** A fresh callback query id, as Telegram would give each tap. */
  queryId(): string {
    return `q${this.nextQueryId++}`;
  }

  /** Answers `method` with `responder` while it returns a reply (undefined: the default answer). */
  on(method: string, responder: Responder): void {
    this.overrides.set(method, [...(this.overrides.get(method) ?? []), responder]);
  }

  /** The next call of `method` is answered only after `ms` (a slow Telegram). */
  holdNext(method: string, ms: number): void {
    this.holds.set(method, ms);
  }

  /** The next `times` calls of `method` get `reply`. */
  failNext(method: string, times: number, reply: Reply): void {
    let left = times;
    this.on(method, () => (left-- > 0 ? reply : undefined));
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves once `predicate` holds for the calls so far (checked on every call), or rejects after `timeoutMs`. */
  waitFor(predicate: (calls: readonly ApiCall[]) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate(this.calls)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.calls)) return;
        this.watchers.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`fake Bot API: timed out after ${timeoutMs} ms waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(', ')}`));
      }, timeoutMs);
      this.watchers.add(check);
    });
  }

  /** Messages sent to `chatId`, oldest first. */
  sentTo(chatId: number): SentMessage[] {
    return this.sent.filter((message) => Number(message['chat_id']) === chatId);
  }

  async close(): Promise<void> {
    for (const poll of this.polls) this.answerPoll(poll, []);
    this.polls.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)/.exec(request.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Json;
    try {
      body = text ? (JSON.parse(text) as Json) : {};
    } catch {
      body = {};
    }
    const call: ApiCall = { token: match[1]!, method: match[2]!, body, at: performance.now() };
    this.calls.push(call);
    const hold = this.holds.get(call.method);
    if (hold !== undefined) {
      this.holds.delete(call.method);
      await new Promise((resolve) => setTimeout(resolve, hold));
    }
    try {
      for (const responder of this.overrides.get(call.method) ?? []) {
        const reply = responder(call);
        if (reply) return this.send(response, reply);
      }
      if (call.method === 'getUpdates') return this.getUpdates(body, response);
      this.send(response, this.defaultReply(call));
    } finally {
      // After the reply is decided, so watchers see what it recorded (`sent`).
      for (const watcher of [...this.watchers]) watcher();
    }
  }

  private defaultReply(call: ApiCall): Reply {
    const { body } = call;
    switch (call.method) {
      case 'getMe':
        return ok(this.me);
      case 'getWebhookInfo':
        return ok({ url: this.webhookUrl, has_custom_certificate: false, pending_update_count: this.queue.length });
      case 'deleteWebhook':
        this.webhookUrl = '';
        return ok(true);
      case 'setWebhook':
        this.webhookUrl = typeof body['url'] === 'string' ? body['url'] : '';
        return ok(true);
      case 'setMyCommands':
      case 'answerCallbackQuery':
        return ok(true);
      case 'sendMessage':
      case 'sendPhoto': {
        const message: SentMessage = { ...body, method: call.method, message_id: this.nextMessageId++ };
        this.sent.push(message);
        const chatId = Number(body['chat_id']);
        return ok({ message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' }, text: body['text'] ?? body['caption'] });
      }
      case 'editMessageReplyMarkup': {
        const target = this.sent.find((message) => message.message_id === body['message_id'] && Number(message['chat_id']) === Number(body['chat_id']));
        if (!target) return apiError(400, 'Bad Request: message to edit not found');
        target['reply_markup'] = body['reply_markup'];
        return ok({ message_id: target.message_id, chat: { id: Number(body['chat_id']), type: 'private' }, date: 0 });
      }
      default:
        return apiError(404, 'Not Found: method not found');
    }
  }

  private getUpdates(body: Json, response: ServerResponse): void {
    const offset = Number(body['offset'] ?? 0);
    const limit = Number(body['limit'] ?? 100);
    const timeoutMs = Math.min(this.maxPollMs, Number(body['timeout'] ?? 0) * 1000);
    const poll: PendingPoll = { offset, limit, response, timer: setTimeout(() => this.answerPoll(poll, this.take(poll)), timeoutMs) };
    response.on('close', () => {
      clearTimeout(poll.timer);
      this.polls.delete(poll);
    });
    const ready = this.take(poll);
    if (ready.length > 0 || timeoutMs === 0) this.answerPoll(poll, ready);
    else this.polls.add(poll);
  }

  /** Confirms (drops) updates below the offset, then returns up to `limit` of the rest. */
  private take(poll: { offset: number; limit: number }): Json[] {
    if (poll.offset > 0) {
      for (let i = this.queue.length - 1; i >= 0; i--) if ((this.queue[i]!['update_id'] as number) < poll.offset) this.queue.splice(i, 1);
    }
    return this.queue.slice(0, poll.limit);
  }

  private flushPolls(): void {
    for (const poll of [...this.polls]) {
      const ready = this.take(poll);
      if (ready.length > 0) this.answerPoll(poll, ready);
    }
  }

  private answerPoll(poll: PendingPoll, updates: Json[]): void {
    clearTimeout(poll.timer);
    this.polls.delete(poll);
    if (poll.response.writableEnded || poll.response.destroyed) return;
    const now = performance.now();
    for (const update of updates) if (!this.delivered.has(update['update_id'] as number)) this.delivered.set(update['update_id'] as number, now);
    this.send(poll.response, ok(updates));
  }

  private send(response: ServerResponse, reply: Reply): void {
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  }
}
