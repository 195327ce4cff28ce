/**
 * The pino root logger (STYLE.md C9). Modules get `root.child({ module: 'telegram' })`.
 *
 * Secrets are removed twice: `redact` blanks known secret fields wherever they appear, and a
 * scrubber replaces known secret values and interaction/webhook tokens inside any string (error
 * messages and URLs: telegraf errors carry request payloads, a DiscordAPIError's `url` carries the
 * interaction token). tests/infra/logger.test.ts guards both.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Config } from '../config.ts';

export type RootLogger = PinoLogger;

const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'databaseUrl',
  '*.databaseUrl',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'config.database.url',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-telegram-bot-api-secret-token"]',
  '*.headers["x-telegram-bot-api-secret-token"]',
  'interaction.token',
];

/** Discord interaction callbacks and webhooks carry a token in the path; Telegram puts the bot token after /bot. */
const TOKEN_PATTERNS: Array<[RegExp, string]> = [
  [/(\/interactions\/\d+\/)[^/\s"']+/g, '$1[REDACTED]'],
  [/(\/webhooks\/\d+\/)[^/\s"'?]+/g, '$1[REDACTED]'],
  [/(\/bot)\d+:[A-Za-z0-9_-]+/g, '$1[REDACTED]'],
  [/(mysql:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1[REDACTED]@'],
];

export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const sorted = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

function scrubDeep(value: unknown, scrub: (text: string) => string, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  // pino runs formatters.log before serializers: copy an Error's message, type and stack, which are not enumerable.
  const source: object = value instanceof Error ? { ...(pino.stdSerializers.err(value) as object) } : value;
  if (Array.isArray(source)) return source.map((item) => scrubDeep(item, scrub, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) out[key] = scrubDeep(item, scrub, depth + 1, seen);
  return out;
}

export interface LoggerOptions {
  level: Config['logLevel'];
  secrets: readonly string[];
  /** Pretty-print: only on a TTY in development. */
  pretty: boolean;
  /** Where lines go; stderr by default so the console chat owns stdout. */
  destination?: DestinationStream;
}

export function createRootLogger(options: LoggerOptions): RootLogger {
  const scrub = createScrubber(options.secrets);
  const errSerializer = (err: unknown): unknown => (err instanceof Error ? scrubDeep(err, scrub, 0, new WeakSet()) : err);
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: errSerializer, error: errSerializer },
    formatters: {
      log: (object: Record<string, unknown>) => scrubDeep(object, scrub, 0, new WeakSet()) as Record<string, unknown>,
    },
    hooks: {
      // Messages can carry secrets too (e.g. an error message interpolated by a library).
      logMethod(this: PinoLogger, args: Parameters<PinoLogger['info']>, method: PinoLogger['info']) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<PinoLogger['info']>;
        method.apply(this, scrubbed);
      },
    },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

export function createLoggerFromConfig(config: Config, secrets: readonly string[], isTty = process.stderr.isTTY): RootLogger {
  return createRootLogger({ level: config.logLevel, secrets, pretty: isTty && config.env === 'development' });
}
