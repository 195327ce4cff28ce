/**
 * The answer to an interaction as webhook calls (src/bots/discord/reply-plan.ts): table tests on
 * plain objects, as for the renderer (STYLE.md C10).
 */
import { describe, expect, it } from 'vitest';
import type { Inbound, Turn } from '../../../src/core/conversation/turn.ts';
import { RenderError } from '../../../src/bots/discord/render.ts';
import {
  INTERACTION_TOKEN_TTL_MS,
  planNotice,
  planReplies,
  readOperation,
  readPendingInteraction,
  replyDeadline,
  TOKEN_SAFETY_MARGIN_MS,
  toOutboxEntries,
  type PendingInteraction,
} from '../../../src/bots/discord/reply-plan.ts';

const user = { platform: 'discord' as const, platformUserId: '1200000000000000001', displayName: 'Ana' };
const EPHEMERAL = 64;
const NO_MENTIONS = { parse: [] };

function pending(overrides: Partial<PendingInteraction> = {}): PendingInteraction {
  const inbound: Inbound = { kind: 'command', name: 'feel', args: 'happy', user };
  return {
    v: 1,
    interactionId: '1300000000000000100',
    applicationId: '1300000000000000000',
    token: 'aW50ZXJhY3Rpb246dGVzdA',
    createdTimestamp: Date.UTC(2026, 0, 1, 12, 0, 0),
    inbound,
    mode: 'reply',
    ephemeralReply: false,
    ...overrides,
  };
}

const press = (ownMessage: boolean, ephemeralMessage = false): Partial<PendingInteraction> => ({
  mode: 'update',
  inbound: { kind: 'choice', payload: 'f1|r|7|5', user },
  press: { ownMessage, ephemeralMessage },
});

const rateRow = [1, 2, 3, 4, 5].map((stars) => ({ label: `★${stars}`, payload: `f1|r|7|${stars}`, selected: stars === 5 }));
const card = { index: 1, movieId: 7, heading: 'Seven (1995)', facts: 'Drama · 127 min', scores: null, reason: null, overview: null, posterUrl: null, imdbUrl: null };
const list: Turn = {
  messages: [
    { text: 'Here are movies for a happy mood:' },
    { text: '1. Seven (1995)', card, choices: [rateRow] },
    { text: 'Rate with the stars.', choices: [[{ label: '➡ More', payload: 'f1|n|happy' }]] },
  ],
};

/** Each call as [op, content, flags] for compact tables. */
const shape = (ops: ReturnType<typeof planReplies>) => ops.map((o) => [o.op, o.body?.content, o.body?.flags]);

describe('planReplies: a command (deferred reply)', () => {
  it('GIVEN a public deferral THEN the first message replaces the original and the rest are public follow-ups, all without mentions', () => {
    const ops = planReplies(pending(), list);
    expect(shape(ops)).toEqual([
      ['editOriginal', 'Here are movies for a happy mood:', undefined],
      ['followUp', 'Rate with the stars.', undefined],
    ]);
    expect(ops[0]!.body!.embeds).toHaveLength(1);
    expect(ops[0]!.body!.components![0]!.components.map((b) => b.custom_id)).toEqual(rateRow.map((c) => c.payload));
    for (const op of ops) {
      expect(op).toMatchObject({ applicationId: '1300000000000000000', token: 'aW50ZXJhY3Rpb246dGVzdA', deferral: 'public' });
      expect(op.body!.allowed_mentions).toEqual(NO_MENTIONS);
    }
  });

  it('GIVEN an ephemeral deferral THEN every follow-up is ephemeral too', () => {
    const ops = planReplies(pending({ ephemeralReply: true }), list);
    expect(shape(ops)).toEqual([
      ['editOriginal', 'Here are movies for a happy mood:', undefined],
      ['followUp', 'Rate with the stars.', EPHEMERAL],
    ]);
    expect(ops.every((op) => op.deferral === 'ephemeral')).toBe(true);
  });

  it('GIVEN a public deferral and a private answer THEN the original is deleted and the answer goes out as ephemeral follow-ups', () => {
    const ops = planReplies(pending(), { messages: [{ text: 'only for you', ephemeral: true }, { text: 'and this', ephemeral: true, choices: [[{ label: 'x', payload: 'f1|n|happy' }]] }] });
    expect(shape(ops)).toEqual([
      ['deleteOriginal', undefined, undefined],
      ['followUp', 'only for you\nand this', EPHEMERAL],
    ]);
    expect(ops[0]!.body).toBeUndefined();
  });

  it('GIVEN an embed-only first message THEN the edit clears the "thinking…" content', () => {
    const [edit] = planReplies(pending(), { messages: [{ text: '1. Seven (1995)', card }] });
    expect(edit!.body).toMatchObject({ content: '', embeds: [{ title: '1. Seven (1995)' }] });
  });

  it.each([
    ['nothing to say', { messages: [] }, [['deleteOriginal', undefined, undefined]]],
    // A toast is private: the public "thinking…" goes, the toast comes as an ephemeral follow-up.
    ['only a toast', { messages: [], ack: { toast: 'Rated ★5' } }, [['deleteOriginal', undefined, undefined], ['followUp', 'Rated ★5', EPHEMERAL]]],
  ])('GIVEN %s THEN %j', (_label, turn: Turn, expected) => {
    expect(shape(planReplies(pending(), turn))).toEqual(expected);
  });
});

describe('planReplies: a button press (deferred update)', () => {
  const rated: Turn = { messages: [], ack: { toast: 'Rated ★5', updatedChoices: [rateRow] } };

  it("GIVEN a press on the presser's own message with new buttons THEN its buttons are replaced (nothing else of it) and the toast is private", () => {
    const ops = planReplies(pending(press(true)), rated);
    expect(shape(ops)).toEqual([
      ['editOriginal', undefined, undefined],
      ['followUp', 'Rated ★5', EPHEMERAL],
    ]);
    expect(Object.keys(ops[0]!.body!)).toEqual(['components']);
    expect(ops[0]!.body!.components![0]!.components.find((b) => b.custom_id === 'f1|r|7|5')!.style).toBe(3);
    expect(ops.every((op) => op.deferral === 'update')).toBe(true);
  });

  it("GIVEN a press on someone else's message THEN that message is never edited and the answer is private", () => {
    expect(shape(planReplies(pending(press(false)), rated))).toEqual([['followUp', 'Rated ★5', EPHEMERAL]]);
    expect(shape(planReplies(pending(press(false)), list))).toEqual([
      ['followUp', 'Here are movies for a happy mood:', EPHEMERAL],
      ['followUp', 'Rate with the stars.', EPHEMERAL],
    ]);
  });

  it('GIVEN ➡ More on my own public list THEN a public list; on my own ephemeral message THEN ephemeral', () => {
    expect(shape(planReplies(pending(press(true)), list)).map(([, , flags]) => flags)).toEqual([undefined, undefined]);
    expect(shape(planReplies(pending(press(true, true)), list)).map(([, , flags]) => flags)).toEqual([EPHEMERAL, EPHEMERAL]);
  });

  it('GIVEN more than five rows of new buttons THEN the pressed message keeps at most five', () => {
    const many: Turn = { messages: [], ack: { toast: 'ok', updatedChoices: Array.from({ length: 7 }, (_, i) => [{ label: `${i}`, payload: `f1|n|m${i}` }]) } };
    expect(planReplies(pending(press(true)), many)[0]!.body!.components).toHaveLength(5);
  });

  it('GIVEN a core payload over 100 characters (a bug) THEN RenderError', () => {
    expect(() => planReplies(pending(press(true)), { messages: [{ text: 'x', choices: [[{ label: 'x', payload: 'x'.repeat(101) }]] }] })).toThrow(RenderError);
  });
});

describe('planNotice', () => {
  const target = { applicationId: '1', token: 't', deferral: 'public' as const };

  it.each([
    ['public', false, [['deleteOriginal', undefined, undefined], ['followUp', 'Sorry', EPHEMERAL]]],
    ['ephemeral', false, [['editOriginal', 'Sorry', undefined]]],
    ['public', true, [['followUp', 'Sorry', EPHEMERAL]]],
    ['ephemeral', true, [['followUp', 'Sorry', EPHEMERAL]]],
    ['update', false, [['followUp', 'Sorry', EPHEMERAL]]],
  ] as const)('GIVEN a %s deferral, original settled: %s THEN %j', (deferral, settled, expected) => {
    expect(shape(planNotice({ ...target, deferral }, 'Sorry', settled))).toEqual(expected);
  });
});

describe('outbox rows and inbox payloads', () => {
  it('GIVEN calls THEN one row each, expiring a margin before the token dies, that read back as the same calls', () => {
    const interaction = pending();
    const ops = planReplies(interaction, list);
    const rows = toOutboxEntries(interaction, '1100000000000000002', ops);
    expect(rows).toHaveLength(ops.length);
    expect(replyDeadline(interaction)).toBe(interaction.createdTimestamp + INTERACTION_TOKEN_TTL_MS - TOKEN_SAFETY_MARGIN_MS);
    for (const [i, row] of rows.entries()) {
      expect(row.chatKey).toBe('1100000000000000002');
      expect(row.expiresAt.getTime()).toBe(interaction.createdTimestamp + 14 * 60_000);
      expect(readOperation(row.payload)).toEqual(ops[i]);
    }
  });

  it('GIVEN an inbox payload THEN it reads back whole; GIVEN anything else THEN null', () => {
    const interaction = pending(press(true, true));
    expect(readPendingInteraction(JSON.stringify(interaction))).toEqual(interaction);
    for (const bad of ['', 'null', '{', '[]', JSON.stringify({ ...interaction, v: 2 }), JSON.stringify({ ...interaction, mode: 'modal' }), JSON.stringify({ ...interaction, token: 5 }), JSON.stringify({ ...interaction, inbound: { kind: 'x', user } })]) {
      expect(readPendingInteraction(bad)).toBeNull();
    }
  });

  it('GIVEN an unreadable outbox payload THEN null', () => {
    const good = { applicationId: '1', token: 't', op: 'followUp', deferral: 'update', body: { content: 'x' } };
    expect(readOperation(JSON.stringify(good))).toEqual(good);
    for (const bad of ['', '{', '1', JSON.stringify({ ...good, op: 'send' }), JSON.stringify({ ...good, deferral: 'x' }), JSON.stringify({ ...good, body: 'x' }), JSON.stringify({ ...good, token: null })]) {
      expect(readOperation(bad)).toBeNull();
    }
  });
});
