/**
 * Telegram update → core inbound (pure), replayed from recorded, anonymised updates in
 * tests/fixtures/telegram (STYLE.md C10). Who acts, where replies go, what is ignored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS, readUpdate, toInbound, type TelegramEvent } from '../../../src/bots/telegram/to-inbound.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'telegram');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
const BOT = { id: 4242, username: 'FeelmsTestBot' };

const ana = { platform: 'telegram', platformUserId: '501', displayName: 'Ana Example' };
const bob = { platform: 'telegram', platformUserId: '502', displayName: 'Bob' };
const privateAna = { id: 501, type: 'private' };
const group = { id: -1001234567890, type: 'supergroup' };

describe('readUpdate on recorded updates', () => {
  it.each<[string, Partial<TelegramEvent>]>([
    ['private-start', { actorId: 501, chat: privateAna, inbound: { kind: 'command', name: 'start', args: '', user: ana } } as Partial<TelegramEvent>],
    ['deep-link-start', { inbound: { kind: 'command', name: 'start', args: 'happy', user: ana } } as Partial<TelegramEvent>],
    ['private-free-text', { inbound: { kind: 'text', text: 'I feel happy', user: ana } } as Partial<TelegramEvent>],
    ['private-unknown-command', { inbound: { kind: 'text', text: '/dance now', user: ana } } as Partial<TelegramEvent>],
    ['group-feel-addressed', { actorId: 502, chat: group, inbound: { kind: 'command', name: 'feel', args: 'scared', user: bob } } as Partial<TelegramEvent>],
    ['group-feel-bare', { chat: group, inbound: { kind: 'command', name: 'feel', args: 'sad', user: bob } } as Partial<TelegramEvent>],
    ['private-sticker', { inbound: { kind: 'command', name: 'help', args: '', user: ana } } as Partial<TelegramEvent>],
    ['private-photo-caption', { inbound: { kind: 'command', name: 'help', args: '', user: ana } } as Partial<TelegramEvent>],
    ['private-long-text', { inbound: { kind: 'command', name: 'help', args: '', user: ana } } as Partial<TelegramEvent>],
  ])('%s → %j', (name, expected) => {
    expect(readUpdate(fixture(name), BOT)).toEqual(expect.objectContaining(expected));
  });

  it.each(['group-feel-other-bot', 'group-unknown-bare', 'group-chatter', 'group-sticker', 'edited-message', 'channel-post', 'message-from-bot', 'my-chat-member'])(
    '%s → ignored (null)',
    (name) => {
      expect(readUpdate(fixture(name), BOT)).toBeNull();
      expect(toInbound(fixture(name), BOT)).toBeNull();
    },
  );

  it('GIVEN a tap THEN the tapper acts (never the card owner), replies go to the card’s chat, and the payload is passed through untouched', () => {
    expect(readUpdate(fixture('callback-rate'), BOT)).toEqual({
      updateId: 900000013,
      actorId: 502,
      chat: privateAna,
      inbound: { kind: 'choice', payload: 'f1|r|42|4', user: bob },
      callback: { queryId: '4382bfdwdsb323b2d9', messageId: 31 },
    });
    expect(readUpdate(fixture('callback-group-tap'), BOT)).toEqual(expect.objectContaining({ actorId: 501, chat: group, inbound: { kind: 'choice', payload: 'f1|f|42|1', user: ana } }));
  });

  it('GIVEN callback data the adapter cannot accept THEN the event is kept (it must be answered) but carries no inbound', () => {
    expect(readUpdate(fixture('callback-oversized'), BOT)).toEqual(expect.objectContaining({ inbound: null, callback: { queryId: '4382bfdwdsb323b2e1', messageId: 33, rejected: 'oversized_data' } }));
    expect(readUpdate(fixture('callback-game'), BOT)).toEqual(expect.objectContaining({ inbound: null, callback: expect.objectContaining({ rejected: 'missing_data' }) }));
  });

  it('GIVEN a tap on an inline-mode message THEN replies go to the tapper’s private chat and no keyboard edit is possible', () => {
    const event = readUpdate(fixture('callback-inline-message'), BOT);
    expect(event?.chat).toEqual(privateAna);
    expect(event?.callback).toEqual({ queryId: '4382bfdwdsb323b2e3' });
  });
});

describe('readUpdate on hostile input (a webhook body is untrusted JSON)', () => {
  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['no update_id', { message: { text: '/start' } }],
    ['a string update_id', { update_id: '1', message: {} }],
    ['a message without a sender', { update_id: 1, message: { chat: { id: 1, type: 'private' }, text: '/start' } }],
    ['a chat id that is not a number', { update_id: 1, message: { chat: { id: 'x', type: 'private' }, from: { id: 1, first_name: 'A' }, text: '/start' } }],
    ['an unknown chat type', { update_id: 1, message: { chat: { id: 1, type: 'secret' }, from: { id: 1, first_name: 'A' }, text: '/start' } }],
    ['a callback without an id', { update_id: 1, callback_query: { from: { id: 1, first_name: 'A' }, data: 'f1|k' } }],
  ])('GIVEN %s THEN it is ignored without throwing', (_name, update) => {
    expect(readUpdate(update, BOT)).toBeNull();
  });

  it(`GIVEN text of exactly ${MAX_TEXT_CHARS} characters THEN it still reaches the core; one more → /help`, () => {
    const update = (text: string) => ({ update_id: 5, message: { message_id: 1, chat: { id: 9, type: 'private' }, from: { id: 9, is_bot: false, first_name: 'Z' }, text } });
    expect(toInbound(update('a'.repeat(MAX_TEXT_CHARS)), BOT)).toEqual(expect.objectContaining({ kind: 'text' }));
    expect(toInbound(update('a'.repeat(MAX_TEXT_CHARS + 1)), BOT)).toEqual(expect.objectContaining({ kind: 'command', name: 'help' }));
  });

  it('GIVEN /like in a group, bare or addressed to this bot THEN a like command with the title; addressed to another bot THEN ignored', () => {
    const update = (text: string) => ({ update_id: 7, message: { message_id: 1, chat: group, from: { id: 502, is_bot: false, first_name: 'Bob' }, text } });
    expect(toInbound(update('/like@FeelmsTestBot The Matrix (1999)'), BOT)).toEqual({ kind: 'command', name: 'like', args: 'The Matrix (1999)', user: bob });
    expect(toInbound(update('/like amélie'), BOT)).toEqual({ kind: 'command', name: 'like', args: 'amélie', user: bob });
    expect(toInbound(update('/like@OtherBot the matrix'), BOT)).toBeNull();
  });

  it('GIVEN a user with no names THEN the display name falls back to the username, then the id', () => {
    const update = (from: object) => ({ update_id: 6, message: { message_id: 1, chat: { id: 9, type: 'private' }, from, text: '/start' } });
    expect(toInbound(update({ id: 9, first_name: '', username: 'zed' }), BOT)).toEqual(expect.objectContaining({ user: { platform: 'telegram', platformUserId: '9', displayName: 'zed' } }));
    expect(toInbound(update({ id: 9, first_name: '' }), BOT)).toEqual(expect.objectContaining({ user: { platform: 'telegram', platformUserId: '9', displayName: '9' } }));
  });
});
