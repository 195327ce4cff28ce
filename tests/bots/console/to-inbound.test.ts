/**
 * One typed console line → one Inbound (src/bots/console/to-inbound.ts): commands share Telegram's
 * words, everything else is text for the core to judge.
 */
import { describe, expect, it } from 'vitest';
import { lineToInbound } from '../../../src/bots/console/to-inbound.ts';
import { aUser } from '../../helpers/transcript.ts';

const me = aUser('me', 'console');

describe('lineToInbound', () => {
  it.each([
    ['/feel happy', 'feel', 'happy'],
    ['/FEEL Date Night', 'feel', 'Date Night'],
    ['  /rate 2 5  ', 'rate', '2 5'],
    ['/rate    1     4', 'rate', '1     4'],
    ['/more', 'more', ''],
    ['/feel@FeelmsBot chill', 'feel', 'chill'],
    ['/forgetme yes', 'forgetme', 'yes'],
  ] as const)('GIVEN "%s" THEN the command %s with args "%s"', (line, name, args) => {
    expect(lineToInbound(line, me)).toEqual({ kind: 'command', name, args, user: me });
  });

  it.each(['happy', 'I feel 😂', '', '/dance', '/rate2 5', 'feel happy', '//feel happy', 'مرحبا'])('GIVEN "%s" THEN it is text, passed on unchanged', (line) => {
    expect(lineToInbound(line, me)).toEqual({ kind: 'text', text: line, user: me });
  });

  it('GIVEN a 5,000-character line THEN it is passed on whole for the core to refuse', () => {
    const line = `/feel ${'x'.repeat(5000)}`;
    const inbound = lineToInbound(line, me);
    expect(inbound.kind).toBe('command');
    expect(inbound.kind === 'command' ? inbound.args.length : 0).toBe(5000);
  });
});
