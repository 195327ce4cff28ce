/**
 * Delivery drills (RELIABILITY.md; src/delivery/README.md): the real bot process (`src/main.ts`)
 * polling the fake Bot API (tests/bots/telegram/fake-bot-api.ts) on a real database, put through
 * crashes, SIGTERM, floods and database outages. Each drill returns its figures; the tests
 * (tests/drills/delivery.test.ts) run them small and check the outcome, `npm run bench -- --only
 * delivery` runs them at full size and prints the figures.
 *
 * Effects are counted in the database afterwards: a rating tap must leave its rating, a details tap
 * exactly one `view` row (a details tap writes one every time it is applied, so a double shows).
 * @example
 * const figures = await killBurstDrill({ database: { kind: 'sqlite', url: 'file:/tmp/x.db' }, taps: 300 });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '../src/config.ts';
import { emotionWeightsForGenres } from '../src/catalog/genres.ts';
import { encodePayload } from '../src/core/conversation/payload.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { openBulkConnection } from '../src/infra/db/bulk.ts';
import { writeCatalog } from '../src/infra/db/catalog-writer.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { projectRoot } from '../src/shared/project-root.ts';
import { FakeBotApi } from '../tests/bots/telegram/fake-bot-api.ts';
import { aGroup, aTelegramUser, privateChat, tapUpdate, textUpdate, type TelegramUser } from '../tests/bots/telegram/updates.ts';
import { percentile } from './bench-stats.ts';

const TOKEN = '987654321:DRILLmarkerTOKEN_delivery_drills';
const CATALOG_SIZE = 40;

/** Children get PATH and the like; their database and API are passed explicitly. */
// eslint-disable-next-line no-restricted-properties -- the drills' bot processes inherit the environment
const inheritedEnv = () => ({ ...process.env });

export interface DrillOptions {
  database: DatabaseConfig;
  log?: (line: string) => void;
}

/** A fresh database with the schema and a small all-comedy catalog (so start-up skips the import). */
export async function prepareDrillDatabase(database: DatabaseConfig): Promise<void> {
  await migrateDatabase(database, silentLogger);
  await writeCatalog(
    database,
    Array.from({ length: CATALOG_SIZE }, (_, i) => ({
      source: 'drill', sourceId: String(i), title: `Comedy ${i}`, year: 1980 + i, runtimeMinutes: 90, genres: ['Comedy'], certificate: null,
      imdbRating: 6 + (i % 30) / 10, imdbVotes: 10_000 + i, criticScore: null, director: null, cast: [], posterUrl: null, overview: null, imdbId: null,
      emotions: emotionWeightsForGenres(['Comedy']),
    })),
  );
}

/** The catalog's movie ids, in id order. */
async function movieIds(database: DatabaseConfig): Promise<number[]> {
  const bulk = await openBulkConnection(database);
  try {
    return (await bulk.all('SELECT id FROM movies ORDER BY id')).map((row) => Number(row['id']));
  } finally {
    await bulk.close();
  }
}

export interface BotProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function spoolDirFor(database: DatabaseConfig): string {
  const name = (database.kind === 'sqlite' ? database.file : database.url).replace(/\W+/g, '_').slice(-80);
  return join(tmpdir(), 'feelms-drill-spool', name);
}

/** `src/main.ts` as an operator starts it, polling the fake (or on its webhook), rate limit out of the way. */
export function startBotProcess(database: DatabaseConfig, api: FakeBotApi, env: Record<string, string> = {}): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot(),
    env: {
      ...inheritedEnv(),
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.url,
      DATABASE_URL: database.kind === 'sqlite' ? `file:${database.file}` : database.url,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      FEELMS_CONSOLE: '',
      RATE_LIMIT_TURNS: '1000',
      // Per database: a spool left by a killed drill must never be replayed into another drill's database.
      SPOOL_DIR: spoolDirFor(database),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  return { child, output: () => output, exited };
}

/** Resolves once the bot has polled after `since` (it is up), or rejects with its output. */
async function waitUntilPolling(api: FakeBotApi, bot: BotProcess, since: number): Promise<void> {
  const crashed = bot.exited.then(({ code }) => Promise.reject(new Error(`the bot exited (${code}) before polling:\n${bot.output().slice(-3_000)}`)));
  await Promise.race([api.waitFor((calls) => calls.some((c) => c.method === 'getUpdates' && c.at > since && c.body['timeout']), 90_000, 'the bot to poll'), crashed]);
}

async function startAndWait(database: DatabaseConfig, api: FakeBotApi, env?: Record<string, string>): Promise<BotProcess> {
  const since = performance.now();
  const bot = startBotProcess(database, api, env);
  try {
    await waitUntilPolling(api, bot, since);
  } catch (error) {
    bot.child.kill('SIGKILL');
    throw error;
  }
  return bot;
}

async function stopBot(bot: BotProcess): Promise<void> {
  if (bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill('SIGTERM');
  const outcome = await Promise.race([bot.exited, sleep(10_000).then(() => null)]);
  if (!outcome) bot.child.kill('SIGKILL');
  await bot.exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; resolves with whether it did. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > until) return false;
    await sleep(everyMs);
  }
}

async function countPending(database: DatabaseConfig): Promise<{ updates: number; replies: number }> {
  const bulk = await openBulkConnection(database);
  try {
    const [updates] = await bulk.all("SELECT COUNT(*) AS n FROM inbox_updates WHERE status = 'pending'");
    const [replies] = await bulk.all('SELECT COUNT(*) AS n FROM outbox_messages');
    return { updates: Number(updates!['n']), replies: Number(replies!['n']) };
  } finally {
    await bulk.close();
  }
}

interface Tap {
  user: TelegramUser;
  movieId: number;
  kind: 'rate' | 'details';
}

/** Lost and doubled effects of `taps`, counted in the database. */
async function tapEffects(database: DatabaseConfig, taps: readonly Tap[]): Promise<{ lost: number; doubled: number }> {
  const bulk = await openBulkConnection(database);
  try {
    const accounts = new Map((await bulk.all("SELECT externalId, userId FROM platform_accounts WHERE platform = 'telegram'")).map((row) => [String(row['externalId']), Number(row['userId'])]));
    const ratings = new Set((await bulk.all('SELECT userId, movieId FROM ratings')).map((row) => `${String(row['userId'])}:${String(row['movieId'])}`));
    const views = new Map<string, number>();
    for (const row of await bulk.all("SELECT userId, movieId, COUNT(*) AS n FROM interactions WHERE kind = 'view' GROUP BY userId, movieId")) {
      views.set(`${String(row['userId'])}:${String(row['movieId'])}`, Number(row['n']));
    }
    let lost = 0;
    let doubled = 0;
    for (const tap of taps) {
      const userId = accounts.get(String(tap.user.id));
      const key = `${String(userId)}:${tap.movieId}`;
      const viewCount = views.get(key) ?? 0;
      if (userId === undefined || viewCount === 0 || (tap.kind === 'rate' && !ratings.has(key))) lost++;
      if (viewCount > 1) doubled++;
    }
    return { lost, doubled };
  } finally {
    await bulk.close();
  }
}

/** Rating and details taps on distinct (user, movie) pairs, 4 per user. */
function tapsFor(count: number, movies: readonly number[], firstUserId: number): Tap[] {
  return Array.from({ length: count }, (_, i) => ({
    user: aTelegramUser(`Tapper${Math.floor(i / 4)}`, firstUserId + Math.floor(i / 4)),
    movieId: movies[i % 4]!,
    kind: i % 2 === 0 ? ('rate' as const) : ('details' as const),
  }));
}

function tapJson(api: FakeBotApi, tap: Tap, index: number) {
  const payload = tap.kind === 'rate' ? encodePayload({ action: 'rate', movieId: tap.movieId, stars: 1 + (index % 5) }) : encodePayload({ action: 'details', movieId: tap.movieId });
  return tapUpdate(payload, tap.user, { message_id: 1, chat: privateChat(tap.user) }, api.queryId());
}

export interface KillBurstFigures {
  taps: number;
  lost: number;
  doubled: number;
  /** Taps whose effect was in the database when the process was killed. */
  appliedBeforeKill: number;
  /** From the restart until every tap's effect was there. */
  recoverySeconds: number;
}

/**
 * kill -9 part-way through a burst of rating and details taps (once `killAtFraction` of them have
 * their effect, or after 10 s); a restart must apply every one, once.
 */
export async function killBurstDrill(options: DrillOptions & { taps?: number; killAtFraction?: number }): Promise<KillBurstFigures> {
  const { database, log = () => undefined } = options;
  const api = await FakeBotApi.start();
  try {
    const movies = await movieIds(database);
    const taps = tapsFor(options.taps ?? 300, movies, 700_000);
    let bot = await startAndWait(database, api);
    api.push(...taps.map((tap, i) => tapJson(api, tap, i)));
    const killAt = Math.ceil(taps.length * (options.killAtFraction ?? 0.25));
    await eventually(async () => taps.length - (await tapEffects(database, taps)).lost >= killAt, 10_000, 20);
    bot.child.kill('SIGKILL');
    await bot.exited;
    const before = await tapEffects(database, taps);
    log(`delivery.killBurst: killed with ${taps.length - before.lost} of ${taps.length} taps applied; restarting`);
    const restarted = performance.now();
    bot = await startAndWait(database, api);
    let effects = before;
    await eventually(async () => (effects = await tapEffects(database, taps)).lost === 0, 60_000);
    const recoverySeconds = (performance.now() - restarted) / 1000;
    await eventually(async () => (await countPending(database)).updates === 0, 10_000);
    await stopBot(bot);
    effects = await tapEffects(database, taps);
    return { taps: taps.length, lost: effects.lost, doubled: effects.doubled, appliedBeforeKill: taps.length - before.lost, recoverySeconds };
  } finally {
    await api.close();
  }
}

export interface SigtermFigures {
  /** Replies never sent, before the exit or after the restart. */
  unsentReplies: number;
  /** Replies sent after the restart (they were parked in the outbox). */
  sentAfterRestart: number;
  exitSeconds: number;
  exitCode: number | null;
}

/** SIGTERM while 30 /feel and 30 taps are being answered; every reply must go out, before exit or after a restart. */
export async function sigtermDrill(options: DrillOptions & { commands?: number }): Promise<SigtermFigures> {
  const { database, log = () => undefined } = options;
  const api = await FakeBotApi.start();
  try {
    const movies = await movieIds(database);
    const count = options.commands ?? 30;
    const feelers = Array.from({ length: count }, (_, i) => aTelegramUser(`Feeler${i}`, 800_000 + i));
    const tappers = Array.from({ length: count }, (_, i) => aTelegramUser(`Tapper${i}`, 810_000 + i));
    let bot = await startAndWait(database, api);
    api.push(...feelers.map((user) => textUpdate('/feel happy', user)), ...tappers.map((user, i) => tapUpdate(encodePayload({ action: 'details', movieId: movies[i % movies.length]! }), user, { message_id: 1, chat: privateChat(user) }, api.queryId())));
    // Mid-burst: the first replies are out, most are still paced (1 message per second per chat).
    await api.waitFor(() => api.sent.length >= count, 30_000, 'the first replies');
    const signalled = performance.now();
    bot.child.kill('SIGTERM');
    const exit = await Promise.race([bot.exited, sleep(15_000).then(() => null)]);
    if (!exit) bot.child.kill('SIGKILL');
    const exitSeconds = exit ? (exit.at - signalled) / 1000 : Infinity;
    const sentBeforeExit = api.sent.length;
    log(`delivery.sigterm: exit ${String(exit?.code)} after ${exitSeconds.toFixed(1)} s with ${sentBeforeExit} replies sent; restarting`);

    // Every /feel is an intro, 5 cards and a footer; every details tap one message.
    const expected = (user: TelegramUser) => (user.first_name.startsWith('Feeler') ? 7 : 1);
    const unsent = () => [...feelers, ...tappers].reduce((sum, user) => sum + Math.max(0, expected(user) - api.sentTo(user.id).length), 0);
    bot = await startAndWait(database, api);
    await eventually(() => Promise.resolve(unsent() === 0), 60_000);
    await stopBot(bot);
    return { unsentReplies: unsent(), sentAfterRestart: api.sent.length - sentBeforeExit, exitSeconds, exitCode: exit?.code ?? null };
  } finally {
    await api.close();
  }
}

export interface FloodFigures {
  floodCommands: number;
  /** Private /help replies during the flood: median and p99 latency. */
  otherChatP50Ms: number;
  otherChatP99Ms: number;
  /** Private chats that got no answer within 30 s. */
  otherChatUnanswered: number;
  /** Flood updates dropped (queue full), and whether the group got the notice. */
  dropped: number;
  noticeSent: boolean;
}

/** One member floods a group with /feel; other users' private commands must still be answered at once. */
export async function floodDrill(options: DrillOptions & { floodCommands?: number; probes?: number }): Promise<FloodFigures> {
  const { database } = options;
  const api = await FakeBotApi.start();
  try {
    const group = aGroup();
    const flooder = aTelegramUser('Flooder', 900_001);
    const floodCommands = options.floodCommands ?? 300;
    const bot = await startAndWait(database, api);
    api.push(...Array.from({ length: floodCommands }, () => textUpdate(`/feel@${api.me.username} happy`, flooder, group)));
    await sleep(500);
    const latencies: number[] = [];
    let unanswered = 0;
    const probes = Array.from({ length: options.probes ?? 10 }, (_, i) => aTelegramUser(`Probe${i}`, 910_000 + i));
    for (const probe of probes) {
      const pushed = performance.now();
      api.push(textUpdate('/help', probe));
      const answered = await api.waitFor(() => api.sentTo(probe.id).length > 0, 30_000, 'a private reply').then(
        () => true,
        () => false,
      );
      if (!answered) {
        unanswered++;
        continue;
      }
      const reply = api.calls.find((c) => c.method === 'sendMessage' && Number(c.body['chat_id']) === probe.id && c.at >= pushed);
      latencies.push(reply!.at - pushed);
      await sleep(200);
    }
    const groupMessages = api.sentTo(group.id);
    const noticeSent = groupMessages.some((m) => typeof m['text'] === 'string' && /Too much at once/.test(m['text']));
    const bulk = await openBulkConnection(database);
    let dropped = 0;
    try {
      dropped = Number((await bulk.all("SELECT COUNT(*) AS n FROM inbox_updates WHERE status = 'dropped'"))[0]!['n']);
    } finally {
      await bulk.close();
    }
    await stopBot(bot);
    return {
      floodCommands,
      otherChatP50Ms: latencies.length ? percentile(latencies, 50) : Infinity,
      otherChatP99Ms: latencies.length ? percentile(latencies, 99) : Infinity,
      otherChatUnanswered: unanswered,
      dropped,
      noticeSent,
    };
  } finally {
    await api.close();
  }
}

/** What the outage drill needs of the database server: kill it, and bring it back. */
export interface KillableDatabase {
  kill(): void;
  restart(): Promise<void>;
}

export interface OutageFigures {
  /** /help commands sent while the database was down. */
  duringOutage: number;
  /** Their first reply ("temporarily unavailable"): median and p99 latency. */
  replyP50Ms: number;
  replyP99Ms: number;
  /** Of them, answered nothing within 5 s. */
  unanswered: number;
  /** From the database answering again until every one of them had its real answer. */
  drainSeconds: number;
  /** Per command: when it was sent (ms after the kill) and how long its first reply took. */
  timeline: Array<{ sentMs: number; firstReplyMs: number | null }>;
}

/** The database dies under steady traffic for `outageMs`; the bot must answer at once throughout, then catch up. */
export async function outageDrill(options: DrillOptions & { server: KillableDatabase; outageMs?: number; perSecond?: number }): Promise<OutageFigures> {
  const { database, server, log = () => undefined } = options;
  const api = await FakeBotApi.start();
  const outageMs = options.outageMs ?? 30_000;
  const gapMs = 1000 / (options.perSecond ?? 5);
  let nextUser = 950_000;
  const send = () => {
    const user = aTelegramUser('Steady', nextUser++);
    const pushed = performance.now();
    api.push(textUpdate('/help', user));
    return { user, pushed };
  };
  try {
    const bot = await startAndWait(database, api);
    for (let i = 0; i < 10; i++) {
      send();
      await sleep(gapMs);
    }
    server.kill();
    const killedAt = performance.now();
    log(`delivery.outage: database killed for ${outageMs / 1000} s`);
    const during: Array<{ user: TelegramUser; pushed: number }> = [];
    const outageEnds = performance.now() + outageMs;
    while (performance.now() < outageEnds) {
      during.push(send());
      await sleep(gapMs);
    }
    await server.restart();
    const back = performance.now();
    log('delivery.outage: database back');
    const isHelp = (text: unknown) => typeof text === 'string' && /\/feel/.test(text) && !/temporarily unavailable/.test(text);
    const answeredFully = () => during.every(({ user }) => api.sentTo(user.id).some((m) => isHelp(m['text'])));
    await eventually(() => Promise.resolve(answeredFully()), 60_000, 100);
    const drainSeconds = answeredFully() ? (performance.now() - back) / 1000 : Infinity;
    const latencies: number[] = [];
    const timeline: OutageFigures['timeline'] = [];
    let unanswered = 0;
    for (const { user, pushed } of during) {
      const first = api.calls.find((c) => c.method === 'sendMessage' && Number(c.body['chat_id']) === user.id);
      if (!first || first.at - pushed > 5_000) unanswered++;
      if (first) latencies.push(first.at - pushed);
      timeline.push({ sentMs: Math.round(pushed - killedAt), firstReplyMs: first ? Math.round(first.at - pushed) : null });
    }
    await stopBot(bot);
    return {
      duringOutage: during.length,
      replyP50Ms: latencies.length ? percentile(latencies, 50) : Infinity,
      replyP99Ms: latencies.length ? percentile(latencies, 99) : Infinity,
      unanswered,
      drainSeconds,
      timeline,
    };
  } finally {
    await api.close();
  }
}

export interface TwoProcessFigures {
  updates: number;
  /** Details taps applied (one view row each), and applied twice. */
  applied: number;
  doubled: number;
  /** Replies sent in all (one per update expected). */
  replies: number;
}

function post(port: number, path: string, secret: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The port a bot process's HTTP server listens on, from its log. */
async function listeningPort(bot: BotProcess): Promise<number> {
  for (let i = 0; i < 360; i++) {
    const match = /"port":(\d+)[^\n]*http listening|http listening[^\n]*"port":(\d+)/.exec(bot.output());
    if (match) return Number(match[1] ?? match[2]);
    if (bot.child.exitCode !== null) break;
    await sleep(250);
  }
  throw new Error(`no "http listening" in the bot's log:\n${bot.output().slice(-2_000)}`);
}

/** The same webhook updates delivered to two processes at once (a redelivery to another replica): one effect each. */
export async function twoProcessDrill(options: DrillOptions & { updates?: number }): Promise<TwoProcessFigures> {
  const { database } = options;
  const api = await FakeBotApi.start();
  const secret = 'drill-webhook-secret-0123456789';
  const env = { TELEGRAM_WEBHOOK_URL: 'https://feelms.example/telegram', TELEGRAM_WEBHOOK_SECRET: secret };
  const bots = [startBotProcess(database, api, env), startBotProcess(database, api, env)];
  try {
    const ports = await Promise.all(bots.map(listeningPort));
    await api.waitFor((calls) => calls.filter((c) => c.method === 'setWebhook').length >= 2, 90_000, 'both webhooks');
    const movies = await movieIds(database);
    const taps: Tap[] = Array.from({ length: options.updates ?? 50 }, (_, i) => ({ user: aTelegramUser(`Twice${i}`, 990_000 + i), movieId: movies[i % movies.length]!, kind: 'details' }));
    const updates = taps.map((tap, i) => ({ update_id: 50_000 + i, ...tapJson(api, tap, i) }));
    await Promise.all(updates.flatMap((update) => ports.map((port) => post(port, '/telegram', secret, JSON.stringify(update)))));
    await eventually(async () => (await tapEffects(database, taps)).lost === 0 && (await countPending(database)).replies === 0, 30_000);
    await sleep(1_000);
    const effects = await tapEffects(database, taps);
    // Each details tap is answered with one message (the details); its toast goes to answerCallbackQuery.
    const replies = taps.reduce((sum, tap) => sum + api.sentTo(tap.user.id).length, 0);
    return { updates: taps.length, applied: taps.length - effects.lost, doubled: effects.doubled, replies };
  } finally {
    await Promise.all(bots.map(stopBot));
    await api.close();
  }
}
