import { describe, it, expect } from 'vitest';
import { createRootLogger, createScrubber } from '../../src/infra/logger.ts';
import type { RootLogger } from '../../src/infra/logger.ts';

/** A value that must never reach the output; known to the logger as a secret. */
const SECRET = 'SECRET-MARKER-7f3a9c';
/** A value the logger is NOT told about: only field redaction or a URL pattern may hide it. */
const UNLISTED = 'UNLISTED-MARKER-41be2d';

interface Captured {
  log: RootLogger;
  /** Everything written so far, as one string. */
  text(): string;
  /** The written lines, parsed. */
  records(): Array<Record<string, unknown>>;
}

function capture(level: 'trace' | 'info' = 'trace'): Captured {
  const lines: string[] = [];
  const log = createRootLogger({ level, secrets: [SECRET], pretty: false, destination: { write: (line: string) => void lines.push(line) } });
  return {
    log,
    text: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('secret fields are redacted', () => {
  it('GIVEN a top-level token field THEN its value is replaced and the message kept', () => {
    const out = capture();

    out.log.info({ token: UNLISTED }, 'discord login');

    expect(out.text()).not.toContain(UNLISTED);
    expect(out.records()[0]).toMatchObject({ token: '[REDACTED]', msg: 'discord login' });
  });

  it('GIVEN a token one level down (*.token) THEN it is redacted and its siblings kept', () => {
    const out = capture();

    out.log.info({ interaction: { id: '42', token: UNLISTED } }, 'interaction received');

    expect(out.text()).not.toContain(UNLISTED);
    expect(out.records()[0]).toMatchObject({ interaction: { id: '42', token: '[REDACTED]' }, msg: 'interaction received' });
  });

  it('GIVEN a DATABASE_URL field THEN it is redacted even without a password in it', () => {
    const out = capture();

    out.log.info({ DATABASE_URL: `mysql://feelms@db.example.com/${UNLISTED}` }, 'database configured');

    expect(out.text()).not.toContain(UNLISTED);
    expect(out.records()[0]).toMatchObject({ DATABASE_URL: '[REDACTED]', msg: 'database configured' });
  });

  it('GIVEN an authorization header THEN it is redacted', () => {
    const out = capture();

    out.log.debug({ request: { headers: { authorization: `Bot ${UNLISTED}`, accept: 'application/json' } } }, 'calling discord');

    expect(out.text()).not.toContain(UNLISTED);
    expect(out.text()).toContain('application/json');
  });
});

describe('secret values are scrubbed wherever they appear', () => {
  it('GIVEN a secret inside the message THEN only the secret is replaced', () => {
    const out = capture();

    out.log.warn(`login failed with ${SECRET} after retry`);

    expect(out.text()).not.toContain(SECRET);
    expect(out.records()[0]?.['msg']).toBe('login failed with [REDACTED] after retry');
  });

  it('GIVEN a secret in a printf-style argument THEN it is replaced', () => {
    const out = capture();

    out.log.info('token is %s, retrying', SECRET);

    expect(out.text()).not.toContain(SECRET);
    expect(out.records()[0]?.['msg']).toBe('token is [REDACTED], retrying');
  });

  it('GIVEN a secret in nested strings and arrays THEN each is replaced and the rest kept', () => {
    const out = capture();

    out.log.info({ request: { body: { text: `hello ${SECRET} world` }, tags: ['plain', `x-${SECRET}-y`] } }, 'request');

    expect(out.text()).not.toContain(SECRET);
    expect(out.records()[0]).toMatchObject({ request: { body: { text: 'hello [REDACTED] world' }, tags: ['plain', 'x-[REDACTED]-y'] } });
  });

  it('GIVEN a child logger THEN it scrubs too', () => {
    const out = capture();

    out.log.child({ module: 'telegram' }).error({ detail: `bad ${SECRET}` }, `telegram said ${SECRET}`);

    expect(out.text()).not.toContain(SECRET);
    expect(out.records()[0]).toMatchObject({ module: 'telegram', detail: 'bad [REDACTED]', msg: 'telegram said [REDACTED]' });
  });

  it('GIVEN an error with a secret in its message passed as { err } THEN the secret never reaches the output', () => {
    const out = capture();

    out.log.error({ err: new Error(`401 for token ${SECRET}`) }, 'discord login failed');

    expect(out.text()).not.toContain(SECRET);
    expect(out.records()[0]?.['msg']).toBe('discord login failed');
  });

  it('GIVEN an error with a secret in an own property (a request payload) THEN it is scrubbed', () => {
    const out = capture();
    const error = Object.assign(new Error('request failed'), { requestBody: { json: { chat_id: 1, note: `using ${SECRET}` } } });

    out.log.error({ err: error }, 'telegram call failed');

    expect(out.text()).not.toContain(SECRET);
    expect(out.text()).toContain('using [REDACTED]');
  });

  it('GIVEN an error passed as { err } THEN its message and stack are logged with the secret scrubbed', () => {
    const out = capture();

    out.log.error({ err: new Error(`401 for token ${SECRET}`) }, 'discord login failed');

    const err = out.records()[0]?.['err'] as { message?: string; stack?: string; type?: string } | undefined;
    expect(err?.type).toBe('Error');
    expect(err?.message).toBe('401 for token [REDACTED]');
    expect(err?.stack).toContain('401 for token [REDACTED]');
    expect(out.text()).not.toContain(SECRET);
  });

  it('GIVEN an error passed as the first argument THEN its message is logged with the secret scrubbed', () => {
    const out = capture();

    out.log.error(new Error(`connect ECONNREFUSED ${SECRET}`), 'database unreachable');

    expect(out.text()).not.toContain(SECRET);
    expect(out.text()).toContain('connect ECONNREFUSED [REDACTED]');
  });
});

describe('tokens inside platform URLs are masked without being listed as secrets', () => {
  it('GIVEN a Discord interaction callback URL THEN the interaction token is masked and the ids kept', () => {
    const out = capture();
    const url = 'https://discord.com/api/v10/interactions/123456789012345678/aW50ZXJhY3Rpb246MTIz/callback';

    out.log.warn({ url }, `POST ${url} failed`);

    expect(out.text()).not.toContain('aW50ZXJhY3Rpb246MTIz');
    const masked = 'https://discord.com/api/v10/interactions/123456789012345678/[REDACTED]/callback';
    expect(out.records()[0]).toMatchObject({ url: masked, msg: `POST ${masked} failed` });
  });

  it('GIVEN a Discord webhook URL THEN the webhook token is masked', () => {
    const out = capture();
    const url = `https://discord.com/api/v10/webhooks/123/${UNLISTED}/messages/@original`;

    out.log.warn({ err: Object.assign(new Error('Unknown Webhook'), { url }) }, `PATCH ${url} failed`);

    expect(out.text()).not.toContain(UNLISTED);
    expect(out.records()[0]).toMatchObject({
      err: { url: 'https://discord.com/api/v10/webhooks/123/[REDACTED]/messages/@original' },
      msg: 'PATCH https://discord.com/api/v10/webhooks/123/[REDACTED]/messages/@original failed',
    });
  });

  it('GIVEN a Telegram Bot API URL THEN the bot token after /bot is masked', () => {
    const out = capture();

    out.log.error({ target: 'https://api.telegram.org/bot123456:ABC-def/sendMessage' }, 'GET https://api.telegram.org/bot123456:ABC-def/sendMessage 401');

    expect(out.text()).not.toContain('123456:ABC-def');
    expect(out.records()[0]).toMatchObject({
      target: 'https://api.telegram.org/bot[REDACTED]/sendMessage',
      msg: 'GET https://api.telegram.org/bot[REDACTED]/sendMessage 401',
    });
  });
});

describe('log level', () => {
  it('GIVEN level info THEN debug lines are not written and info lines are', () => {
    const out = capture('info');

    out.log.debug('hidden detail');
    out.log.info('visible line');

    expect(out.text()).not.toContain('hidden detail');
    expect(out.records().map((record) => record['msg'])).toEqual(['visible line']);
  });
});

describe('createScrubber', () => {
  it('GIVEN overlapping secrets THEN the longest is replaced whole', () => {
    const scrub = createScrubber(['abcd', 'abcdefgh']);

    expect(scrub('x abcdefgh y abcd z')).toBe('x [REDACTED] y [REDACTED] z');
  });

  it('GIVEN an empty secret THEN text is left alone', () => {
    expect(createScrubber([''])('nothing to hide')).toBe('nothing to hide');
  });

  it('GIVEN a MySQL URL with a password THEN only the password is masked', () => {
    expect(createScrubber([])('connect mysql://feelms:hunter2@db:3306/feelms failed')).toBe('connect mysql://feelms:[REDACTED]@db:3306/feelms failed');
  });
});
