/**
 * Transcript-style conversation tests (STYLE.md C10), in the manner of botbuilder's TestAdapter
 * (`adapter.send('hi').assertReply('Hello')`): steps queue up and run in order when awaited.
 *
 * @example
 * const talk = new Transcript(conversation);
 * await talk.as(ana).send('/start').expectText(/Feelms/).expectChoices('mood')
 *   .tap('😄 Happy').expectCards(5)
 *   .tap(/★5/, { onCard: 1 }).expectToast('Rated ★5')
 *   .send('/favorites').expectCards(['Title A (2001)']);
 *
 * - `send(line)` types a line as the console and Telegram do (`/rate 2 5` is a command, the rest text).
 * - `tap(label, { onCard: n })` presses the button of card n in the last list; without `onCard` it
 *   presses a non-card button (a mood, ➡ More, a confirmation) of the latest turn that has some;
 *   with `{ onAck: true }` one of the buttons the last ack put in place of the pressed ones.
 *   Its payload is delivered as a `choice` Inbound, exactly as a platform would.
 * - `expect…` assert on the latest turn; `check(fn)` runs any assertion in sequence.
 * - Awaiting the transcript resolves to the latest turn.
 */
import { expect } from 'vitest';
import { decodePayload } from '../../src/core/conversation/payload.ts';
import { parseCommandText, type ChannelUser, type Choice, type Conversation, type Inbound, type OutMessage, type Platform, type Turn } from '../../src/core/conversation/turn.ts';
import { EMOTIONS } from '../../src/core/domain/emotions.ts';
import type { Clock } from '../../src/core/ports/repositories.ts';

/** A clock that only moves when told to. */
export class FixedClock implements Clock {
  private at: number;

  constructor(start: Date | string = '2025-03-01T20:00:00.000Z') {
    this.at = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): this {
    this.at += ms;
    return this;
  }
}

export const SECOND = 1000;
export const DAY = 86_400_000;

/** A chat user on a platform (Telegram by default), its id derived from the name. */
export function aUser(name: string, platform: Platform = 'telegram', platformUserId = `${name.toLowerCase()}-id`): ChannelUser {
  return { platform, platformUserId, displayName: name };
}

/** One typed line as an Inbound: known commands become `command`, anything else `text`. */
export function typed(line: string, user: ChannelUser): Inbound {
  const command = parseCommandText(line);
  return command ? { kind: 'command', name: command.name, args: command.args, user } : { kind: 'text', text: line, user };
}

export const cardMessages = (turn: Turn): OutMessage[] => turn.messages.filter((message) => message.card !== undefined);
export const headingsOf = (turn: Turn): string[] => cardMessages(turn).map((message) => message.card!.heading);
export const movieIdsOf = (turn: Turn): number[] => cardMessages(turn).map((message) => message.card!.movieId);
export const textOf = (turn: Turn): string => turn.messages.map((message) => message.text).join('\n');
export const labelsOf = (choices: readonly Choice[][] | undefined): string[] => (choices ?? []).flat().map((choice) => choice.label);

/** Non-card buttons of a turn (moods, footer, confirmations, paging). */
export const looseChoicesOf = (turn: Turn): Choice[] => turn.messages.filter((message) => !message.card).flatMap((message) => (message.choices ?? []).flat());

/** A turn as readable lines, for assertion messages. */
export function describeTurn(turn: Turn | undefined): string {
  if (!turn) return '(no turn yet)';
  const lines = turn.messages.flatMap((message) => [message.text, ...(message.choices ? [`  [${labelsOf(message.choices).join(' | ')}]`] : [])]);
  if (turn.ack) lines.push(`  ack: ${turn.ack.toast}${turn.ack.updatedChoices ? ` [${labelsOf(turn.ack.updatedChoices).join(' | ')}]` : ''}`);
  return lines.join('\n');
}

const matches = (pattern: string | RegExp, value: string) => (typeof pattern === 'string' ? value === pattern : pattern.test(value));

export interface TapTarget {
  /** The card's number (1-based) in the last list shown. */
  onCard?: number;
  /** A button of the last ack's `updatedChoices`. */
  onAck?: boolean;
}

export class Transcript implements PromiseLike<Turn | undefined> {
  /** Every turn, oldest first. */
  readonly turns: Turn[] = [];
  private user: ChannelUser | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly conversation: Conversation) {}

  /** The latest turn (after awaiting). */
  get turn(): Turn {
    const turn = this.turns.at(-1);
    if (!turn) throw new Error('no turn yet: send something first');
    return turn;
  }

  /** Who acts in the following steps. */
  as(user: ChannelUser): this {
    return this.step(() => {
      this.user = user;
    });
  }

  /** Types a line. */
  send(line: string): this {
    return this.step(() => this.deliver(typed(line, this.actor())));
  }

  /** Delivers a button payload exactly as given (forged, stale or someone else's). */
  press(payload: string): this {
    return this.step(() => this.deliver({ kind: 'choice', payload, user: this.actor() }));
  }

  /** Presses the button whose label matches (see TapTarget). */
  tap(label: string | RegExp, target: TapTarget = {}): this {
    return this.step(() => {
      const choice = this.findChoice(label, target);
      return this.deliver({ kind: 'choice', payload: choice.payload, user: this.actor() });
    });
  }

  /** Some message of the latest turn matches (a string: is contained). */
  expectText(pattern: string | RegExp): this {
    return this.step(() => {
      const turn = this.turn;
      expect(turn.messages.some((message) => (typeof pattern === 'string' ? message.text.includes(pattern) : pattern.test(message.text))), `no message matches ${String(pattern)} in:\n${describeTurn(turn)}`).toBe(true);
    });
  }

  /** The latest turn offers the 8 moods as buttons (`'mood'`), or a button whose label matches. */
  expectChoices(kind: 'mood'): this;
  expectChoices(label: string | RegExp): this;
  expectChoices(kind: string | RegExp): this {
    return this.step(() => {
      const turn = this.turn;
      if (kind === 'mood') {
        const moods = turn.messages
          .filter((message) => !message.card && message.choices)
          .map((message) => (message.choices ?? []).flat().map((choice) => decodePayload(choice.payload)))
          .find((decoded) => decoded.length > 0 && decoded.every((result) => result.ok && result.value.action === 'mood'));
        expect(moods?.map((result) => (result.ok && result.value.action === 'mood' ? result.value.mood : null)), `no mood buttons in:\n${describeTurn(turn)}`).toEqual([...EMOTIONS]);
        return;
      }
      const labels = turn.messages.flatMap((message) => labelsOf(message.choices));
      expect(labels.some((label) => matches(kind, label)), `no button ${String(kind)} in:\n${describeTurn(turn)}`).toBe(true);
    });
  }

  /** The latest turn lists exactly these cards (headings, in order), or this many cards. */
  expectCards(expected: readonly string[] | number): this {
    return this.step(() => {
      const turn = this.turn;
      if (typeof expected === 'number') expect(cardMessages(turn), describeTurn(turn)).toHaveLength(expected);
      else expect(headingsOf(turn), describeTurn(turn)).toEqual(expected);
    });
  }

  /** The latest turn carries an ack whose toast matches. */
  expectToast(pattern: string | RegExp): this {
    return this.step(() => {
      const turn = this.turn;
      expect(turn.ack, `no ack in:\n${describeTurn(turn)}`).toBeDefined();
      if (typeof pattern === 'string') expect(turn.ack!.toast).toBe(pattern);
      else expect(turn.ack!.toast).toMatch(pattern);
    });
  }

  /** Any assertion, run in sequence with the latest turn. */
  check(assertion: (turn: Turn) => void | Promise<void>): this {
    return this.step(() => assertion(this.turn));
  }

  then<TResult1 = Turn | undefined, TResult2 = never>(
    onfulfilled?: ((value: Turn | undefined) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    const done = this.queue.then(() => this.turns.at(-1));
    // The next chain starts clean, so one failed expectation is reported once.
    this.queue = Promise.resolve();
    return done.then(onfulfilled, onrejected);
  }

  private step(work: () => void | Promise<void>): this {
    this.queue = this.queue.then(work);
    return this;
  }

  private actor(): ChannelUser {
    if (!this.user) throw new Error('no user: call .as(user) first');
    return this.user;
  }

  private async deliver(input: Inbound): Promise<void> {
    this.turns.push(await this.conversation.handle(input));
  }

  private findChoice(label: string | RegExp, target: TapTarget): Choice {
    if (target.onAck) {
      const choices = (this.turn.ack?.updatedChoices ?? []).flat();
      const found = choices.find((choice) => matches(label, choice.label));
      if (!found) throw new Error(`no ack button ${String(label)} in:\n${describeTurn(this.turn)}`);
      return found;
    }
    if (target.onCard !== undefined) {
      const list = [...this.turns].reverse().find((turn) => cardMessages(turn).length > 0);
      if (!list) throw new Error('no list of cards shown yet');
      const card = cardMessages(list).find((message) => message.card!.index === target.onCard);
      if (!card) throw new Error(`no card ${target.onCard} in:\n${describeTurn(list)}`);
      const found = (card.choices ?? []).flat().find((choice) => matches(label, choice.label));
      if (!found) throw new Error(`no button ${String(label)} on card ${target.onCard}: [${labelsOf(card.choices).join(' | ')}]`);
      return found;
    }
    const turn = [...this.turns].reverse().find((candidate) => looseChoicesOf(candidate).length > 0);
    if (!turn) throw new Error('no buttons shown yet');
    const found = looseChoicesOf(turn).find((choice) => matches(label, choice.label));
    if (!found) throw new Error(`no button ${String(label)} in:\n${describeTurn(turn)}`);
    return found;
  }
}
