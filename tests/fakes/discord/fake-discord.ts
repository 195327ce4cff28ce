/**
 * A fake Discord on 127.0.0.1, enough for a real discord.js `Client` (and `REST`) to run end to end
 * with no network (STYLE.md C10: fakes at the platform wire).
 *
 * REST (node:http), under `<apiRoot>/v10`:
 * - `GET /gateway/bot` → this fake's ws:// gateway URL (checks `Authorization: Bot <token>`);
 * - `POST /interactions/:id/:token/callback` → the first acknowledgement. Enforced as Discord does:
 *   later than `ackWindowMs` (3 s) after dispatch → 404 10062 "Unknown interaction"; a second
 *   acknowledgement → 400 40060 "Interaction has already been acknowledged";
 * - `PATCH|GET|DELETE /webhooks/:appId/:token/messages/@original` and `POST /webhooks/:appId/:token`
 *   (follow-ups) → only after an acknowledgement (else 10015 Unknown Webhook), and only while the
 *   token lives (15 minutes from dispatch, else 401 50027 Invalid Webhook Token);
 * - `PUT /applications/:appId(/guilds/:guildId)/commands` → command registration.
 * Every message body is checked against Discord's limits (≤ 5 rows, ≤ 5 buttons a row, unique
 * custom_ids ≤ 100 characters, content ≤ 2,000, ≤ 10 embeds, title ≤ 256, description ≤ 4,096);
 * a bad one gets 400 50035 "Invalid Form Body", as Discord answers.
 *
 * Gateway (`ws`): HELLO (op 10) → IDENTIFY (op 2) → READY, then GUILD_CREATE for the one guild, so
 * discord.js marks itself ready; heartbeats (op 1) get op 11. Plain JSON, no compression (discord.js
 * only asks for zlib-stream when zlib-sync is installed). `INTERACTION_CREATE` payloads are built
 * from the recorded payloads in tests/fixtures/discord/*.json.
 *
 * @example
 * const fake = await FakeDiscord.start();
 * const bot = await startDiscordBot({ conversation, config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot }, logger });
 * const feel = fake.slash('feel', [{ name: 'mood', type: 3, value: 'happy' }], { user: ANA });
 * await fake.waitFor(() => feel.followUps.length === 5);
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'discord');

/** A recorded payload from tests/fixtures/discord, deep-copied. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as T;
}

export const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;

export interface ApiUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  public_flags: number;
  bot?: boolean;
}

export interface ApiButton {
  type: number;
  style: number;
  label?: string;
  custom_id?: string;
  url?: string;
  disabled?: boolean;
}

export interface ApiRow {
  type: number;
  components: ApiButton[];
}

export interface ApiEmbed {
  title?: string;
  description?: string;
  url?: string;
  thumbnail?: { url: string };
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
}

export interface ApiMessage {
  id: string;
  type: number;
  channel_id: string;
  content: string;
  embeds: ApiEmbed[];
  components: ApiRow[];
  flags: number;
  author: ApiUser;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: unknown[];
  mention_roles: unknown[];
  attachments: unknown[];
  pinned: boolean;
  webhook_id: string;
  application_id: string;
  interaction_metadata: Record<string, unknown>;
  /** Test bookkeeping (not sent by Discord): the interaction whose token created this message. */
  feelmsInteractionId?: string;
}

/** What the bot sent as a message body (reply, edit or follow-up). */
export interface MessageBody {
  content?: string;
  embeds?: ApiEmbed[];
  components?: ApiRow[];
  flags?: number;
  allowed_mentions?: unknown;
}

export interface CommandOption {
  name: string;
  type: number;
  value: string | number | boolean;
  focused?: boolean;
}

/** Everything the fake saw for one interaction. */
export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 application command, 3 component, 4 autocomplete. */
  type: number;
  user: ApiUser;
  payload: Record<string, unknown>;
  /** How often the gateway delivered it (a redelivery keeps the first record). */
  deliveries: number;
  dispatchedAt: number;
  /** The accepted acknowledgement. */
  ack: { type: number; at: number; data: MessageBody | null } | null;
  /** Every callback attempt, accepted or refused, with the error code Discord would return. */
  callbacks: Array<{ type: number; at: number; code: number | null }>;
  /** Command interactions: the response message. Component interactions: the clicked message. */
  original: ApiMessage | null;
  followUps: ApiMessage[];
  /** Bodies of PATCH …/messages/@original, in order. */
  edits: MessageBody[];
  deleted: boolean;
  autocomplete: Array<{ name: string; value: string }> | null;
  /** Discord error codes this fake returned for this interaction's requests. */
  errors: number[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  code: number | null;
  at: number;
  body: unknown;
}

export interface FakeDiscordOptions {
  /** The acknowledgement window; Discord's is 3 s. */
  ackWindowMs?: number;
  /** Delay before each REST response (a slow Discord). */
  restLatencyMs?: number;
  /** False: IDENTIFY is accepted but READY never comes (a stuck gateway). */
  answerIdentify?: boolean;
  /** How long an interaction's token works for webhook calls; Discord's is 15 minutes. */
  tokenLifetimeMs?: number;
}

interface Failure {
  match: (method: string, path: string) => boolean;
  status: number;
  code: number;
  message: string;
}

let snowflakeCounter = 0n;
/** A Discord-shaped id (time-based snowflake). */
export function snowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1n) % 4096n;
  return String(((BigInt(Date.now()) - 1_420_070_400_000n) << 22n) | snowflakeCounter);
}

export function fakeUser(id: string, name: string): ApiUser {
  return { id, username: name.toLowerCase(), global_name: name, discriminator: '0', avatar: null, public_flags: 0 };
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  if (status === 204) {
    response.writeHead(204).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** Discord's documented limits for a message body; each problem is one line. */
export function messageProblems(body: MessageBody): string[] {
  const problems: string[] = [];
  if (body.content !== undefined && body.content.length > 2000) problems.push(`content: ${body.content.length} > 2000 characters`);
  const embeds = body.embeds ?? [];
  if (embeds.length > 10) problems.push(`embeds: ${embeds.length} > 10`);
  let embedChars = 0;
  for (const [i, embed] of embeds.entries()) {
    if ((embed.title ?? '').length > 256) problems.push(`embeds[${i}].title > 256`);
    if ((embed.description ?? '').length > 4096) problems.push(`embeds[${i}].description > 4096`);
    for (const url of [embed.url, embed.thumbnail?.url]) if (url !== undefined && !/^https?:\/\//.test(url)) problems.push(`embeds[${i}]: bad url ${url}`);
    for (const field of embed.fields ?? []) {
      if (field.name.length === 0 || field.name.length > 256) problems.push(`embeds[${i}].fields name length`);
      if (field.value.length === 0 || field.value.length > 1024) problems.push(`embeds[${i}].fields value length`);
    }
    embedChars += (embed.title ?? '').length + (embed.description ?? '').length + (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  }
  if (embedChars > 6000) problems.push(`embeds: ${embedChars} > 6000 characters in total`);
  const rows = body.components ?? [];
  if (rows.length > 5) problems.push(`components: ${rows.length} > 5 rows`);
  const ids = new Set<string>();
  for (const [r, row] of rows.entries()) {
    if (row.type !== 1) problems.push(`components[${r}]: not an action row`);
    if (row.components.length === 0 || row.components.length > 5) problems.push(`components[${r}]: ${row.components.length} buttons (1–5 allowed)`);
    for (const button of row.components) {
      if (button.type !== 2) problems.push(`components[${r}]: not a button`);
      if ((button.label ?? '').length > 80) problems.push(`components[${r}]: label > 80`);
      if (button.style === 5) continue;
      const id = button.custom_id ?? '';
      if (id.length === 0 || id.length > 100) problems.push(`components[${r}]: custom_id length ${id.length}`);
      if (ids.has(id)) problems.push(`components[${r}]: duplicate custom_id ${id}`);
      ids.add(id);
    }
  }
  if (body.content === '' && embeds.length === 0 && rows.length === 0) problems.push('empty message');
  return problems;
}

export class FakeDiscord {
  readonly appId = '1300000000000000000';
  readonly guildId = '1100000000000000001';
  readonly channelId = '1100000000000000002';
  readonly botToken = `MTMw.FAKE-BOT-TOKEN.${randomBytes(6).toString('hex')}`;
  readonly botUser: ApiUser = { ...fakeUser(this.appId, 'Feelms'), global_name: null, bot: true };
  /** Every REST request, in order. */
  readonly requests: RecordedRequest[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly identifies: Array<Record<string, unknown>> = [];
  readonly commandRegistrations: Array<{ scope: 'global' | 'guild'; guildId: string | null; body: unknown }> = [];
  gatewayBotCalls = 0;
  readonly ackWindowMs: number;
  readonly tokenLifetimeMs: number;
  restLatencyMs: number;
  private readonly answerIdentify: boolean;

  private readonly messages = new Map<string, ApiMessage>();
  private readonly byToken = new Map<string, InteractionRecord>();
  private readonly sockets = new Set<{ ws: WebSocket; seq: number; identified: boolean }>();
  private readonly failures: Failure[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private port = 0;

  private constructor(
    private readonly server: Server,
    options: FakeDiscordOptions,
  ) {
    this.ackWindowMs = options.ackWindowMs ?? 3000;
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? 15 * 60_000;
    this.restLatencyMs = options.restLatencyMs ?? 0;
    this.answerIdentify = options.answerIdentify ?? true;
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = createServer();
    const fake = new FakeDiscord(server, options);
    server.on('request', (request, response) => void fake.onRequest(request, response));
    server.on('upgrade', (request, socket, head) => {
      if (!(request.url ?? '').startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      fake.wss.handleUpgrade(request, socket, head, (ws) => fake.onSocket(ws, request));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** For discord.js `rest: { api }` and DISCORD_API_ROOT. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /** Open gateway connections that have identified. */
  get connectedSessions(): number {
    return [...this.sockets].filter((s) => s.identified && s.ws.readyState === WebSocket.OPEN).length;
  }

  /** Every interaction token this fake handed out: none may ever reach a log. */
  get interactionTokens(): string[] {
    return [...this.interactions.values()].map((i) => i.token);
  }

  /** The next REST request matching `method` and a path containing `pathPart` fails once with this Discord error. */
  failNext(method: string, pathPart: string, error: { status: number; code: number; message: string }): void {
    this.failures.push({ match: (m, p) => m === method && p.includes(pathPart), ...error });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Polls until `predicate` holds; fails with `what` after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake discord: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ---- interactions -------------------------------------------------------------------------

  /** A slash command, in a guild channel (default) or in a DM with the bot. */
  slash(name: string, options: CommandOption[], at: { user: ApiUser; dm?: boolean }): InteractionRecord {
    return this.dispatchInteraction(this.slashPayload(name, options, at));
  }

  /** A slash command's INTERACTION_CREATE payload (new id and token), not sent. */
  slashPayload(name: string, options: CommandOption[], at: { user: ApiUser; dm?: boolean }): Record<string, unknown> {
    const payload = fixture<Record<string, unknown>>(at.dm ? 'chat-input-dm' : 'chat-input-guild');
    payload['data'] = { id: this.commandId(name), name, type: 1, ...(options.length > 0 ? { options } : {}) };
    return this.personalise(payload, at.user, at.dm ?? false);
  }

  /** `/feel mood:<mood> [private:true]`. */
  feel(mood: string, at: { user: ApiUser; dm?: boolean; private?: boolean }): InteractionRecord {
    const options: CommandOption[] = [{ name: 'mood', type: 3, value: mood }];
    if (at.private !== undefined) options.push({ name: 'private', type: 5, value: at.private });
    return this.slash('feel', options, at);
  }

  /** Typing into an autocompleted option. */
  autocomplete(name: string, option: string, value: string, at: { user: ApiUser; dm?: boolean }): InteractionRecord {
    const payload = fixture<Record<string, unknown>>('autocomplete-guild');
    payload['data'] = { id: this.commandId(name), name, type: 1, options: [{ name: option, type: 3, value, focused: true }] };
    return this.dispatchInteraction(this.personalise(payload, at.user, at.dm ?? false));
  }

  /** A button press on a message the bot sent (its current state), with any custom_id. */
  click(message: ApiMessage, customId: string, at: { user: ApiUser; dm?: boolean }): InteractionRecord {
    return this.dispatchInteraction(this.clickPayload(message, customId, at));
  }

  /** A button press's INTERACTION_CREATE payload (new id and token), not sent. */
  clickPayload(message: ApiMessage, customId: string, at: { user: ApiUser; dm?: boolean }): Record<string, unknown> {
    const payload = fixture<Record<string, unknown>>('button-guild');
    payload['data'] = { component_type: 2, custom_id: customId };
    const current = this.messages.get(message.id) ?? message;
    const { feelmsInteractionId: _bookkeeping, ...wire } = current;
    payload['message'] = structuredClone(wire);
    return this.personalise(payload, at.user, at.dm ?? false);
  }

  /**
   * An interaction delivered `ageMs` ago to a process that acknowledged it (deferred) and then died:
   * known to the REST side, with its "thinking…" original for commands, but not sent on the
   * gateway. Its token lives `tokenLifetimeMs` from then.
   */
  acknowledgedEarlier(payload: Record<string, unknown>, ageMs: number): InteractionRecord {
    const record = this.newRecord(payload);
    const at = Date.now() - ageMs;
    record.dispatchedAt = at;
    const type = record.type === 2 ? 5 : 6;
    record.callbacks.push({ type, at, code: null });
    record.ack = { type, at, data: null };
    if (type === 5) record.original = this.newMessage(record, { content: '', flags: LOADING });
    return record;
  }

  /** Sends INTERACTION_CREATE to every identified session. The same payload twice is a redelivery. */
  dispatchInteraction(payload: Record<string, unknown>): InteractionRecord {
    const id = payload['id'] as string;
    const known = this.interactions.get(id);
    if (known) known.deliveries++;
    const record = known ?? this.newRecord(payload);
    this.dispatch('INTERACTION_CREATE', payload);
    return record;
  }

  private newRecord(payload: Record<string, unknown>): InteractionRecord {
    const member = payload['member'] as { user: ApiUser } | undefined;
    const id = payload['id'] as string;
    const record: InteractionRecord = {
      id,
      token: payload['token'] as string,
      type: payload['type'] as number,
      user: member?.user ?? (payload['user'] as ApiUser),
      payload,
      deliveries: 1,
      dispatchedAt: Date.now(),
      ack: null,
      callbacks: [],
      original: null,
      followUps: [],
      edits: [],
      deleted: false,
      autocomplete: null,
      errors: [],
    };
    if (record.type === 3) record.original = this.messages.get((payload['message'] as ApiMessage).id) ?? (payload['message'] as ApiMessage);
    this.interactions.set(id, record);
    this.byToken.set(record.token, record);
    return record;
  }

  /** Sends a gateway dispatch to every identified session. */
  dispatch(event: string, data: unknown): void {
    const identified = [...this.sockets].filter((s) => s.identified && s.ws.readyState === WebSocket.OPEN);
    if (identified.length === 0) throw new Error(`fake discord: no identified gateway session to send ${event} to`);
    for (const socket of identified) socket.ws.send(JSON.stringify({ op: 0, t: event, s: ++socket.seq, d: data }));
  }

  /** The messages an interaction produced, in order: the response, then follow-ups. */
  messagesOf(record: InteractionRecord): ApiMessage[] {
    const original = record.type === 2 && record.original && !record.deleted ? [record.original] : [];
    return [...original, ...record.followUps].map((m) => this.messages.get(m.id) ?? m);
  }

  private commandId(name: string): string {
    return `13000000000000001${String([...name].reduce((n, c) => n + c.charCodeAt(0), 0) % 100).padStart(2, '0')}`;
  }

  private personalise(payload: Record<string, unknown>, user: ApiUser, dm: boolean): Record<string, unknown> {
    payload['id'] = snowflake();
    payload['token'] = `aW50ZXJhY3Rpb246${randomBytes(18).toString('base64url')}`;
    if (dm) {
      delete payload['member'];
      delete payload['guild'];
      delete payload['guild_id'];
      payload['user'] = user;
      payload['channel'] = { flags: 0, id: `9${user.id.slice(1)}`, last_message_id: null, recipients: [user], type: 1 };
      payload['channel_id'] = `9${user.id.slice(1)}`;
      payload['context'] = 1;
    } else {
      (payload['member'] as { user: ApiUser }).user = user;
    }
    return payload;
  }

  // ---- gateway --------------------------------------------------------------------------------

  private onSocket(ws: WebSocket, request: IncomingMessage): void {
    const query = new URL(request.url ?? '/', 'http://x').searchParams;
    const session = { ws, seq: 0, identified: false };
    this.sockets.add(session);
    ws.on('close', () => this.sockets.delete(session));
    if (query.get('v') !== '10' || query.get('encoding') !== 'json' || query.has('compress')) {
      ws.close(4012, 'Invalid API version or encoding');
      return;
    }
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    ws.on('message', (raw: Buffer) => {
      let packet: { op: number; d: unknown };
      try {
        packet = JSON.parse(raw.toString()) as { op: number; d: unknown };
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      if (packet.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      else if (packet.op === 2) this.onIdentify(session, packet.d as Record<string, unknown>);
      else if (packet.op === 6) ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
    });
  }

  private onIdentify(session: { ws: WebSocket; seq: number; identified: boolean }, identify: Record<string, unknown>): void {
    this.identifies.push(identify);
    if (identify['token'] !== this.botToken) {
      session.ws.close(4004, 'Authentication failed');
      return;
    }
    session.identified = true;
    if (!this.answerIdentify) return;
    const send = (t: string, d: unknown) => session.ws.send(JSON.stringify({ op: 0, t, s: ++session.seq, d }));
    send('READY', {
      v: 10,
      user: this.botUser,
      guilds: [{ id: this.guildId, unavailable: true }],
      session_id: randomBytes(16).toString('hex'),
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: this.appId, flags: 0 },
      user_settings: {},
      relationships: [],
      private_channels: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    });
    send('GUILD_CREATE', {
      id: this.guildId,
      name: 'Movie Night',
      icon: null,
      owner_id: '1200000000000000001',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      premium_tier: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: '2024-01-01T00:00:00.000000+00:00',
      large: false,
      unavailable: false,
      member_count: 3,
      roles: [{ id: this.guildId, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0, icon: null, unicode_emoji: null }],
      channels: [{ id: this.channelId, type: 0, name: 'movie-night', position: 0, permission_overwrites: [], nsfw: false, parent_id: null, topic: null, last_message_id: null, rate_limit_per_user: 0, flags: 0 }],
      threads: [],
      members: [],
      presences: [],
      voice_states: [],
      emojis: [],
      stickers: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    });
  }

  // ---- REST ------------------------------------------------------------------------------------

  private async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    if (this.restLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.restLatencyMs));
    const method = request.method ?? 'GET';
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const record = (status: number, code: number | null) => this.requests.push({ method, path, status, code, at: Date.now(), body });
    const fail = (status: number, code: number, message: string, interaction?: InteractionRecord) => {
      record(status, code);
      interaction?.errors.push(code);
      json(response, status, { code, message });
    };
    const ok = (status: number, payload: unknown) => {
      record(status, null);
      json(response, status, payload);
    };

    if (!url.pathname.startsWith('/api/v10/')) return fail(404, 0, '404: Not Found');
    const injected = this.failures.findIndex((f) => f.match(method, path));
    if (injected >= 0) {
      const [failure] = this.failures.splice(injected, 1);
      const interaction = this.interactionFromPath(path);
      return fail(failure!.status, failure!.code, failure!.message, interaction);
    }

    if (method === 'GET' && path === '/gateway/bot') {
      this.gatewayBotCalls++;
      if (request.headers.authorization !== `Bot ${this.botToken}`) return fail(401, 0, '401: Unauthorized');
      return ok(200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } });
    }

    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (method === 'POST' && callback) return this.onCallback(callback[1]!, callback[2]!, body as { type: number; data?: MessageBody }, fail, ok);

    const webhook = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/(@original|\d+))?$/.exec(path);
    if (webhook) {
      const interaction = webhook[1] === this.appId ? this.byToken.get(webhook[2]!) : undefined;
      if (!interaction || !interaction.ack) return fail(404, 10015, 'Unknown Webhook', interaction);
      if (Date.now() - interaction.dispatchedAt > this.tokenLifetimeMs) return fail(401, 50027, 'Invalid Webhook Token', interaction);
      return this.onWebhook(interaction, method, webhook[4] ?? null, body as MessageBody, fail, ok);
    }

    const commands = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path);
    if (method === 'PUT' && commands) {
      if (request.headers.authorization !== `Bot ${this.botToken}`) return fail(401, 0, '401: Unauthorized');
      if (commands[1] !== this.appId) return fail(403, 50001, 'Missing Access');
      if (!Array.isArray(body)) return fail(400, 50035, 'Invalid Form Body');
      this.commandRegistrations.push({ scope: commands[2] ? 'guild' : 'global', guildId: commands[2] ?? null, body });
      return ok(
        200,
        (body as Array<Record<string, unknown>>).map((command) => ({ ...command, id: snowflake(), application_id: this.appId, version: snowflake() })),
      );
    }
    return fail(404, 0, '404: Not Found');
  }

  private interactionFromPath(path: string): InteractionRecord | undefined {
    const callback = /^\/interactions\/(\d+)\//.exec(path);
    if (callback) return this.interactions.get(callback[1]!);
    const webhook = /^\/webhooks\/\d+\/([^/]+)/.exec(path);
    return webhook ? this.byToken.get(webhook[1]!) : undefined;
  }

  private onCallback(
    id: string,
    token: string,
    body: { type: number; data?: MessageBody & { choices?: Array<{ name: string; value: string }> } },
    fail: (status: number, code: number, message: string, interaction?: InteractionRecord) => void,
    ok: (status: number, payload: unknown) => void,
  ): void {
    const interaction = this.interactions.get(id);
    const now = Date.now();
    if (!interaction || interaction.token !== token) return fail(404, 10062, 'Unknown interaction');
    const attempt = { type: body.type, at: now, code: null as number | null };
    interaction.callbacks.push(attempt);
    if (interaction.ack) {
      attempt.code = 40060;
      return fail(400, 40060, 'Interaction has already been acknowledged.', interaction);
    }
    if (now - interaction.dispatchedAt > this.ackWindowMs) {
      attempt.code = 10062;
      return fail(404, 10062, 'Unknown interaction', interaction);
    }
    const allowed = interaction.type === 4 ? [8] : interaction.type === 3 ? [4, 5, 6, 7] : [4, 5];
    if (!allowed.includes(body.type)) {
      attempt.code = 50035;
      return fail(400, 50035, `Invalid Form Body: callback type ${body.type} for interaction type ${interaction.type}`, interaction);
    }
    const data = body.data ?? null;
    if ((body.type === 4 || body.type === 7) && data) {
      const problems = messageProblems(data);
      if (problems.length > 0) {
        attempt.code = 50035;
        return fail(400, 50035, `Invalid Form Body: ${problems.join('; ')}`, interaction);
      }
    }
    interaction.ack = { type: body.type, at: now, data };
    if (body.type === 8) interaction.autocomplete = data?.choices ?? [];
    if (body.type === 4 || body.type === 5) {
      interaction.original = this.newMessage(interaction, {
        ...(body.type === 4 ? (data ?? {}) : { content: '' }),
        flags: ((data?.flags ?? 0) & EPHEMERAL) | (body.type === 5 ? LOADING : 0),
      });
    }
    if (body.type === 7 && interaction.original && data) this.applyEdit(interaction.original, data);
    ok(204, null);
  }

  private onWebhook(
    interaction: InteractionRecord,
    method: string,
    target: string | null,
    body: MessageBody,
    fail: (status: number, code: number, message: string, interaction?: InteractionRecord) => void,
    ok: (status: number, payload: unknown) => void,
  ): void {
    if (method === 'POST' && target === null) {
      const problems = messageProblems(body ?? {});
      if (problems.length > 0) return fail(400, 50035, `Invalid Form Body: ${problems.join('; ')}`, interaction);
      const message = this.newMessage(interaction, { ...body, flags: (body.flags ?? 0) & EPHEMERAL });
      interaction.followUps.push(message);
      return ok(200, message);
    }
    const message = target === '@original' ? interaction.original : this.messages.get(target ?? '');
    if (!message || (target === '@original' && interaction.deleted)) return fail(404, 10008, 'Unknown Message', interaction);
    if (method === 'GET') return ok(200, message);
    if (method === 'DELETE') {
      if (target === '@original') interaction.deleted = true;
      this.messages.delete(message.id);
      return ok(204, null);
    }
    if (method === 'PATCH') {
      const problems = messageProblems({ content: body.content ?? message.content, embeds: body.embeds ?? message.embeds, components: body.components ?? message.components });
      if (problems.length > 0) return fail(400, 50035, `Invalid Form Body: ${problems.join('; ')}`, interaction);
      if (target === '@original') interaction.edits.push(body);
      this.applyEdit(message, body);
      return ok(200, message);
    }
    return fail(405, 0, '405: Method Not Allowed', interaction);
  }

  private applyEdit(message: ApiMessage, body: MessageBody): void {
    if (body.content !== undefined) message.content = body.content;
    if (body.embeds !== undefined) message.embeds = body.embeds;
    if (body.components !== undefined) message.components = body.components;
    // The ephemeral flag is fixed at creation; an edit only clears "loading".
    message.flags &= ~LOADING;
    message.edited_timestamp = new Date().toISOString();
  }

  /** A message posted by the bot, with Discord's defaults; tests use it for cards no interaction created. */
  botMessage(fields: Partial<ApiMessage> & Pick<ApiMessage, 'interaction_metadata'>): ApiMessage {
    return {
      id: snowflake(),
      type: 0,
      channel_id: this.channelId,
      content: '',
      embeds: [],
      components: [],
      flags: 0,
      author: this.botUser,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      pinned: false,
      webhook_id: this.appId,
      application_id: this.appId,
      ...fields,
    };
  }

  private newMessage(interaction: InteractionRecord, body: MessageBody): ApiMessage {
    const original = interaction.type === 2 ? interaction.original : null;
    const message: ApiMessage = this.botMessage({
      type: interaction.type === 2 ? 20 : 0,
      channel_id: (interaction.payload['channel_id'] as string | undefined) ?? this.channelId,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      flags: body.flags ?? 0,
      interaction_metadata: {
        id: interaction.id,
        type: interaction.type,
        user: interaction.user,
        authorizing_integration_owners: { '0': this.guildId },
        ...(original ? { original_response_message_id: original.id } : {}),
        ...(interaction.type === 3 && interaction.original ? { interacted_message_id: interaction.original.id } : {}),
      },
      feelmsInteractionId: interaction.id,
    });
    this.messages.set(message.id, message);
    return message;
  }
}
