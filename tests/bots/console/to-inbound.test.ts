/**
 * One typed console line → one Inbound (src/bots/console/to-inbound.ts): commands share Telegram's
 * words, everything else is text for the core to judge.
 */
import { describe, expect, it } from 'vitest';
import { lineToInbound, typedLabel } from '../../../src/bots/console/to-inbound.ts';
import type { Choice } from '../../../src/core/conversation/turn.ts';
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

describe('typed choices (a terminal has no buttons)', () => {
  const offered: Choice[] = [
    { label: '➡ More', payload: 'p-more' },
    { label: '⭐ Rate a few', payload: 'p-onboard' },
    { label: '🗑 Yes, delete everything', payload: 'p-forget' },
    { label: 'Keep my data', payload: 'p-keep' },
  ];

  it.each([
    ['rate a few', 'p-onboard'],
    ['  Rate A Few ', 'p-onboard'],
    ['⭐ Rate a few', 'p-onboard'],
    ['more', 'p-more'],
    ['yes delete everything', 'p-forget'],
    ['Yes, delete everything!', 'p-forget'],
    ['keep my data', 'p-keep'],
  ])('GIVEN "%s" while the last turn listed it THEN it presses %s', (line, payload) => {
    expect(lineToInbound(line, me, offered)).toEqual({ kind: 'choice', payload, user: me });
  });

  it.each(['rate', 'a few', 'yes', '', '⭐', 'keep my data please'])('GIVEN "%s", which spells no listed choice exactly THEN it is text', (line) => {
    expect(lineToInbound(line, me, offered)).toEqual({ kind: 'text', text: line, user: me });
  });

  it('GIVEN a command that is also a label THEN the command wins; GIVEN no choices listed THEN words are text', () => {
    expect(lineToInbound('/more', me, offered)).toEqual({ kind: 'command', name: 'more', args: '', user: me });
    expect(lineToInbound('more', me)).toEqual({ kind: 'text', text: 'more', user: me });
  });

  it('GIVEN two choices with the same words THEN neither is pressed', () => {
    const twice: Choice[] = [{ label: 'Next ▶', payload: 'a' }, { label: '▶ Next', payload: 'b' }];
    expect(lineToInbound('next', me, twice).kind).toBe('text');
  });

  it('GIVEN labels THEN the typed form keeps letters and digits of any script', () => {
    expect(typedLabel('😄 Happy')).toBe('happy');
    expect(typedLabel('Page 2 ▶')).toBe('page 2');
    expect(typedLabel('مرحبا 🎬')).toBe('مرحبا');
  });
});
