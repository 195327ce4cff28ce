/**
 * The terminal chat: each line of stdin is one message, replies go to stdout, and the program ends
 * at end of input (so `printf '/feel happy\n' | npm start` works). Lines are handled one at a time,
 * in order, even when piped input arrives all at once. A terminal has no buttons, so typing the
 * words of a listed choice ("rate a few", "keep my data") presses it.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChannelUser, Choice, Conversation, Turn } from '../../core/conversation/turn.ts';
import { renderTurn } from './render.ts';
import { lineToInbound, listedChoices } from './to-inbound.ts';

export const TYPE_A_CHOICE_HINT = '  (To pick one of these, type its words, e.g. "happy" or "more".)';

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
  // The choices the last turn listed: typing one's words presses it (the terminal has no buttons).
  let offered: Choice[] = [];
  let hinted = false;
  const show = (turn: Turn) => {
    offered = listedChoices(turn);
    const lines = renderTurn(turn);
    // Once per session, and only for a person: a script's output stays exactly the turns'.
    if (options.interactive && !hinted && offered.length > 0) {
      lines.push(TYPE_A_CHOICE_HINT);
      hinted = true;
    }
    write(lines);
  };
  show(await conversation.handle({ kind: 'command', name: 'start', args: '', user }));
  prompt();
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    if (stop) break;
    const line: string = next.value;
    show(await conversation.handle(lineToInbound(line, user, offered)));
    prompt();
  }
  rl.close();
}
