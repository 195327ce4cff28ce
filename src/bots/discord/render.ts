/**
 * Core turns → Discord message payloads. Pure: no client, no I/O (STYLE.md C1, C2).
 *
 * Layout (see README.md):
 * - a movie card is one message: one embed (title "N. Title (Year)" linked to IMDb, description
 *   with genres · runtime, the scores and the reason, the poster as thumbnail) and its own rows of
 *   buttons, so a press's `updatedChoices` replace exactly that card's buttons;
 * - a text-only core message (no card, no buttons) is merged into the next message as its content
 *   (the /feel intro travels with the first card);
 * - any other message is its own Discord message: content plus rows.
 *
 * Discord's limits are enforced here, not hoped for: content ≤ 2,000 characters, embed title ≤ 256,
 * description ≤ 4,096, button label ≤ 80, ≤ 5 buttons a row (longer core rows wrap), ≤ 5 rows a
 * message (extra rows go to a continuation message), custom_ids unique within a message and
 * ≤ 100 characters. A custom_id over 100 characters is a bug in the core and throws RenderError.
 * Text is plain in the core, so it is markdown-escaped here; URLs other than http(s) are dropped.
 * @example
 * const messages = renderTurn(await conversation.handle(inbound));
 * await interaction.editReply(toReplyOptions(messages[0]!));
 */
import {
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
} from 'discord.js';
import { decodePayload } from '../../core/conversation/payload.ts';
import type { Choice, MovieCard, OutMessage, Turn } from '../../core/conversation/turn.ts';

export const DISCORD_LIMITS = {
  customId: 100,
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rowsPerMessage: 5,
  /** How much of a movie's overview a card shows; the ℹ button shows the rest. */
  overview: 300,
} as const;

/** A renderer limit the core broke (a bug, not user input). */
export class RenderError extends Error {
  readonly code = 'DISCORD_RENDER';
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

export type ButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/** One Discord message, as plain API JSON. */
export interface DiscordMessage {
  /** Omitted when the message is only an embed or only buttons. */
  content?: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
  /** Only the acting user sees it. */
  ephemeral: boolean;
}

/**
 * A core payload as a Discord custom_id. The core keeps payloads ≤ 64 bytes, so this only guards.
 * @example
 * encodeDiscordCustomId('f1|r|123|5') // 'f1|r|123|5'
 */
export function encodeDiscordCustomId(payload: string): string {
  if (payload.length === 0 || payload.length > DISCORD_LIMITS.customId) {
    throw new RenderError(`custom_id must be 1–${DISCORD_LIMITS.customId} characters, got ${payload.length}`);
  }
  return payload;
}

/**
 * The core payload a pressed button carries, or null for anything this bot could not have sent
 * (empty, over 100 characters, not a current core payload). The core decodes again; rejecting here
 * too lets the adapter answer "expired" at once, without deferring or touching the database.
 * @example
 * decodeDiscordCustomId('f1|r|123|5') // 'f1|r|123|5'
 * decodeDiscordCustomId("'; DROP TABLE ratings") // null
 */
export function decodeDiscordCustomId(customId: unknown): string | null {
  if (typeof customId !== 'string' || customId.length === 0 || customId.length > DISCORD_LIMITS.customId) return null;
  return decodePayload(customId).ok ? customId : null;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in half.
  const chars = [...text];
  let out = '';
  for (const char of chars) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

const escape = (text: string) => escapeMarkdown(text);

function safeUrl(url: string | null): string | undefined {
  if (!url || url.length > 2048) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

const STYLES: Record<NonNullable<Choice['style']>, ButtonStyle> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
};

function button(choice: Choice): APIButtonComponentWithCustomId {
  const style = choice.style ? STYLES[choice.style] : choice.selected ? ButtonStyle.Success : ButtonStyle.Secondary;
  return {
    type: ComponentType.Button,
    custom_id: encodeDiscordCustomId(choice.payload),
    label: clip(choice.label, DISCORD_LIMITS.buttonLabel),
    style: style as ButtonStyle.Secondary,
  };
}

/**
 * Core rows of choices → Discord action rows: long rows wrap at 5 buttons, a payload already used
 * in the same message is dropped (Discord rejects duplicate custom_ids). `[]` gives `[]` (no buttons).
 */
export function renderRows(choices: readonly (readonly Choice[])[]): ButtonRow[] {
  const seen = new Set<string>();
  const rows: ButtonRow[] = [];
  for (const row of choices) {
    const buttons = row.filter((choice) => !seen.has(choice.payload) && seen.add(choice.payload)).map(button);
    for (let i = 0; i < buttons.length; i += DISCORD_LIMITS.buttonsPerRow) {
      rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + DISCORD_LIMITS.buttonsPerRow) });
    }
  }
  return rows;
}

/** A movie card as one embed. */
export function renderCard(card: MovieCard): APIEmbed {
  const lines = [
    card.facts ? escape(card.facts) : null,
    card.scores ? `**${escape(card.scores)}**` : null,
    card.reason ? `*${escape(card.reason)}*` : null,
    card.overview ? escape(clip(card.overview, DISCORD_LIMITS.overview)) : null,
  ].filter((line): line is string => line !== null && line !== '');
  const url = safeUrl(card.imdbUrl);
  const poster = safeUrl(card.posterUrl);
  return {
    title: clip(escape(`${card.index}. ${card.heading}`), DISCORD_LIMITS.embedTitle),
    ...(lines.length > 0 ? { description: clip(lines.join('\n'), DISCORD_LIMITS.embedDescription) } : {}),
    ...(url ? { url } : {}),
    ...(poster ? { thumbnail: { url: poster } } : {}),
  };
}

function content(texts: readonly string[]): string | undefined {
  const text = texts.filter((t) => t.trim() !== '').map(escape).join('\n');
  return text === '' ? undefined : clip(text, DISCORD_LIMITS.content);
}

/** Splits a message whose rows exceed 5 into continuation messages carrying the extra rows. */
function withRowLimit(message: DiscordMessage): DiscordMessage[] {
  if (message.components.length <= DISCORD_LIMITS.rowsPerMessage) return [message];
  const out: DiscordMessage[] = [];
  for (let i = 0; i < message.components.length; i += DISCORD_LIMITS.rowsPerMessage) {
    const rows = message.components.slice(i, i + DISCORD_LIMITS.rowsPerMessage);
    out.push(i === 0 ? { ...message, components: rows } : { embeds: [], components: rows, ephemeral: message.ephemeral });
  }
  return out;
}

/** A core turn as Discord messages, in order. */
export function renderTurn(turn: Pick<Turn, 'messages'>): DiscordMessage[] {
  const out: DiscordMessage[] = [];
  let pending: { texts: string[]; ephemeral: boolean } | null = null;
  const flush = () => {
    if (!pending) return;
    const text = content(pending.texts);
    if (text !== undefined) out.push({ content: text, embeds: [], components: [], ephemeral: pending.ephemeral });
    pending = null;
  };
  for (const message of turn.messages) {
    const ephemeral = message.ephemeral === true;
    if (!message.card && (message.choices ?? []).length === 0) {
      // Text only: carried into the next message (same visibility), or sent alone at the end.
      if (pending && pending.ephemeral !== ephemeral) flush();
      pending ??= { texts: [], ephemeral };
      pending.texts.push(message.text);
      continue;
    }
    const carried: string[] = [];
    if (pending !== null) {
      const held: { texts: string[]; ephemeral: boolean } = pending;
      if (held.ephemeral === ephemeral) {
        carried.push(...held.texts);
        pending = null;
      } else {
        flush();
      }
    }
    out.push(...withRowLimit(renderOne(message, carried, ephemeral)));
  }
  flush();
  return out;
}

function renderOne(message: OutMessage, carried: readonly string[], ephemeral: boolean): DiscordMessage {
  // A card's text is its one-line form (for text channels): the embed replaces it here.
  const text = content(message.card ? carried : [...carried, message.text]);
  return {
    ...(text !== undefined ? { content: text } : {}),
    embeds: message.card ? [renderCard(message.card)] : [],
    components: renderRows(message.choices ?? []),
    ephemeral,
  };
}

/** A toast (the core's short acknowledgement of a press) as an ephemeral message. */
export function renderToast(toast: string): DiscordMessage {
  return { content: clip(escape(toast), DISCORD_LIMITS.content), embeds: [], components: [], ephemeral: true };
}
