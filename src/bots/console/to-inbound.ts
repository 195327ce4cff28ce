import { parseCommandText, type ChannelUser, type Choice, type Inbound, type Turn } from '../../core/conversation/turn.ts';
import { listedChoiceRows } from './render.ts';

/**
 * A label as typed: letters and digits only, single spaces, lower case. "⭐ Rate a few" → "rate a few",
 * "🗑 Yes, delete everything" → "yes delete everything".
 */
export function typedLabel(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .toLowerCase();
}

/** The choices a terminal lists for a turn, the ones render.ts prints. */
export function listedChoices(turn: Turn): Choice[] {
  return turn.messages.flatMap((message) => listedChoiceRows(message).flat());
}

/**
 * One typed line → one inbound turn. Commands share Telegram's words (`/feel happy`, `/rate 2 5`).
 * A line that spells out one of the choices the last turn listed ("rate a few", "more", "keep my
 * data") presses it, since a terminal has no buttons; anything else is text for the core.
 */
export function lineToInbound(line: string, user: ChannelUser, offered: readonly Choice[] = []): Inbound {
  const command = parseCommandText(line);
  if (command) return { kind: 'command', name: command.name, args: command.args, user };
  const typed = typedLabel(line);
  const matches = typed === '' ? [] : offered.filter((choice) => typedLabel(choice.label) === typed);
  if (matches.length === 1) return { kind: 'choice', payload: matches[0]!.payload, user };
  return { kind: 'text', text: line, user };
}
