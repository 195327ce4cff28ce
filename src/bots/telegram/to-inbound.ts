/**
 * Telegram update → what the core should handle (pure, STYLE.md C1). No telegraf runtime, no I/O:
 * tests/bots/telegram/to-inbound.test.ts replays recorded updates from tests/fixtures/telegram.
 *
 * Rules (README.md in this folder explains why):
 * - The actor is always the update's `from`: a tap acts for whoever tapped, never for the user the
 *   card was first shown to, and a payload never names a user.
 * - Private chats: known commands → `command`; other text, unknown commands → `text` (the core
 *   answers); stickers, photos and other media, and messages over MAX_TEXT_CHARS → `/help`.
 * - Groups: only commands, bare (`/feel happy`) or addressed to this bot (`/feel@FeelmsBot happy`);
 *   commands for other bots, chatter and media are ignored.
 * - Callback queries always yield an event, since every query must be answered; `inbound` is null
 *   when the data cannot be ours (missing, or over 64 bytes), and the glue answers "expired".
 * - Anything else (edits, channel posts, other bots, membership changes) → null: ignored.
 * Input is treated as untrusted JSON (a webhook body), so every field is type-checked.
 * @example
 * const event = readUpdate(update, { id: 42, username: 'FeelmsBot' });
 * if (event?.inbound) await conversation.handle(event.inbound);
 */
import { parseCommandText, type ChannelUser, type Inbound } from '../../core/conversation/turn.ts';
import { decodeCallbackData } from './callback-data.ts';

/** Longer messages are answered with /help, unread: no command or mood is that long. */
export const MAX_TEXT_CHARS = 1_000;

export interface BotIdentity {
  id: number;
  username: string;
}

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface TelegramChat {
  id: number;
  type: ChatType;
}

/** One update, read: who acts, where replies go, and what the core should handle. */
export interface TelegramEvent {
  updateId: number;
  /** The acting user's Telegram id (`from.id`). */
  actorId: number;
  /** Where replies go: the chat the message or the tapped card is in. */
  chat: TelegramChat;
  /** What the core should handle; null only for a callback query whose data cannot be ours. */
  inbound: Inbound | null;
  /** Present for button taps. */
  callback?: {
    queryId: string;
    /** The message holding the tapped button, when it is a normal (not inline-mode) message. */
    messageId?: number;
    /** Why `inbound` is null, for logs. */
    rejected?: 'missing_data' | 'oversized_data';
  };
}

/** Message fields that mean "media": answered with /help in private chats. */
const MEDIA_FIELDS = [
  'sticker', 'photo', 'animation', 'video', 'video_note', 'voice', 'audio', 'document',
  'contact', 'location', 'venue', 'poll', 'dice', 'game', 'story',
] as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

function readChat(value: unknown): TelegramChat | null {
  if (!isObject(value) || !isId(value['id'])) return null;
  const type = value['type'];
  if (type !== 'private' && type !== 'group' && type !== 'supergroup' && type !== 'channel') return null;
  return { id: value['id'], type };
}

function readUser(value: unknown): (ChannelUser & { id: number; isBot: boolean }) | null {
  if (!isObject(value) || !isId(value['id'])) return null;
  const first = typeof value['first_name'] === 'string' ? value['first_name'] : '';
  const last = typeof value['last_name'] === 'string' ? value['last_name'] : '';
  const username = typeof value['username'] === 'string' ? value['username'] : '';
  const displayName = [first, last].filter(Boolean).join(' ').trim() || username || String(value['id']);
  return { id: value['id'], isBot: value['is_bot'] === true, platform: 'telegram', platformUserId: String(value['id']), displayName };
}

const help = (user: ChannelUser): Inbound => ({ kind: 'command', name: 'help', args: '', user });

/** `/word@name …` → `name` (lower case), or null when the command is not addressed. */
function addressee(text: string): string | null {
  const match = /^\/[A-Za-z0-9_]+@(\w+)/.exec(text);
  return match ? match[1]!.toLowerCase() : null;
}

function readMessage(updateId: number, message: unknown, bot: BotIdentity): TelegramEvent | null {
  if (!isObject(message)) return null;
  const chat = readChat(message['chat']);
  const user = readUser(message['from']);
  if (!chat || chat.type === 'channel' || !user || user.isBot || user.id === bot.id) return null;
  const base = { updateId, actorId: user.id, chat };
  const { id: _id, isBot: _isBot, ...channelUser } = user;
  const inPrivate = chat.type === 'private';
  const text = message['text'];

  if (typeof text === 'string') {
    const command = text.startsWith('/');
    const to = command ? addressee(text) : null;
    if (to !== null && to !== bot.username.toLowerCase()) return null; // a command for another bot
    if (!inPrivate && !command) return null; // group chatter
    if (text.length > MAX_TEXT_CHARS) return { ...base, inbound: help(channelUser) };
    const parsed = parseCommandText(text, bot.username);
    if (parsed) return { ...base, inbound: { kind: 'command', name: parsed.name, args: parsed.args, user: channelUser } };
    // Unknown commands: in a group only when addressed to us (a bare one may be another bot's).
    if (!inPrivate && to === null) return null;
    return { ...base, inbound: { kind: 'text', text, user: channelUser } };
  }
  if (inPrivate && MEDIA_FIELDS.some((field) => field in message)) return { ...base, inbound: help(channelUser) };
  return null;
}

function readCallback(updateId: number, query: unknown): TelegramEvent | null {
  if (!isObject(query) || typeof query['id'] !== 'string' || query['id'] === '') return null;
  const user = readUser(query['from']);
  if (!user) return null;
  const { id: _id, isBot: _isBot, ...channelUser } = user;
  const message = isObject(query['message']) ? query['message'] : null;
  // An inline-mode message has no chat: replies go to the tapper's private chat.
  const chat = (message && readChat(message['chat'])) ?? { id: user.id, type: 'private' as const };
  const messageId = message && isId(message['message_id']) ? message['message_id'] : undefined;
  const callback = { queryId: query['id'], ...(messageId !== undefined ? { messageId } : {}) };
  const base = { updateId, actorId: user.id, chat };
  const raw = query['data'];
  if (typeof raw !== 'string' || raw === '') return { ...base, inbound: null, callback: { ...callback, rejected: 'missing_data' } };
  const payload = decodeCallbackData(raw);
  if (payload === null) return { ...base, inbound: null, callback: { ...callback, rejected: 'oversized_data' } };
  return { ...base, inbound: { kind: 'choice', payload, user: channelUser }, callback };
}

/** Reads one update; null means "ignore it" (nothing to answer). */
export function readUpdate(update: unknown, bot: BotIdentity): TelegramEvent | null {
  if (!isObject(update) || !isId(update['update_id'])) return null;
  const updateId = update['update_id'];
  if ('message' in update) return readMessage(updateId, update['message'], bot);
  if ('callback_query' in update) return readCallback(updateId, update['callback_query']);
  return null;
}

/** The core's view of an update alone (see readUpdate for the routing details). */
export function toInbound(update: unknown, bot: BotIdentity): Inbound | null {
  return readUpdate(update, bot)?.inbound ?? null;
}

/** A short, content-free description of an update for debug logs: never text or names. */
export function updateKind(update: unknown): string {
  if (!isObject(update)) return 'invalid';
  const key = Object.keys(update).find((k) => k !== 'update_id');
  if (key !== 'message' || !isObject(update['message'])) return key ?? 'empty';
  const message = update['message'];
  if (typeof message['text'] === 'string') return message['text'].startsWith('/') ? 'command' : 'text';
  return MEDIA_FIELDS.find((field) => field in message) ?? 'message';
}
