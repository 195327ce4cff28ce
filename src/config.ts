/**
 * The only reader of the environment (STYLE.md C8). One zod schema; every problem is reported at
 * once, each naming its setting; `main.ts` prints them and exits non-zero before touching a database
 * or a chat platform.
 *
 * @example
 * const config = loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/feelms' });
 * config.database.kind // 'mysql'
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';

export const DEFAULT_SQLITE_PATH = 'data/feelms.db';

export type DatabaseConfig =
  | { kind: 'sqlite'; url: string; /** absolute path of the database file */ file: string }
  | { kind: 'mysql'; url: string };

export interface Config {
  env: 'development' | 'production' | 'test';
  database: DatabaseConfig;
  databasePoolSize: number;
  discord: { token: string; appId: string; guildId?: string; apiRoot?: string } | null;
  telegram: {
    token: string;
    apiRoot?: string;
    webhook: { url: string; secret: string } | null;
    /** Poll even when Telegram reports a webhook is set (polling deletes it). */
    forcePolling: boolean;
  } | null;
  /** Health, metrics and the Telegram webhook. `null`: no HTTP server (console-only runs). */
  httpPort: number | null;
  /** Where the HTTP server listens: 127.0.0.1 unless set (the image sets 0.0.0.0). */
  httpHost: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  modelsDir: string;
  /** Where updates wait while the database is down (src/delivery/spool.ts). */
  spoolDir: string;
  retrainCron: string;
  /** Run the terminal chat even when a platform token is set. */
  console: boolean;
  onnxThreads: number;
  /** Ranking blend: score = rating weight × normalised predicted stars + favorite weight × P(favorite). */
  blend: { ratingWeight: number; favoriteWeight: number };
  rateLimit: { turns: number; windowSeconds: number };
}

/** Thrown by loadConfig; `issues` has one line per bad setting. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Empty strings count as unset, as in t3-env's emptyStringAsUndefined: `FOO=` in a .env file means "no value".
const optionalString = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());
const optionalUrl = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
);
const booleanFlag = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { error: 'must be 1/0, true/false or yes/no' })
    .optional()
    .transform((value) => value === '1' || value === 'true' || value === 'yes'),
);
const integer = (min: number, max: number, fallback: number | undefined) =>
  z.preprocess(
    // Digits only: z.coerce alone would accept ' ', '1e3' or '0x50'.
    (value) => (value === '' || value === undefined ? fallback : typeof value === 'string' && !/^\d+$/.test(value.trim()) ? 'not a number' : value),
    z.coerce
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int({ error: `must be a whole number from ${min} to ${max}` })
      .min(min, { error: `must be a whole number from ${min} to ${max}` })
      .max(max, { error: `must be a whole number from ${min} to ${max}` })
      .optional(),
  );
// An IP address (0.0.0.0 or :: for every interface) or a DNS name; not a URL, a port or dotted digits that are no address.
const httpHost = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .string()
    .refine((value) => isIP(value) !== 0 || (z.hostname().safeParse(value).success && !/^[\d.]+$/.test(value)), {
      error: 'must be an IP address (0.0.0.0, 127.0.0.1, ::) or a host name',
    })
    .default('127.0.0.1'),
);
const weight = (fallback: number) =>
  z.preprocess(
    (value) => (value === '' || value === undefined ? fallback : value),
    z.coerce.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }),
  );

const envSchema = z.object({
  NODE_ENV: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['development', 'production', 'test']).default('development')),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: integer(1, 100, 10),
  DISCORD_TOKEN: optionalString,
  DISCORD_APP_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{17,20}$/, { error: 'must be a Discord application id (17–20 digits)' }).optional()),
  DISCORD_GUILD_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{17,20}$/, { error: 'must be a Discord server id (17–20 digits)' }).optional()),
  DISCORD_API_ROOT: optionalUrl,
  TELEGRAM_BOT_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, { error: 'must look like 123456:ABC-DEF… (from @BotFather)' }).optional()),
  TELEGRAM_API_ROOT: optionalUrl,
  TELEGRAM_WEBHOOK_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https$/, error: 'must be an https URL (Telegram only calls https webhooks)' }).optional()),
  // Telegram allows 1–256 characters A-Z, a-z, 0-9, _ and - in secret_token.
  TELEGRAM_WEBHOOK_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, { error: 'must be 16–256 characters of A-Z, a-z, 0-9, _ or -' }).optional()),
  TELEGRAM_FORCE_POLLING: booleanFlag,
  HTTP_PORT: integer(0, 65535, undefined),
  HTTP_HOST: httpHost,
  LOG_LEVEL: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).optional()),
  MODELS_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().default('models')),
  SPOOL_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().default('data/spool')),
  RETRAIN_CRON: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().refine((value) => isValidCron(value), { error: 'must be a cron expression such as "0 3 * * *"' }).default('0 3 * * *'),
  ),
  FEELMS_CONSOLE: booleanFlag,
  ONNX_THREADS: integer(1, 64, 1),
  BLEND_RATING_WEIGHT: weight(0.6),
  BLEND_FAVORITE_WEIGHT: weight(0.4),
  RATE_LIMIT_TURNS: integer(1, 1000, 10),
  RATE_LIMIT_WINDOW_SECONDS: integer(1, 3600, 10),
});

function parseDatabaseUrl(raw: string | undefined, cwd: string): DatabaseConfig | string {
  if (raw === undefined) {
    const file = resolve(cwd, DEFAULT_SQLITE_PATH);
    return { kind: 'sqlite', url: `file:${file}`, file };
  }
  if (raw.startsWith('file:')) {
    const path = raw.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '' || path.includes('?')) return 'file: URLs must name a database file, e.g. file:./data/feelms.db';
    const file = resolve(cwd, path);
    return { kind: 'sqlite', url: `file:${file}`, file };
  }
  if (raw.startsWith('mysql://')) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'is not a valid URL (mysql://user:password@host:3306/database)';
    }
    if (!url.hostname) return 'needs a host (mysql://user:password@host:3306/database)';
    if (url.pathname.length <= 1) return 'needs a database name (mysql://user:password@host:3306/database)';
    try {
      decodeURIComponent(url.password);
      decodeURIComponent(url.username);
    } catch {
      return 'has a malformed %-escape in the user or password (encode % as %25)';
    }
    return { kind: 'mysql', url: raw };
  }
  return 'must start with mysql:// (MySQL/RDS) or file: (SQLite), or be unset for data/feelms.db';
}

/**
 * Parses the environment. Throws ConfigError listing every problem.
 * @param env defaults to process.env; tests pass a literal object.
 * @param cwd base directory for relative SQLite paths.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const issues: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  const database = parseDatabaseUrl(optionalString.parse(env['DATABASE_URL']), cwd);
  if (typeof database === 'string') issues.push(`DATABASE_URL: ${database}`);

  // Checks across settings use the raw values, so they are reported even when another setting is bad.
  const present = (key: string) => optionalString.parse(env[key]) !== undefined;
  if (present('DISCORD_TOKEN') && !present('DISCORD_APP_ID')) issues.push('DISCORD_APP_ID: required when DISCORD_TOKEN is set');
  if (!present('DISCORD_TOKEN') && present('DISCORD_APP_ID')) issues.push('DISCORD_TOKEN: required when DISCORD_APP_ID is set');
  if (present('TELEGRAM_WEBHOOK_URL') !== present('TELEGRAM_WEBHOOK_SECRET')) {
    issues.push(
      present('TELEGRAM_WEBHOOK_URL')
        ? 'TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set'
        : 'TELEGRAM_WEBHOOK_URL: required when TELEGRAM_WEBHOOK_SECRET is set',
    );
  }
  if (present('TELEGRAM_WEBHOOK_URL') && !present('TELEGRAM_BOT_TOKEN')) issues.push('TELEGRAM_BOT_TOKEN: required for webhook mode');
  const values = parsed.success ? parsed.data : undefined;
  if (values && values.BLEND_RATING_WEIGHT + values.BLEND_FAVORITE_WEIGHT === 0) issues.push('BLEND_RATING_WEIGHT: the two blend weights cannot both be 0');
  if (issues.length > 0 || !values || typeof database === 'string') throw new ConfigError(issues);

  const discord = values.DISCORD_TOKEN && values.DISCORD_APP_ID
    ? {
        token: values.DISCORD_TOKEN,
        appId: values.DISCORD_APP_ID,
        ...(values.DISCORD_GUILD_ID ? { guildId: values.DISCORD_GUILD_ID } : {}),
        ...(values.DISCORD_API_ROOT ? { apiRoot: values.DISCORD_API_ROOT } : {}),
      }
    : null;
  const telegram = values.TELEGRAM_BOT_TOKEN
    ? {
        token: values.TELEGRAM_BOT_TOKEN,
        ...(values.TELEGRAM_API_ROOT ? { apiRoot: values.TELEGRAM_API_ROOT } : {}),
        webhook:
          values.TELEGRAM_WEBHOOK_URL && values.TELEGRAM_WEBHOOK_SECRET
            ? { url: values.TELEGRAM_WEBHOOK_URL, secret: values.TELEGRAM_WEBHOOK_SECRET }
            : null,
        forcePolling: values.TELEGRAM_FORCE_POLLING,
      }
    : null;
  const platformsEnabled = discord !== null || telegram !== null;
  return {
    env: values.NODE_ENV,
    database,
    databasePoolSize: values.DATABASE_POOL_SIZE ?? 10,
    discord,
    telegram,
    // Bots get health checks by default; a console session opens no port unless asked.
    httpPort: values.HTTP_PORT ?? (platformsEnabled ? 8080 : null),
    httpHost: values.HTTP_HOST,
    // The console chat owns the terminal: only warnings interrupt it unless LOG_LEVEL says otherwise.
    logLevel: values.LOG_LEVEL ?? (platformsEnabled ? 'info' : 'warn'),
    modelsDir: resolve(cwd, values.MODELS_DIR),
    spoolDir: resolve(cwd, values.SPOOL_DIR),
    retrainCron: values.RETRAIN_CRON,
    console: values.FEELMS_CONSOLE || !platformsEnabled,
    onnxThreads: values.ONNX_THREADS ?? 1,
    blend: { ratingWeight: values.BLEND_RATING_WEIGHT, favoriteWeight: values.BLEND_FAVORITE_WEIGHT },
    rateLimit: { turns: values.RATE_LIMIT_TURNS ?? 10, windowSeconds: values.RATE_LIMIT_WINDOW_SECONDS ?? 10 },
  };
}

/** Values that must never reach a log line (tokens, passwords); fed to the logger's scrubber. */
export function secretValues(config: Config): string[] {
  const secrets: string[] = [];
  if (config.discord) secrets.push(config.discord.token);
  if (config.telegram) {
    secrets.push(config.telegram.token);
    if (config.telegram.webhook) secrets.push(config.telegram.webhook.secret);
  }
  if (config.database.kind === 'mysql') {
    secrets.push(config.database.url);
    const password = new URL(config.database.url).password;
    if (password) {
      secrets.push(password);
      try {
        secrets.push(decodeURIComponent(password));
      } catch {
        // A stray % in the password: the raw form is already covered.
      }
    }
  }
  return secrets.filter((secret) => secret.length >= 4);
}
