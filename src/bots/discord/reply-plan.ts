/**
 * A Discord interaction as the inbox keeps it, and its answer as the outbox keeps it: plain JSON,
 * pure functions, no client (STYLE.md C1). See README.md, "Delivery".
 *
 * An interaction is acknowledged first (a deferred reply or a deferred update); after that, every
 * answer goes over the interaction's webhook, authorised by its token alone, for 15 minutes from
 * the interaction's creation. So a `PendingInteraction` (inbox payload) carries everything needed
 * to run the turn and answer it in another process, and each `DiscordOperation` (one outbox row) is
 * one webhook call: edit the deferred original, delete it, or post a follow-up.
 *
 * The plan is what the adapter always did, as data:
 * - a command: the first message replaces the "thinking…" original, follow-ups carry the rest; a
 *   private answer to a public deferral deletes the original and goes out as ephemeral follow-ups
 *   (ephemerality cannot be changed by editing); nothing to say deletes the original;
 * - a button press: the pressed message's buttons are replaced when it is the presser's own
 *   message and the core sent new ones; the answer goes out as follow-ups, ephemeral when the
 *   pressed message is someone else's or was ephemeral; a toast when there is nothing else.
 * @example
 * const ops = planReplies(pending, turn);
 * const outbox = toOutboxEntries(pending, ops); // stored with the turn, sent by DiscordSender
 */
import { MessageFlags } from 'discord.js';
import type { Inbound, Turn } from '../../core/conversation/turn.ts';
import type { OutboxEntry } from '../../delivery/ports.ts';
import { DISCORD_LIMITS, renderRows, renderToast, renderTurn, type ButtonRow, type DiscordMessage } from './render.ts';
import type { PressContext } from './to-inbound.ts';

/** An interaction token lives 15 minutes from the interaction's creation. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
/** Replies are not sent later than this before the token dies (clocks differ; a send takes time). */
export const TOKEN_SAFETY_MARGIN_MS = 60_000;

/** What the inbox keeps of an acknowledged interaction: enough to run its turn and answer it after a restart. */
export interface PendingInteraction {
  v: 1;
  interactionId: string;
  applicationId: string;
  /** The interaction token: authorises its webhook for 15 minutes. Never logged. */
  token: string;
  /** When Discord created the interaction (from its snowflake id), ms. */
  createdTimestamp: number;
  inbound: Inbound;
  /** 'reply': a command's deferred reply; 'update': a button's deferred update. */
  mode: 'reply' | 'update';
  /** The deferred reply is ephemeral (commands whose answer is private). */
  ephemeralReply: boolean;
  /** Button presses: whose message the button is on. */
  press?: PressContext;
}

/** Never ping anyone: user text (an unknown mood, a display name) is echoed back in places. */
export const NO_MENTIONS = { parse: [] as [] };

/** A message body as Discord's API takes it (follow-up or edit). */
export interface MessageBody {
  content?: string;
  embeds?: DiscordMessage['embeds'];
  components?: ButtonRow[];
  allowed_mentions?: typeof NO_MENTIONS;
  flags?: number;
}

/** One webhook call of an interaction's answer: one outbox row. */
export interface DiscordOperation {
  applicationId: string;
  token: string;
  op: 'editOriginal' | 'deleteOriginal' | 'followUp';
  body?: MessageBody;
  /** How the interaction was acknowledged: what a failure notice must replace (see planNotice). */
  deferral: Deferral;
}

/** 'public' / 'ephemeral': a command's deferred reply; 'update': a button's deferred update (no placeholder). */
export type Deferral = 'public' | 'ephemeral' | 'update';

export const deferralOf = (pending: Pick<PendingInteraction, 'mode' | 'ephemeralReply'>): Deferral =>
  pending.mode === 'update' ? 'update' : pending.ephemeralReply ? 'ephemeral' : 'public';

/** The last moment its answer is worth sending: the token's life minus a margin. */
export function replyDeadline(pending: Pick<PendingInteraction, 'createdTimestamp'>): number {
  return pending.createdTimestamp + INTERACTION_TOKEN_TTL_MS - TOKEN_SAFETY_MARGIN_MS;
}

/** A follow-up's body (a new message). */
export function followUpBody(message: DiscordMessage): MessageBody {
  return {
    ...(message.content !== undefined ? { content: message.content } : {}),
    embeds: message.embeds,
    components: message.components,
    allowed_mentions: NO_MENTIONS,
    ...(message.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

/** The deferred original's new body: all of it is replaced (content '' clears "thinking…"). */
export function editBody(message: DiscordMessage): MessageBody {
  return { content: message.content ?? '', embeds: message.embeds, components: message.components, allowed_mentions: NO_MENTIONS };
}

/** A command's messages; a turn with only a toast shows the toast. */
export function messagesOf(turn: Turn): DiscordMessage[] {
  const messages = renderTurn(turn);
  if (messages.length === 0 && turn.ack?.toast) return [renderToast(turn.ack.toast)];
  return messages;
}

/**
 * The webhook calls that answer `pending` with `turn`, in order. Pure; throws RenderError when the
 * core broke a Discord limit it must not (a bug).
 */
export function planReplies(pending: PendingInteraction, turn: Turn): DiscordOperation[] {
  const deferral = deferralOf(pending);
  const op = (kind: DiscordOperation['op'], body?: MessageBody): DiscordOperation => ({
    applicationId: pending.applicationId,
    token: pending.token,
    op: kind,
    ...(body ? { body } : {}),
    deferral,
  });

  if (pending.mode === 'reply') {
    const messages = messagesOf(turn);
    const [first, ...rest] = messages;
    if (!first) return [op('deleteOriginal')];
    if (first.ephemeral && !pending.ephemeralReply) {
      // Deferred in public, answered in private: an edit cannot make it ephemeral.
      return [op('deleteOriginal'), ...messages.map((message) => op('followUp', followUpBody({ ...message, ephemeral: true })))];
    }
    return [op('editOriginal', editBody(first)), ...rest.map((message) => op('followUp', followUpBody({ ...message, ephemeral: message.ephemeral || pending.ephemeralReply })))];
  }

  const press = pending.press ?? { ownMessage: false, ephemeralMessage: false };
  const ops: DiscordOperation[] = [];
  if (turn.ack?.updatedChoices && press.ownMessage) {
    ops.push(op('editOriginal', { components: renderRows(turn.ack.updatedChoices).slice(0, DISCORD_LIMITS.rowsPerMessage) }));
  }
  // Someone else's message (their list, their "more"): the answer is for the presser only.
  const privately = !press.ownMessage || press.ephemeralMessage;
  const messages = renderTurn(turn).map((message) => ({ ...message, ephemeral: message.ephemeral || privately }));
  if (messages.length === 0 && turn.ack?.toast) messages.push(renderToast(turn.ack.toast));
  ops.push(...messages.map((message) => op('followUp', followUpBody(message))));
  return ops;
}

/**
 * Telling the user something (a failure with its reference, "temporarily unavailable") once the
 * interaction was acknowledged, without a second acknowledgement: in place of a deferred reply
 * that still says "thinking…" (`originalSettled` false), deleting it first when it was public (an
 * edit cannot make it ephemeral); otherwise as an ephemeral follow-up.
 */
export function planNotice(target: Pick<DiscordOperation, 'applicationId' | 'token' | 'deferral'>, text: string, originalSettled: boolean): DiscordOperation[] {
  const message = renderToast(text);
  const op = (kind: DiscordOperation['op'], body?: MessageBody): DiscordOperation => ({
    applicationId: target.applicationId,
    token: target.token,
    op: kind,
    ...(body ? { body } : {}),
    deferral: target.deferral,
  });
  if (!originalSettled && target.deferral === 'ephemeral') return [op('editOriginal', editBody(message))];
  if (!originalSettled && target.deferral === 'public') return [op('deleteOriginal'), op('followUp', followUpBody(message))];
  return [op('followUp', followUpBody(message))];
}

/** The operations as outbox entries of one turn: each expires with the token. */
export function toOutboxEntries(pending: PendingInteraction, chatKey: string, ops: readonly DiscordOperation[]): OutboxEntry[] {
  const expiresAt = new Date(replyDeadline(pending));
  return ops.map((operation) => ({ chatKey, payload: JSON.stringify(operation), expiresAt }));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An inbox payload read back, or null when it is not one this version wrote. */
export function readPendingInteraction(payload: string): PendingInteraction | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isObject(value) || value['v'] !== 1) return null;
  const { interactionId, applicationId, token, createdTimestamp, inbound, mode, ephemeralReply } = value;
  if (typeof interactionId !== 'string' || typeof applicationId !== 'string' || typeof token !== 'string' || typeof createdTimestamp !== 'number') return null;
  if ((mode !== 'reply' && mode !== 'update') || typeof ephemeralReply !== 'boolean' || !isObject(inbound) || !isObject(inbound['user'])) return null;
  if (inbound['kind'] !== 'command' && inbound['kind'] !== 'choice' && inbound['kind'] !== 'text') return null;
  return value as unknown as PendingInteraction;
}

/** An outbox payload read back, or null when it is not one this version wrote. */
export function readOperation(payload: string): DiscordOperation | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  const { applicationId, token, op, body, deferral } = value;
  if (typeof applicationId !== 'string' || typeof token !== 'string') return null;
  if (op !== 'editOriginal' && op !== 'deleteOriginal' && op !== 'followUp') return null;
  if (deferral !== 'public' && deferral !== 'ephemeral' && deferral !== 'update') return null;
  if (body !== undefined && !isObject(body)) return null;
  return value as unknown as DiscordOperation;
}
