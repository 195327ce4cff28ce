/**
 * The terminal chat: each line of stdin is one message, replies go to stdout, and the program ends
 * at end of input (so `printf '/feel happy\n' | npm start` works). Lines are handled one at a time,
 * in order, even when piped input arrives all at once.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChannelUser, Conversation } from '../../core/conversation/turn.ts';
import { renderTurn } from './render.ts';
import { lineToInbound } from './to-inbound.ts';

export function consoleUser(): ChannelUser {
  let name = 'you';
  try {
    name = userInfo().username || name;
  } catch {
    // No passwd entry (some containers): keep the default.
  }
  return { platform: 'console', platformUserId: name, displayName: name };
}

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  /** Show a prompt: only when a person is typing. */
  interactive: boolean;
  user?: ChannelUser;
  /** Resolves when intake should stop (SIGINT/SIGTERM). */
  stopped?: Promise<void>;
}

export async function runConsole(conversation: Conversation, options: ConsoleOptions): Promise<void> {
  const user = options.user ?? consoleUser();
  const rl = createInterface({ input: options.input, terminal: false, crlfDelay: Infinity });
  // Take the iterator now: readline emits lines as soon as input arrives, and lines emitted before
  // anyone iterates are lost (piped input often arrives while the greeting is being prepared).
  const lines = rl[Symbol.asyncIterator]();
  const write = (lines: string[]) => options.output.write(lines.map((line) => `${line}\n`).join(''));
  const prompt = () => {
    if (options.interactive) options.output.write('> ');
  };
  let stop = false;
  void options.stopped?.then(() => {
    stop = true;
    rl.close();
  });
  write(renderTurn(await conversation.handle({ kind: 'command', name: 'start', args: '', user })));
  prompt();
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    if (stop) break;
    const line: string = next.value;
    write(renderTurn(await conversation.handle(lineToInbound(line, user))));
    prompt();
  }
  rl.close();
}
