/**
 * Core turns → Telegram Bot API payloads (pure, STYLE.md C1/C2). Every word comes from the core;
 * this file only lays it out as HTML (parse_mode HTML, so everything is escaped here) with inline
 * keyboards. tests/bots/telegram/render.test.ts is the table test.
 *
 * - A movie card is one message: the heading in bold (linked to IMDb when known), then facts,
 *   scores and reason on their own lines. With a poster it is a photo with that caption, and
 *   `fallback` holds the same card as text for when Telegram cannot fetch the photo.
 * - Buttons carry the core's payload as callback_data; one whose data would exceed 64 bytes is left
 *   out (and reported in `problems`) rather than making Telegram reject the whole message.
 * - A chosen button (the rating given, an active favorite) is marked "✅ ★4".
 * - Telegram has no ephemeral messages: `ephemeral` ones go to the same chat.
 * @example
 * const { calls } = renderMessages(turn.messages, chatId);
 * for (const call of calls) await api.call(call.method, call.payload);
 */
import type { Choice, MovieCard, OutMessage, Turn } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import { callbackDataBytes, encodeCallbackData, MAX_CALLBACK_DATA_BYTES } from './callback-data.ts';

/** Telegram's limits, in characters of visible text. */
export const MAX_MESSAGE_CHARS = 4096;
export const MAX_CAPTION_CHARS = 1024;
export const MAX_TOAST_CHARS = 200;
export const SELECTED_MARK = '✅';

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface InlineKeyboard {
  inline_keyboard: InlineButton[][];
}

export interface SendMessagePayload {
  chat_id: number;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: true };
  reply_markup?: InlineKeyboard;
}

export interface SendPhotoPayload {
  chat_id: number;
  photo: string;
  caption: string;
  parse_mode: 'HTML';
  reply_markup?: InlineKeyboard;
}

export type OutgoingCall =
  | { method: 'sendMessage'; payload: SendMessagePayload }
  | { method: 'sendPhoto'; payload: SendPhotoPayload; fallback: { method: 'sendMessage'; payload: SendMessagePayload } };

export interface Rendered {
  calls: OutgoingCall[];
  /** Buttons left out because Telegram would refuse them; the glue logs these. */
  problems: string[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const escapeAttribute = (text: string) => escapeHtml(text).replace(/"/g, '&quot;');

/** Cuts visible text to `max` characters (code points, so an emoji is never split), marking the cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const isWebUrl = (url: string | null): url is string => url !== null && /^https?:\/\/[^\s<>"]+$/i.test(url) && url.length <= 2048;

/** Longest line of a card (a title can be 255 characters); keeps a card within a photo caption. */
const MAX_CARD_LINE_CHARS = 300;

/** A card as HTML: bold heading (linked to IMDb when known), facts, scores, reason in italics. */
function cardHtml(card: MovieCard): { html: string; visibleChars: number } {
  const heading = clip(`${card.index}. ${card.heading}`, MAX_CARD_LINE_CHARS);
  const lines = [card.facts, card.scores].filter((line): line is string => typeof line === 'string' && line !== '').map((line) => clip(line, MAX_CARD_LINE_CHARS));
  const reason = card.reason ? clip(card.reason, MAX_CARD_LINE_CHARS) : null;
  const bold = `<b>${escapeHtml(heading)}</b>`;
  const html = [
    isWebUrl(card.imdbUrl) ? `<a href="${escapeAttribute(card.imdbUrl)}">${bold}</a>` : bold,
    ...lines.map(escapeHtml),
    ...(reason ? [`<i>${escapeHtml(reason)}</i>`] : []),
  ].join('\n');
  const visible = [heading, ...lines, ...(reason ? [reason] : [])].join('\n');
  return { html, visibleChars: Array.from(visible).length };
}

/** Rows of core choices → an inline keyboard; empty rows are dropped. */
export function renderKeyboard(rows: readonly Choice[][], problems: string[] = []): InlineKeyboard {
  const keyboard: InlineButton[][] = [];
  for (const row of rows) {
    const buttons: InlineButton[] = [];
    for (const choice of row) {
      const data = encodeCallbackData(choice.payload);
      if (data === null) {
        problems.push(`button "${choice.label}" left out: callback_data is ${callbackDataBytes(choice.payload)} bytes (max ${MAX_CALLBACK_DATA_BYTES})`);
        continue;
      }
      buttons.push({ text: choice.selected ? `${SELECTED_MARK} ${choice.label}` : choice.label, callback_data: data });
    }
    if (buttons.length > 0) keyboard.push(buttons);
  }
  return { inline_keyboard: keyboard };
}

function textPayload(chatId: number, html: string, keyboard: InlineKeyboard | undefined): SendMessagePayload {
  return { chat_id: chatId, text: html, parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(keyboard ? { reply_markup: keyboard } : {}) };
}

/** One core message → one Telegram call. */
export function renderMessage(message: OutMessage, chatId: number, problems: string[] = []): OutgoingCall {
  const keyboard = message.choices && message.choices.length > 0 ? renderKeyboard(message.choices, problems) : undefined;
  const replyMarkup = keyboard && keyboard.inline_keyboard.length > 0 ? keyboard : undefined;
  if (!message.card) return { method: 'sendMessage', payload: textPayload(chatId, escapeHtml(clip(message.text, MAX_MESSAGE_CHARS)), replyMarkup) };
  const caption = cardHtml(message.card);
  const asText = textPayload(chatId, caption.html, replyMarkup);
  if (!isWebUrl(message.card.posterUrl) || caption.visibleChars > MAX_CAPTION_CHARS) return { method: 'sendMessage', payload: asText };
  return {
    method: 'sendPhoto',
    payload: { chat_id: chatId, photo: message.card.posterUrl, caption: caption.html, parse_mode: 'HTML', ...(replyMarkup ? { reply_markup: replyMarkup } : {}) },
    fallback: { method: 'sendMessage', payload: asText },
  };
}

/** A turn's messages → calls, in order, all to `chatId`. */
export function renderMessages(messages: readonly OutMessage[], chatId: number): Rendered {
  const problems: string[] = [];
  const calls = messages.map((message) => renderMessage(message, chatId, problems));
  return { calls, problems };
}

/** The toast for answerCallbackQuery (at most 200 characters; plain text, Telegram does not parse it). */
export function renderToast(toast: string | undefined): string {
  return toast ? clip(toast, MAX_TOAST_CHARS) : '';
}

/** The keyboard edit for the message that held the pressed button: `[]` removes the keyboard. */
export function renderKeyboardEdit(
  updated: readonly Choice[][],
  chatId: number,
  messageId: number,
  problems: string[] = [],
): { chat_id: number; message_id: number; reply_markup: InlineKeyboard } {
  return { chat_id: chatId, message_id: messageId, reply_markup: renderKeyboard(updated, problems) };
}

/** Everything a tap's turn needs, rendered: toast, keyboard edit (if any) and messages. */
export function renderTapTurn(turn: Turn, chatId: number, messageId: number | undefined): Rendered & { toast: string; edit?: ReturnType<typeof renderKeyboardEdit> } {
  const rendered = renderMessages(turn.messages, chatId);
  const updated = turn.ack?.updatedChoices;
  const edit = updated !== undefined && messageId !== undefined ? renderKeyboardEdit(updated, chatId, messageId, rendered.problems) : undefined;
  return { ...rendered, toast: renderToast(turn.ack?.toast), ...(edit ? { edit } : {}) };
}

export interface BotCommandEntry {
  command: string;
  description: string;
}

/**
 * The command menu for setMyCommands, worded by the core: each `/command …: description` line of
 * the help text becomes an entry (Telegram: command 1–32 of a-z0-9_, description 1–256 chars).
 */
export function commandMenu(descriptions: Record<string, string> = copy.commandDescriptions()): BotCommandEntry[] {
  return Object.entries(descriptions).map(([command, description]) => ({ command, description: clip(description, 256) }));
}
