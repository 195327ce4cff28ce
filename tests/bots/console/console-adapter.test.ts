/**
 * The terminal chat loop (src/bots/console/console-adapter.ts) over the real conversation on the
 * in-memory fakes: lines in order, typed choices pressed, and the one-time hint only for a person.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CONSOLE_RATE_LIMIT, consoleRateLimitExempt, runConsole, TYPE_A_CHOICE_HINT, type ConsoleOptions } from '../../../src/bots/console/console-adapter.ts';
import { COMMAND_NAMES } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { film, happyCatalog, harness } from '../../core/support.ts';
import { aUser } from '../../helpers/transcript.ts';

async function chat(lines: string[], interactive: boolean, movies = happyCatalog().all, h = harness(movies), extra: Partial<ConsoleOptions> = {}): Promise<string[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  input.end(lines.map((line) => `${line}\n`).join(''));
  await runConsole(h.conversation, { input, output, interactive, user: aUser('Ana', 'console'), ...extra });
  return text.split('\n');
}

/** A line without the prompts printed before it ("> "). */
const unprompted = (line: string) => line.replace(/^(?:> )+/, '');

describe('runConsole', () => {
  it('GIVEN the reader goes away (npm start | head) THEN the session ends quietly: no uncaught EPIPE, the rest of the input is not run', async () => {
    const h = harness(happyCatalog().all);
    const input = new PassThrough();
    let writes = 0;
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        // The first write (the greeting) goes through; then the pipe is closed.
        callback(writes === 1 ? null : Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    input.end(['/feel happy', '/more', '/more', '/more'].map((line) => `${line}\n`).join(''));
    await runConsole(h.conversation, { input, output, interactive: false, user: aUser('Ana', 'console') });
    expect(writes).toBeLessThanOrEqual(3);
  });

  it('GIVEN a cold start list WHEN the user types "rate a few" THEN the onboarding list comes, as if the button were tapped', async () => {
    const out = await chat(['/feel happy', 'rate a few'], false);
    expect(out).toContain('  ➡ More · ⭐ Rate a few');
    expect(out).toContain(copy.onboardIntro('happy'));
  });

  it('GIVEN the forget confirmation WHEN the user types "keep my data" THEN nothing is deleted; words not offered stay text', async () => {
    const out = await chat(['/forgetme', 'keep my data', 'keep my data'], false);
    expect(out.filter((line) => line === copy.kept())).toHaveLength(1);
    expect(out).toContain(copy.freeText().split('\n')[0]);
  });

  it('GIVEN /like <title> THEN the "more like" list, one line per movie, and "more" pages on', async () => {
    const movies = [film('The Matrix', 1999, ['Action', 'Sci-Fi']), ...Array.from({ length: 7 }, (_, i) => film(`Robot War ${i + 1}`, 1980 + i, ['Action', 'Sci-Fi']))];
    const out = await chat(['/like the matrix', 'more'], false, movies);
    const intro = out.indexOf(copy.similarIntro('The Matrix (1999)', 0));
    expect(intro).toBeGreaterThan(0);
    out.slice(intro + 1, intro + 6).forEach((line, i) => {
      expect(line).toMatch(new RegExp(`^${i + 1}\\. Robot War \\d \\(19\\d\\d\\) · Action, Sci-Fi · 95 min · .* — Shares Action and Sci-Fi with The Matrix$`));
    });
    expect(out).toContain('  ➡ More');
    // "more" typed presses ➡ More: the next page, the two left.
    const next = out.indexOf(copy.similarIntro('The Matrix (1999)', 1));
    expect(out.slice(next + 1).filter((line) => /^\d\. /.test(line))).toHaveLength(2);
  });

  it('GIVEN /like of a title two films share THEN the suggestions are listed, and typing one picks it', async () => {
    const movies = [film('Casino Royale', 1967, ['Comedy']), film('Casino Royale', 2006, ['Action']), film('Laughs', 1990, ['Comedy']), film('Chases', 1991, ['Action'])];
    const out = await chat(['/like casino royale', 'Casino Royale (1967)'], false, movies);
    expect(out).toContain(copy.didYouMean('casino royale'));
    expect(out).toContain('  Casino Royale (2006)');
    expect(out).toContain('  Casino Royale (1967)');
    expect(out).toContain(copy.similarIntro('Casino Royale (1967)', 0));
    expect(out.some((line) => /^1\. Laughs \(1990\)/.test(line))).toBe(true);
  });

  it('GIVEN a person at the terminal THEN the hint on typing choices shows once; GIVEN a pipe THEN never', async () => {
    expect((await chat(['/feel happy', '/help'], true)).filter((line) => line === TYPE_A_CHOICE_HINT)).toHaveLength(1);
    expect(await chat(['/feel happy'], false)).not.toContain(TYPE_A_CHOICE_HINT);
  });

  it('GIVEN typed lines carrying terminal escapes THEN the replies that echo them (unknown command, unknown mood, did you mean) print no control characters', async () => {
    const movies = [film('Casino Royale', 1967, ['Comedy']), film('Casino Royale', 2006, ['Action']), film('Laughs', 1990, ['Comedy'])];
    const out = await chat(
      ['/nope\x1b[2J\x1b]0;pwned\x07', '/feel \x1b[31mgrumpy\x1b[0m\x9b2J', '/like \x1b[8mcasino royale\x1b[0m', '/rate 1 \x1b[5m9', 'hello\x07\r\x1b]8;;http://evil\x1b\\'],
      false,
      movies,
    );
    const controls = [...out.join('\n')].filter((char) => {
      const code = char.codePointAt(0)!;
      return (code < 0x20 && char !== '\t' && char !== '\n') || (code >= 0x7f && code <= 0x9f);
    });
    expect(controls).toEqual([]);
    expect(out).toContain(copy.unknownCommand('/nope'));
    expect(out.some((line) => line.includes('"grumpy"'))).toBe(true);
    expect(out).toContain('  Casino Royale (2006)');
  });

  describe('greeting', () => {
    const greetings = (out: string[]) => out.filter((line) => line.startsWith('Hi Ana! I\'m Feelms') || line.startsWith('Welcome back, Ana!'));

    it('GIVEN a fresh database WHEN the piped input is just /start THEN the first-time greeting comes once, and no "welcome back"', async () => {
      expect(greetings(await chat(['/start'], false))).toEqual([copy.welcome('Ana').split('\n')[0]]);
    });

    it('GIVEN /start then a later /start THEN one first-time greeting, then one "welcome back"', async () => {
      expect(greetings(await chat(['/start', '/help', '/start'], false))).toEqual([copy.welcome('Ana').split('\n')[0], copy.welcomeBack('Ana')]);
    });

    it('GIVEN /start happy first THEN one greeting and the happy list', async () => {
      const out = await chat(['/start happy'], false);
      expect(greetings(out)).toEqual([copy.welcome('Ana').split('\n')[0]]);
      expect(out).toContain(copy.listIntro('happy', 0));
    });

    it('GIVEN piped input that does not start with /start (or none) THEN the greeting still comes first, once', async () => {
      const out = await chat(['/help'], false);
      expect(greetings(out)).toEqual([copy.welcome('Ana').split('\n')[0]]);
      expect(out.indexOf(copy.welcome('Ana').split('\n')[0]!)).toBe(0);
      expect(greetings(await chat([], false))).toEqual([copy.welcome('Ana').split('\n')[0]]);
    });
  });

  describe('list footer', () => {
    it('GIVEN a list in the terminal THEN the footer names typed commands (no stars, ❤ or 🙈 to tap), each one /help lists', async () => {
      const out = await chat(['/feel happy', '/like laugh 1'], false);
      expect(out.join('\n')).not.toContain(copy.listFooter());
      expect(out.filter((line) => line === copy.consoleListFooter())).toHaveLength(2);
      expect(copy.consoleListFooter()).not.toMatch(/★|❤|🙈|stars|tap/i);
      const named = [...copy.consoleListFooter().matchAll(/\/(\w+)/g)].map((match) => match[1]);
      expect(named.length).toBeGreaterThanOrEqual(4);
      for (const name of named) {
        expect(COMMAND_NAMES).toContain(name);
        expect(copy.help()).toContain(`/${name}`);
      }
    });
  });

  describe('rate limit at the terminal', () => {
    /** A clock that only moves when the adapter waits. */
    function pacedClock() {
      let now = 0;
      const waits: number[] = [];
      return {
        waits,
        now: () => now,
        sleep: (ms: number) => {
          waits.push(ms);
          now += ms;
          return Promise.resolve();
        },
      };
    }

    it('GIVEN the wiring of main.ts and a core limit of 10 turns / 10 s WHEN a person pastes 30 lines at once THEN every line is answered, in order, after one "answering in N s" per pause', async () => {
      const h = harness(happyCatalog().all, { rateLimitTurns: 10, rateLimitExempt: consoleRateLimitExempt });
      const clock = pacedClock();
      const lines = Array.from({ length: 30 }, (_, i) => `/nope${i}`);
      const out = await chat(lines, true, undefined, h, { now: clock.now, sleep: clock.sleep });
      expect(out.join('\n')).not.toMatch(/Easy there/);
      const answers = out.map(unprompted).filter((line) => /I don't know "\/nope\d+"/.test(line));
      expect(answers).toEqual(lines.map((line) => copy.unknownCommand(line)));
      // 31 turns (the greeting and 30 lines) at CONSOLE_RATE_LIMIT.turns per window: one pause per window filled.
      expect(clock.waits).toHaveLength(Math.ceil(31 / CONSOLE_RATE_LIMIT.turns) - 1);
      for (const wait of clock.waits) expect(wait).toBeLessThanOrEqual(CONSOLE_RATE_LIMIT.windowMs);
      const notices = out.map(unprompted).filter((line) => line === copy.consoleQueued(10));
      expect(notices).toHaveLength(clock.waits.length);
    });

    it('GIVEN a person typing one command a second (or faster than RATE_LIMIT\'s 10 / 10 s) THEN they never wait', async () => {
      const h = harness(happyCatalog().all, { rateLimitTurns: 10, rateLimitExempt: consoleRateLimitExempt });
      let now = 0;
      const waits: number[] = [];
      const input = new PassThrough();
      const output = new PassThrough();
      let text = '';
      output.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const done = runConsole(h.conversation, {
        input,
        output,
        interactive: true,
        user: aUser('Ana', 'console'),
        now: () => now,
        sleep: (ms) => {
          waits.push(ms);
          now += ms;
          return Promise.resolve();
        },
      });
      // 1.5 lines a second for 40 s: more than 10 turns in every 10 s window.
      const answered = () => text.split('\n').map(unprompted).filter((line) => line === 'Feelms recommends movies by mood.').length;
      for (let i = 0; i < 60; i++) {
        input.write('/help\n');
        // The person reads the answer before typing on.
        for (let spins = 0; answered() <= i && spins < 1000; spins++) await new Promise((resolve) => setImmediate(resolve));
        now += 667;
      }
      input.end();
      await done;
      expect(waits).toEqual([]);
      expect(text).not.toMatch(/Easy there/);
      expect(answered()).toBe(60);
    });

    it('GIVEN a pipe THEN no pacing at all', async () => {
      const h = harness(happyCatalog().all, { rateLimitTurns: 10, rateLimitExempt: consoleRateLimitExempt });
      const clock = pacedClock();
      const out = await chat(Array.from({ length: 40 }, () => '/help'), false, undefined, h, { now: clock.now, sleep: clock.sleep });
      expect(clock.waits).toEqual([]);
      expect(out.filter((line) => line === 'Feelms recommends movies by mood.')).toHaveLength(40);
    });
  });
});
