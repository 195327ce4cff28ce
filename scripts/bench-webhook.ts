/**
 * `webhook.burst.*` for `npm run bench`: the Telegram webhook drill. 500 webhook calls of ~200 KB each,
 * all at once and with the right secret, against the real process; its peak resident memory must stay
 * ≤ 350 MB (before the in-flight cap of src/bots/telegram/webhook.ts, every body was read before any
 * limit applied: 709 MB).
 *
 * The process is the container's: the project is built (`npm run build`) and `dist/src/main.js` runs
 * with the production flags and environment (scripts/serving-runtime.ts), in Telegram webhook mode
 * against the fake Bot API of tests/bots/telegram, on a fresh scratch SQLite database per run holding
 * the default catalog (imported here, so the import's memory is not the child's) and with the
 * repository's models.
 *
 * Each update is a private message from its own user whose text pads the JSON to 200 KB (the bot
 * answers such a text with /help). Refused calls (429/503) are sent again after their Retry-After,
 * as Telegram does, until every update is taken.
 *
 * - webhook.burst.peakRssMb: the child's high-water mark (Linux VmHWM) once every update is taken
 *   and answered, so over start-up, the burst, the retries and the replies;
 * - webhook.burst.idleRssMb: its resident memory just before the burst (VmRSS);
 * - webhook.burst.accepted / rejected / reset: the first wave's 200s, 429/503s, and connections
 *   closed without a status;
 * - webhook.burst.seconds: from the first call until every update was taken (with the retries).
 * With several runs (not --quick), each on a fresh process, figures are medians.
 *
 * Exported as a section for scripts/bench.ts; `npx tsx scripts/bench-webhook.ts [--quick]` runs it alone.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importCatalog } from '../src/app/import-catalog.ts';
import { silentLogger } from '../src/core/ports/logger.ts';
import { migrateDatabase } from '../src/infra/db/migrate.ts';
import { projectRoot } from '../src/shared/project-root.ts';
import { FakeBotApi } from '../tests/bots/telegram/fake-bot-api.ts';
import { aTelegramUser, textUpdate } from '../tests/bots/telegram/updates.ts';
import { median, round, scratchSqlite, type BenchSection } from './bench-lib.ts';
import { SERVING_ENV, SERVING_NODE_FLAGS } from './serving-runtime.ts';

const REQUESTS = 500;
const BODY_BYTES = 200 * 1024;
const TARGET_PEAK_MB = 350;
const TOKEN = '100200300:bench-webhook-token';
const SECRET = 'bench_webhook_secret_0123456789';
const HOOK_PATH = '/telegram/hook';
/** Retries stop after this long; every update must be taken by then. */
const DEADLINE_MS = 120_000;

/** Children get PATH and the like; their database, ports and tokens are passed explicitly. */
// eslint-disable-next-line no-restricted-properties -- the benchmark's child inherits the environment
const inheritedEnv = () => ({ ...process.env });

interface Outcome {
  /** HTTP status, or -1 when the connection closed without one. */
  status: number;
  retryAfterSeconds: number;
}

export interface RunFigures {
  peakRssMb: number;
  idleRssMb: number;
  accepted: number;
  rejected: number;
  reset: number;
  waves: number;
  seconds: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** VmHWM (peak) and VmRSS (now) of a process, in MB, from /proc. */
function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** A message update from user `n`, its text padded so the JSON is BODY_BYTES long. */
function paddedUpdate(n: number): { userId: number; body: Buffer } {
  const user = aTelegramUser(`Burst${n}`, 3_000_000 + n);
  const shell = { update_id: 700_000 + n, ...textUpdate('', user) };
  const padding = BODY_BYTES - Buffer.byteLength(JSON.stringify(shell));
  const body = Buffer.from(JSON.stringify({ ...shell, message: { ...shell.message, text: 'x'.repeat(Math.max(0, padding)) } }));
  return { userId: user.id, body };
}

function post(agent: Agent, port: number, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: HOOK_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-telegram-bot-api-secret-token': SECRET },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, retryAfterSeconds: Number(res.headers['retry-after'] ?? '1') || 1 });
      },
    );
    // A server that answers before reading the body may close the connection under the upload.
    req.on('error', () => resolve({ status: -1, retryAfterSeconds: 1 }));
    req.end(body);
  });
}

async function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * One burst against a fresh bot process. `entry` is how the bot starts: the build (`dist/src/main.js`,
 * what the image runs) or the sources through tsx (tests/drills, without a build), both with the
 * container's flags.
 */
export async function webhookBurst(root: string, databaseUrl: string, log: (line: string) => void, entry: 'built' | 'sources' = 'built'): Promise<RunFigures> {
  const api = await FakeBotApi.start();
  const port = await freePort();
  const main = entry === 'built' ? [join('dist', 'src', 'main.js')] : ['--import', 'tsx', join('src', 'main.ts')];
  const child = spawn(process.execPath, [...SERVING_NODE_FLAGS, ...main], {
    cwd: root,
    env: {
      ...inheritedEnv(),
      ...SERVING_ENV,
      NODE_OPTIONS: '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      DATABASE_URL: databaseUrl,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_WEBHOOK_URL: `https://feelms.example${HOOK_PATH}`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_FORCE_POLLING: '',
      DISCORD_TOKEN: '',
      FEELMS_CONSOLE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    const died = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the bot exited (${code}) during the run:\n${output}`))));
    died.catch(() => undefined);
    await Promise.race([api.waitFor((calls) => calls.some((call) => call.method === 'setWebhook'), 60_000, 'setWebhook'), died]);
    const idle = memoryOf(child.pid!);

    const updates = Array.from({ length: REQUESTS }, (_, n) => paddedUpdate(n));
    let pending = updates;
    let first: Outcome[] | undefined;
    let waves = 0;
    const started = performance.now();
    while (pending.length > 0) {
      if (performance.now() - started > DEADLINE_MS) throw new Error(`${pending.length} updates still refused after ${DEADLINE_MS / 1000} s`);
      waves++;
      const outcomes = await Promise.race([Promise.all(pending.map((update) => post(agent, port, update.body))), died]);
      first ??= outcomes;
      const refused = pending.filter((_, i) => outcomes[i]!.status !== 200);
      const unexpected = outcomes.filter((o) => ![200, 429, 503, -1].includes(o.status));
      if (unexpected.length > 0) throw new Error(`unexpected webhook statuses: ${[...new Set(unexpected.map((o) => o.status))].join(', ')}`);
      if (refused.length > 0) {
        const wait = Math.max(...outcomes.filter((o) => o.status !== 200).map((o) => o.retryAfterSeconds));
        await new Promise((resolve) => setTimeout(resolve, wait * 1_000));
      }
      pending = refused;
    }
    const seconds = (performance.now() - started) / 1000;
    // Every user is answered (/help) before the figure is read: the replies' memory counts too.
    const users = new Set(updates.map((update) => update.userId));
    const answered = new Set<number>();
    let scanned = 0;
    await Promise.race([
      api.waitFor(
        () => {
          for (; scanned < api.sent.length; scanned++) {
            const chat = Number(api.sent[scanned]!['chat_id']);
            if (users.has(chat)) answered.add(chat);
          }
          return answered.size === users.size;
        },
        DEADLINE_MS,
        'a reply to every user',
      ),
      died,
    ]);
    const after = memoryOf(child.pid!);
    const counts = { accepted: first!.filter((o) => o.status === 200).length, rejected: first!.filter((o) => o.status === 429 || o.status === 503).length, reset: first!.filter((o) => o.status === -1).length };
    log(
      `webhook.burst run: idle ${idle.rssMb.toFixed(0)} MB → peak ${after.peakMb.toFixed(0)} MB (RSS ${after.rssMb.toFixed(0)} MB after the replies); ` +
        `first wave ${counts.accepted} accepted, ${counts.rejected} refused, ${counts.reset} reset; all taken after ${waves} wave(s) in ${seconds.toFixed(1)} s`,
    );
    return { peakRssMb: after.peakMb, idleRssMb: idle.rssMb, ...counts, waves, seconds };
  } finally {
    agent.destroy();
    await exitOf(child);
    await api.close();
  }
}

export const webhookBenchmarks: BenchSection = async ({ quick, log }) => {
  const runs = quick ? 1 : 3;
  const root = projectRoot();
  log('webhook: building (npm run build), then starting the bot in webhook mode…');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const all: RunFigures[] = [];
  for (let run = 0; run < runs; run++) {
    // A fresh database each run: the same update_ids again would be duplicates, and the users known.
    const db = scratchSqlite('bench-webhook');
    try {
      await migrateDatabase(db.config, silentLogger);
      await importCatalog(db.config, 'vega', undefined, () => undefined);
      all.push(await webhookBurst(root, db.config.url, log));
    } finally {
      await db.drop();
    }
  }
  const m = (pick: (figures: RunFigures) => number) => median(all.map(pick));
  const peak = m((f) => f.peakRssMb);
  log(
    `webhook.burst: ${REQUESTS} calls of ${BODY_BYTES / 1024} KB at once: peak RSS ${peak.toFixed(0)} MB (target ≤ ${TARGET_PEAK_MB}; ` +
      `per run ${all.map((f) => f.peakRssMb.toFixed(0)).join(', ')} MB; idle ${m((f) => f.idleRssMb).toFixed(0)} MB); ` +
      `first wave ${m((f) => f.accepted)} accepted, ${m((f) => f.rejected)} refused with Retry-After, ${m((f) => f.reset)} reset; ` +
      `every update taken in ${m((f) => f.seconds).toFixed(1)} s (medians over ${runs} run(s))`,
  );
  return {
    webhook: {
      burst: {
        peakRssMb: round(peak, 1),
        idleRssMb: round(m((f) => f.idleRssMb), 1),
        accepted: m((f) => f.accepted),
        rejected: m((f) => f.rejected),
        reset: m((f) => f.reset),
        seconds: round(m((f) => f.seconds), 2),
      },
    },
  };
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await webhookBenchmarks({ mysqlUrl: '', quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
