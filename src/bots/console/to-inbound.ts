import { parseCommandText, type ChannelUser, type Inbound } from '../../core/conversation/turn.ts';

/** One typed line → one inbound turn. Commands share Telegram's words (`/feel happy`, `/rate 2 5`). */
export function lineToInbound(line: string, user: ChannelUser): Inbound {
  const command = parseCommandText(line);
  return command ? { kind: 'command', name: command.name, args: command.args, user } : { kind: 'text', text: line, user };
}
