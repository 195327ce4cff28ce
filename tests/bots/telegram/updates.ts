/**
 * Test-data builders for Telegram updates (STYLE.md C10 "mothers"), shaped like the Bot API's JSON.
 * @example
 * const ana = aTelegramUser('Ana', 501);
 * api.push(textUpdate('/feel happy', ana));
 * api.push(tapUpdate('f1|r|12|4', ana, { message_id: 3, chat: privateChat(ana) }, api.queryId()));
 */
export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface TelegramChatJson {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
}

export const aTelegramUser = (name: string, id: number): TelegramUser => ({ id, is_bot: false, first_name: name, username: `${name.toLowerCase()}_${id}` });

export const privateChat = (user: TelegramUser): TelegramChatJson => ({ id: user.id, type: 'private', first_name: user.first_name });

export const aGroup = (id = -1001234567890, title = 'Movie night'): TelegramChatJson => ({ id, type: 'supergroup', title });

let nextMessageId = 10_000;

/** A new message with `text` (commands get their bot_command entity, as Telegram sends them). */
export function textUpdate(text: string, from: TelegramUser, chat: TelegramChatJson = privateChat(from)) {
  const command = /^\/\S+/.exec(text);
  return {
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat,
      from,
      text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    },
  };
}

/** A new message carrying something other than text (a sticker, a photo…). */
export function mediaUpdate(kind: 'sticker' | 'photo', from: TelegramUser, chat: TelegramChatJson = privateChat(from)) {
  const media =
    kind === 'sticker'
      ? { sticker: { file_id: 'CAACAgIAAxk', file_unique_id: 'AgAD', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '😂' } }
      : { photo: [{ file_id: 'AgACAgIAAxk', file_unique_id: 'AQAD', width: 90, height: 90 }], caption: '/feel happy' };
  return { message: { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from, ...media } };
}

/** A tap on an inline button of `message` (a message the bot sent). */
export function tapUpdate(data: string, from: TelegramUser, message: { message_id: number; chat: TelegramChatJson }, queryId: string) {
  return {
    callback_query: {
      id: queryId,
      from,
      chat_instance: '-123456789',
      data,
      message: { message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: message.chat, from: { id: 4242, is_bot: true, first_name: 'Feelms', username: 'FeelmsTestBot' }, text: '…' },
    },
  };
}

/** The inline keyboard of a message the bot sent, as rows of { text, callback_data }. */
export function keyboardOf(message: { [field: string]: unknown }): Array<Array<{ text: string; callback_data: string }>> {
  const markup = message['reply_markup'] as { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined;
  return markup?.inline_keyboard ?? [];
}

/** The callback_data of the button whose label matches. */
export function buttonData(message: { [field: string]: unknown }, label: RegExp): string {
  const button = keyboardOf(message).flat().find((b) => label.test(b.text));
  if (!button) throw new Error(`no button matching ${String(label)} in ${JSON.stringify(keyboardOf(message))}`);
  return button.callback_data;
}
