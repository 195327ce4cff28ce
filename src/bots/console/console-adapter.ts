/**
 * The terminal chat: each line of stdin is one message, replies go to stdout, and the program ends
 * at end of input (so `printf '/feel happy\n' | npm start` works).
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface ConsoleChat {
  /** Greeting printed once before the first prompt. */
  greet(): Promise<string[]>;
  reply(line: string): Promise<string[]>;
}

export async function runConsole(chat: ConsoleChat, input: Readable, output: Writable, isTty: boolean): Promise<void> {
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  const write = (lines: string[]) => output.write(lines.map((line) => `${line}\n`).join(''));
  const prompt = () => {
    if (isTty) output.write('> ');
  };
  write(await chat.greet());
  prompt();
  // Lines are handled one at a time, in order, even when piped input arrives all at once.
  for await (const line of rl) {
    write(await chat.reply(line));
    prompt();
  }
}
