import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError, loadConfig, secretValues } from '../src/config.ts';
import type { Config } from '../src/config.ts';
import { REPO_ROOT } from './helpers/shared-data.ts';

/** Any absolute directory: loadConfig only resolves paths against it, it never touches the disk. */
const CWD = '/srv/feelms';
const DISCORD_APP_ID = '123456789012345678';
const TELEGRAM_TOKEN = '123456789:AAE-telegram_token_value';
const WEBHOOK_SECRET = 'webhook_secret-0123456789';

function load(env: Record<string, string | undefined>): Config {
  return loadConfig(env, CWD);
}

/** The issues of the ConfigError that `env` must cause. */
function issuesFor(env: Record<string, string | undefined>): string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function settingsNamedBy(issues: readonly string[]): string[] {
  return issues.map((issue) => issue.slice(0, issue.indexOf(':')));
}

describe('loadConfig defaults', () => {
  it('GIVEN an empty environment THEN uses SQLite at <cwd>/data/feelms.db with the console on, no HTTP port and log level warn', () => {
    const config = load({});

    const file = join(CWD, 'data/feelms.db');
    expect(config.database).toEqual({ kind: 'sqlite', file, url: `file:${file}` });
    expect(config.console).toBe(true);
    expect(config.httpPort).toBeNull();
    expect(config.logLevel).toBe('warn');
    expect(config.discord).toBeNull();
    expect(config.telegram).toBeNull();
    expect(config.retrainCron).toBe('0 3 * * *');
    expect(config.modelsDir).toBe(join(CWD, 'models'));
    expect(config.blend).toEqual({ ratingWeight: 0.6, favoriteWeight: 0.4 });
    expect(config.httpHost).toBe('127.0.0.1');
  });

  it('GIVEN every setting set to an empty string THEN they count as unset', () => {
    const empty = Object.fromEntries(
      [
        'NODE_ENV', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'DISCORD_TOKEN', 'DISCORD_APP_ID', 'DISCORD_GUILD_ID', 'DISCORD_API_ROOT',
        'TELEGRAM_BOT_TOKEN', 'TELEGRAM_API_ROOT', 'TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_FORCE_POLLING',
        'HTTP_PORT', 'HTTP_HOST', 'LOG_LEVEL', 'MODELS_DIR', 'RETRAIN_CRON', 'FEELMS_CONSOLE', 'ONNX_THREADS', 'BLEND_RATING_WEIGHT',
        'BLEND_FAVORITE_WEIGHT', 'RATE_LIMIT_TURNS', 'RATE_LIMIT_WINDOW_SECONDS',
      ].map((name) => [name, '']),
    );

    expect(load(empty)).toEqual(load({}));
  });
});

describe('DATABASE_URL', () => {
  it('GIVEN a relative file: URL THEN SQLite resolves it against cwd', () => {
    expect(load({ DATABASE_URL: 'file:./tmp/test.db' }).database).toEqual({
      kind: 'sqlite',
      file: join(CWD, 'tmp/test.db'),
      url: `file:${join(CWD, 'tmp/test.db')}`,
    });
  });

  it('GIVEN an absolute file:/// URL THEN SQLite uses that path', () => {
    expect(load({ DATABASE_URL: 'file:///var/lib/feelms/feelms.db' }).database).toMatchObject({ kind: 'sqlite', file: '/var/lib/feelms/feelms.db' });
  });

  it('GIVEN a mysql:// URL THEN MySQL is used with the URL unchanged', () => {
    const url = 'mysql://feelms:pw@db.example.com:3306/feelms';
    expect(load({ DATABASE_URL: url }).database).toEqual({ kind: 'mysql', url });
  });

  it.each([
    ['postgres://x', /mysql:\/\//],
    ['mysql://db.example.com:3306', /database name/],
    ['file:', /must name a database file/],
  ])('GIVEN DATABASE_URL=%s THEN a ConfigError names DATABASE_URL', (url, reason) => {
    const issues = issuesFor({ DATABASE_URL: url });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^DATABASE_URL: /);
    expect(issues[0]).toMatch(reason);
  });

  it('GIVEN a bad DATABASE_URL THEN the error message itself names DATABASE_URL', () => {
    expect(() => load({ DATABASE_URL: 'postgres://x' })).toThrow(/DATABASE_URL/);
  });
});

describe('several bad settings at once', () => {
  it('GIVEN a bad DATABASE_URL, HTTP_PORT=abc and LOG_LEVEL=loud THEN one ConfigError lists all three, each naming its setting', () => {
    const issues = issuesFor({ DATABASE_URL: 'postgres://x', HTTP_PORT: 'abc', LOG_LEVEL: 'loud' });

    expect(settingsNamedBy(issues).sort()).toEqual(['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL']);
  });

  it('GIVEN a bad DATABASE_URL and DISCORD_TOKEN without DISCORD_APP_ID THEN both are reported', () => {
    const issues = issuesFor({ DATABASE_URL: 'postgres://x', DISCORD_TOKEN: 'discord-token-value' });

    expect(settingsNamedBy(issues).sort()).toEqual(['DATABASE_URL', 'DISCORD_APP_ID']);
  });

  it('GIVEN a bad DATABASE_URL, HTTP_PORT=abc, LOG_LEVEL=loud and DISCORD_TOKEN without DISCORD_APP_ID THEN all four are reported', () => {
    const issues = issuesFor({ DATABASE_URL: 'postgres://x', HTTP_PORT: 'abc', LOG_LEVEL: 'loud', DISCORD_TOKEN: 'discord-token-value' });

    expect(settingsNamedBy(issues).sort()).toEqual(['DATABASE_URL', 'DISCORD_APP_ID', 'HTTP_PORT', 'LOG_LEVEL']);
  });
});

describe('Discord settings', () => {
  it('GIVEN DISCORD_TOKEN without DISCORD_APP_ID THEN DISCORD_APP_ID is required', () => {
    expect(issuesFor({ DISCORD_TOKEN: 'discord-token-value' })).toEqual(['DISCORD_APP_ID: required when DISCORD_TOKEN is set']);
  });

  it('GIVEN DISCORD_APP_ID that is not a snowflake THEN DISCORD_APP_ID is named', () => {
    expect(settingsNamedBy(issuesFor({ DISCORD_TOKEN: 'discord-token-value', DISCORD_APP_ID: 'my-app' }))).toEqual(['DISCORD_APP_ID']);
  });
});

describe('Telegram settings', () => {
  it.each(['nope', '123456', ':abc', '123456:has space'])('GIVEN TELEGRAM_BOT_TOKEN=%j THEN it is rejected as not a BotFather token', (token) => {
    const issues = issuesFor({ TELEGRAM_BOT_TOKEN: token });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^TELEGRAM_BOT_TOKEN: .*BotFather/);
  });

  it('GIVEN a well-formed TELEGRAM_BOT_TOKEN THEN Telegram polls by default', () => {
    expect(load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN }).telegram).toEqual({ token: TELEGRAM_TOKEN, webhook: null, forcePolling: false });
  });

  it('GIVEN TELEGRAM_WEBHOOK_URL without TELEGRAM_WEBHOOK_SECRET THEN the secret is required', () => {
    expect(issuesFor({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram' })).toEqual([
      'TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set',
    ]);
  });

  it('GIVEN TELEGRAM_WEBHOOK_SECRET without TELEGRAM_WEBHOOK_URL THEN the URL is required', () => {
    expect(issuesFor({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET })).toEqual([
      'TELEGRAM_WEBHOOK_URL: required when TELEGRAM_WEBHOOK_SECRET is set',
    ]);
  });

  it('GIVEN a plain-http webhook URL THEN TELEGRAM_WEBHOOK_URL is rejected', () => {
    const issues = issuesFor({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL: 'http://bot.example.com/telegram', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });

    expect(settingsNamedBy(issues)).toEqual(['TELEGRAM_WEBHOOK_URL']);
  });

  it('GIVEN a webhook URL and secret but no bot token THEN TELEGRAM_BOT_TOKEN is required', () => {
    const issues = issuesFor({ TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });

    expect(issues).toEqual(['TELEGRAM_BOT_TOKEN: required for webhook mode']);
  });

  it('GIVEN token, https webhook URL and secret THEN webhook mode is configured', () => {
    const config = load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });

    expect(config.telegram?.webhook).toEqual({ url: 'https://bot.example.com/telegram', secret: WEBHOOK_SECRET });
  });
});

describe('RETRAIN_CRON', () => {
  it.each(['every day', '61 * * * *', '* * *'])('GIVEN RETRAIN_CRON=%j THEN it is rejected naming RETRAIN_CRON', (cron) => {
    const issues = issuesFor({ RETRAIN_CRON: cron });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^RETRAIN_CRON: must be a cron expression/);
  });

  it('GIVEN a valid cron expression THEN it is kept', () => {
    expect(load({ RETRAIN_CRON: '*/15 2 * * 1-5' }).retrainCron).toBe('*/15 2 * * 1-5');
  });
});

describe('blend weights', () => {
  it.each([
    ['BLEND_RATING_WEIGHT', '1.5'],
    ['BLEND_RATING_WEIGHT', '-0.1'],
    ['BLEND_FAVORITE_WEIGHT', 'abc'],
    ['BLEND_FAVORITE_WEIGHT', '2'],
  ])('GIVEN %s=%s THEN it is rejected as outside 0–1', (name, value) => {
    expect(issuesFor({ [name]: value })).toEqual([`${name}: must be a number from 0 to 1`]);
  });

  it('GIVEN both weights 0 THEN the blend is rejected', () => {
    expect(issuesFor({ BLEND_RATING_WEIGHT: '0', BLEND_FAVORITE_WEIGHT: '0' })).toEqual(['BLEND_RATING_WEIGHT: the two blend weights cannot both be 0']);
  });

  it('GIVEN weights at the ends of the range THEN they are used as given', () => {
    expect(load({ BLEND_RATING_WEIGHT: '1', BLEND_FAVORITE_WEIGHT: '0' }).blend).toEqual({ ratingWeight: 1, favoriteWeight: 0 });
  });
});

describe('which adapters run', () => {
  it('GIVEN a Telegram token THEN the console is off, health checks listen on 8080 and logs are at info', () => {
    const config = load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN });

    expect(config.console).toBe(false);
    expect(config.httpPort).toBe(8080);
    expect(config.logLevel).toBe('info');
  });

  it('GIVEN Discord credentials THEN the console is off', () => {
    const config = load({ DISCORD_TOKEN: 'discord-token-value', DISCORD_APP_ID });

    expect(config.discord).toEqual({ token: 'discord-token-value', appId: DISCORD_APP_ID });
    expect(config.console).toBe(false);
  });

  it.each(['1', 'true', 'yes'])('GIVEN a platform token and FEELMS_CONSOLE=%s THEN the console runs too', (flag) => {
    expect(load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, FEELMS_CONSOLE: flag }).console).toBe(true);
  });

  it('GIVEN FEELMS_CONSOLE=maybe THEN FEELMS_CONSOLE is named', () => {
    expect(settingsNamedBy(issuesFor({ FEELMS_CONSOLE: 'maybe' }))).toEqual(['FEELMS_CONSOLE']);
  });

  it('GIVEN an explicit HTTP_PORT and LOG_LEVEL THEN they win over the platform defaults', () => {
    const config = load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, HTTP_PORT: '9100', LOG_LEVEL: 'debug' });

    expect(config.httpPort).toBe(9100);
    expect(config.logLevel).toBe('debug');
  });

  it.each(['abc', '70000', '80.5', '-1'])('GIVEN HTTP_PORT=%s THEN HTTP_PORT is named', (port) => {
    expect(issuesFor({ HTTP_PORT: port })).toEqual(['HTTP_PORT: must be a whole number from 0 to 65535']);
  });

  it('GIVEN no HTTP_HOST THEN the HTTP server listens on 127.0.0.1 only, bots or not', () => {
    expect(load({}).httpHost).toBe('127.0.0.1');
    expect(load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN }).httpHost).toBe('127.0.0.1');
  });

  it.each(['0.0.0.0', '127.0.0.1', '10.0.3.7', '::', '::1', 'localhost', 'feelms-bot.internal'])('GIVEN HTTP_HOST=%s THEN it is used as given', (host) => {
    expect(load({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, HTTP_HOST: host }).httpHost).toBe(host);
  });

  it.each(['0.0.0.0:8080', 'http://0.0.0.0', '999.1.1.1', '1.2.3', 'my host', '*', ' 0.0.0.0'])('GIVEN HTTP_HOST=%s THEN HTTP_HOST is named', (host) => {
    expect(issuesFor({ HTTP_HOST: host })).toEqual(['HTTP_HOST: must be an IP address (0.0.0.0, 127.0.0.1, ::) or a host name']);
  });
});

describe('secretValues', () => {
  it('GIVEN tokens, a webhook secret and a MySQL URL with a password THEN all of them are secrets', () => {
    const config = load({
      DATABASE_URL: 'mysql://feelms:s3cr%21tpw@db.example.com:3306/feelms',
      DISCORD_TOKEN: 'discord-token-value',
      DISCORD_APP_ID,
      TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });

    const secrets = secretValues(config);

    expect(secrets).toEqual(
      expect.arrayContaining([
        'discord-token-value',
        TELEGRAM_TOKEN,
        WEBHOOK_SECRET,
        'mysql://feelms:s3cr%21tpw@db.example.com:3306/feelms',
        's3cr%21tpw',
        's3cr!tpw',
      ]),
    );
  });

  it('GIVEN the default SQLite database and no platform THEN there is nothing secret', () => {
    expect(secretValues(load({}))).toEqual([]);
  });

  it('GIVEN a MySQL password with a malformed %-escape THEN startup either names DATABASE_URL or keeps the raw password secret', () => {
    const env = { DATABASE_URL: 'mysql://feelms:a%zz@db.example.com:3306/feelms' };
    let config: Config;
    try {
      config = load(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(settingsNamedBy((error as ConfigError).issues)).toEqual(['DATABASE_URL']);
      return;
    }
    expect(secretValues(config)).toContain('a%zz');
  });
});

describe('npm start with a bad DATABASE_URL', () => {
  it('GIVEN DATABASE_URL=postgres://nope WHEN src/main.ts starts THEN it exits 2 naming DATABASE_URL on stderr', () => {
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: 'postgres://nope' },
      input: '',
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.error).toBeUndefined();
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL: must start with mysql:\/\//);
    expect(result.stdout).toBe('');
  }, 70_000);
});
