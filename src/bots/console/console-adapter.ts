/**
 * The terminal chat: each line of stdin is one message, replies go to stdout, and the program ends
 * at end of input (so `printf '/feel happy\n' | npm start` works). Lines are handled one at a time,
 * in order, even when piped input arrives all at once. A terminal has no buttons, so typing the
 * words of a listed choice ("rate a few", "keep my data") presses it.
 *
 * The session opens with the greeting (the core's /start) unless the piped input itself starts with
 * /start, which then is the greeting: one, never a "welcome back" right after it.
 *
 * A person is paced here, not by the core (main.ts exempts the console from the core's limit with
 * consoleRateLimitExempt): lines typed faster than CONSOLE_RATE_LIMIT wait their turn, with one
 * notice per pause, and every line is answered. A pipe is the operator's own script: not paced.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseCommandText, type ChannelUser, type Choice, type Conversation, type Turn } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import { renderTurn } from './render.ts';
import { lineToInbound, listedChoices } from './to-inbound.ts';

export const TYPE_A_CHOICE_HINT = '  (To pick one of these, type its words, e.g. "happy" or "more".)';

/**
 * How fast a person at the terminal is answered: 20 turns per 10 s. RATE_LIMIT (10 turns / 10 s by
 * default) fits chat users, but at the terminal the greeting counts as a turn and a person typing
 * one short command a second (or pasting a few lines) reaches 10 in 10 s. 20 is twice the fastest
 * sustained typing pace and still bounded (2 turns a second), and lines beyond it are queued, not dropped.
 */
export const CONSOLE_RATE_LIMIT = { turns: 20, windowMs: 10_000 } as const;

/** For the core's rateLimitExempt: console turns are paced by runConsole (a person) or not at all (a pipe). */
export const consoleRateLimitExempt = (user: ChannelUser): boolean => user.platform === 'console';

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
  /** Pacing of a person's lines (interactive only); CONSOLE_RATE_LIMIT by default. */
  rateLimit?: { turns: number; windowMs: number };
  /** Milliseconds now, and a wait: injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  let endSession: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    endSession = () => {
      stop = true;
      rl.close();
      resolve();
    };
    void options.stopped?.then(endSession);
  });
  // The reader went away (`npm start | head`): end the session quietly, as command-line tools do.
  options.output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') endSession();
    else throw error;
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

  // A person's turns, sliding window: a line over the limit waits until the oldest turn leaves it.
  const limit = options.rateLimit ?? CONSOLE_RATE_LIMIT;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  let recent: number[] = [];
  const paced = async () => {
    if (!options.interactive) return;
    recent = recent.filter((at) => now() - at < limit.windowMs);
    if (recent.length >= limit.turns) {
      const waitMs = Math.max(0, recent[0]! + limit.windowMs - now());
      write([copy.consoleQueued(Math.max(1, Math.ceil(waitMs / 1000)))]);
      await Promise.race([sleep(waitMs), stopped]);
      recent = recent.filter((at) => now() - at < limit.windowMs);
    }
    recent.push(now());
  };
  const turn = async (line: string) => {
    await paced();
    if (stop) return;
    show(await conversation.handle(lineToInbound(line, user, offered)));
    prompt();
  };

  // A person is greeted at once; piped input is read first, so that a leading /start is the greeting.
  const first: IteratorResult<string> | null = options.interactive ? null : await lines.next();
  const startsWithStart = first !== null && !first.done && parseCommandText(first.value)?.name === 'start';
  if (!startsWithStart && !stop) {
    await paced();
    show(await conversation.handle({ kind: 'command', name: 'start', args: '', user }));
    prompt();
  }
  for (let next = first ?? (await lines.next()); !next.done; next = await lines.next()) {
    if (stop) break;
    await turn(next.value);
  }
  rl.close();
}
