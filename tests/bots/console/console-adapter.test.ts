/**
 * The terminal chat loop (src/bots/console/console-adapter.ts) over the real conversation on the
 * in-memory fakes: lines in order, typed choices pressed, and the one-time hint only for a person.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConsole, TYPE_A_CHOICE_HINT } from '../../../src/bots/console/console-adapter.ts';
import { copy } from '../../../src/core/copy.ts';
import { happyCatalog, harness } from '../../core/support.ts';
import { aUser } from '../../helpers/transcript.ts';

async function chat(lines: string[], interactive: boolean): Promise<string[]> {
  const h = harness(happyCatalog().all);
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

  it('GIVEN a person at the terminal THEN the hint on typing choices shows once; GIVEN a pipe THEN never', async () => {
    expect((await chat(['/feel happy', '/help'], true)).filter((line) => line === TYPE_A_CHOICE_HINT)).toHaveLength(1);
    expect(await chat(['/feel happy'], false)).not.toContain(TYPE_A_CHOICE_HINT);
  });
});
