/**
 * The terminal chat loop (src/bots/console/console-adapter.ts) over the real conversation on the
 * in-memory fakes: lines in order, typed choices pressed, and the one-time hint only for a person.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConsole, TYPE_A_CHOICE_HINT } from '../../../src/bots/console/console-adapter.ts';
import { copy } from '../../../src/core/copy.ts';
import { film, happyCatalog, harness } from '../../core/support.ts';
import { aUser } from '../../helpers/transcript.ts';

async function chat(lines: string[], interactive: boolean, movies = happyCatalog().all): Promise<string[]> {
  const h = harness(movies);
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  input.end(lines.map((line) => `${line}\n`).join(''));
  await runConsole(h.conversation, { input, output, interactive, user: aUser('Ana', 'console') });
  return text.split('\n');
}

describe('runConsole', () => {
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
});
