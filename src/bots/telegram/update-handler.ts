/**
 * What happens to one update, from intake to the last message sent. Both modes (long polling and
 * webhook) feed `accept`, which drops duplicates and returns at once: the work runs in the
 * background, so one slow turn never holds up the polling loop (telegraf awaits a whole batch
 * before fetching the next) or a webhook response.
 *
 * A tap (callback query) is answered FIRST and always: with the core's toast when the turn is done
 * within `ackWaitMs`, else with an empty answer (which stops the button's spinner) while the turn
 * goes on; the card's keyboard is then edited to show the choice. A tap the adapter cannot read
 * (no data, over 64 bytes) is answered "expired" and never reaches the core.
 *
 * `fail` is the adapter's one catch (STYLE.md C7), also installed as telegraf's `bot.catch`:
 * it logs with a reference id and shows the user that id.
 * @example
 * const handler = new UpdateHandler({ conversation, api, pacer, bot: me, log, ackWaitMs: 300 });
 * telegraf.use((ctx) => handler.accept(ctx.update));
 */
import { randomBytes } from 'node:crypto';
import type { Conversation, Inbound, Turn } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { errorCode, isTelegramError, type Counter, type TelegramApi } from './api.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { PacerClosedError, type Pacer, type PacedChat } from './pacer.ts';
import { RecentIds } from './recent-ids.ts';
import { renderMessage, renderMessages, renderTapTurn, renderToast, type OutgoingCall } from './render.ts';
import { readUpdate, updateKind, type BotIdentity, type TelegramChat, type TelegramEvent } from './to-inbound.ts';

export interface UpdateHandlerOptions {
  conversation: Conversation;
  api: TelegramApi;
  pacer: Pacer;
  bot: BotIdentity;
  log: Logger;
  metrics?: Counter;
  /** How long a tap's answer waits for the core's toast before answering without one. */
  ackWaitMs: number;
  /** Updates handled at once; more wait (and so slow the polling loop down). */
  maxInFlight?: number;
}

/** One update's bookkeeping, shared with `fail`. */
export interface Work {
  update: unknown;
  /** Set once answerCallbackQuery was sent: a query can be answered only once. */
  answered: boolean;
}

const newReference = () => randomBytes(4).toString('hex');

const pacedChat = (chat: TelegramChat): PacedChat => ({ id: chat.id, group: chat.type !== 'private' });

/** Resolves with the value if `promise` settles within `ms`, else with undefined (the promise goes on). */
function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise.then((value) => ({ value })), timeout]).finally(() => clearTimeout(timer));
}

export class UpdateHandler {
  private readonly seen = new RecentIds();
  private readonly turns = new KeyedQueue();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly maxInFlight: number;
  private readonly log: Logger;

  constructor(private readonly options: UpdateHandlerOptions) {
    this.maxInFlight = options.maxInFlight ?? 200;
    this.log = options.log;
  }

  /** Updates being handled (turns running or replies queued). */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Takes one update: a duplicate update_id is dropped; otherwise it is handled in the background.
   * Resolves once accepted (at once, unless `maxInFlight` updates are already being handled).
   */
  async accept(update: unknown): Promise<void> {
    const updateId = (update as { update_id?: unknown } | null)?.update_id;
    if (typeof updateId === 'number' && !this.seen.add(updateId)) {
      this.options.metrics?.increment('telegram_duplicate_updates_total');
      this.log.debug({ updateId }, 'duplicate update ignored');
      return;
    }
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    const work: Work = { update, answered: false };
    const running: Promise<void> = this.handle(work)
      .catch((error: unknown) => this.fail(error, work))
      .finally(() => {
        this.inFlight.delete(running);
        if (this.inFlight.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    this.inFlight.add(running);
  }

  /** Resolves true when nothing is being handled, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * The adapter's one catch: logs the failure with a reference id, then tells the user that id
   * (answering the tap if it is still unanswered). API failures (a chat that blocked the bot, a
   * 400) are logged only: telling the user would fail the same way.
   */
  async fail(error: unknown, work: Work): Promise<void> {
    const updateId = (work.update as { update_id?: unknown } | null)?.update_id;
    if (error instanceof PacerClosedError) {
      // Expected at shutdown; stop() logs how many were cut.
      this.log.debug({ updateId, kind: updateKind(work.update) }, 'reply dropped: shutting down');
      return;
    }
    const reference = newReference();
    const fields = { ref: reference, updateId, kind: updateKind(work.update), ...this.options.api.describe(error) };
    if (isTelegramError(error)) this.log.warn(fields, 'telegram api call failed while handling an update');
    else this.log.error(fields, 'telegram update failed');
    this.options.metrics?.increment('telegram_update_failures_total', { kind: isTelegramError(error) ? 'api' : 'internal' });
    const event = readUpdate(work.update, this.options.bot);
    if (!event) return;
    try {
      if (event.callback && !work.answered) await this.answer(work, event.callback.queryId, copy.failed(reference));
      else if (!isTelegramError(error)) await this.deliver([renderMessage({ text: copy.failed(reference) }, event.chat.id)], event.chat);
    } catch (notified) {
      this.log.debug({ ref: reference, ...this.options.api.describe(notified) }, 'could not tell the user about the failure');
    }
  }

  private async handle(work: Work): Promise<void> {
    const event = readUpdate(work.update, this.options.bot);
    this.options.metrics?.increment('telegram_updates_total', { kind: updateKind(work.update) });
    if (!event) {
      this.log.debug({ kind: updateKind(work.update) }, 'update ignored');
      return;
    }
    if (event.callback) return this.onTap(work, event, event.callback);
    if (event.inbound) return this.onMessage(event, event.inbound);
  }

  /** Turns of one user run in order; turns of different users side by side. */
  private turn(event: TelegramEvent, inbound: Inbound): Promise<Turn> {
    return this.turns.run(String(event.actorId), () => this.options.conversation.handle(inbound));
  }

  private async onMessage(event: TelegramEvent, inbound: Inbound): Promise<void> {
    const turn = await this.turn(event, inbound);
    const rendered = renderMessages(turn.messages, event.chat.id);
    this.report(rendered.problems);
    await this.deliver(rendered.calls, event.chat);
  }

  private async onTap(work: Work, event: TelegramEvent, callback: NonNullable<TelegramEvent['callback']>): Promise<void> {
    if (!event.inbound) {
      this.log.info({ updateId: event.updateId, reason: callback.rejected }, 'rejected callback data');
      await this.answer(work, callback.queryId, copy.expired());
      return;
    }
    const pending = this.turn(event, event.inbound);
    const early = await within(pending, this.options.ackWaitMs);
    // Ack first: the toast if the core was quick, else "Working on it…" so the spinner stops now.
    await this.answer(work, callback.queryId, early ? early.value.ack?.toast : copy.working());
    this.options.metrics?.increment('telegram_callback_answers_total', { withToast: early ? 'yes' : 'no' });
    const turn = early ? early.value : await pending;

    // A shared card in a group belongs to everyone: the tapper's choice is not shown on it.
    const editable = event.chat.type === 'private' ? callback.messageId : undefined;
    const rendered = renderTapTurn(turn, event.chat.id, editable);
    this.report(rendered.problems);
    if (rendered.edit) {
      const edit = rendered.edit;
      await this.options.pacer
        .run(pacedChat(event.chat), (again) => this.options.api.call('editMessageReplyMarkup', edit, again))
        .catch((error: unknown) => {
          // "message is not modified" (same keyboard) and "message to edit not found" are harmless.
          if (errorCode(error) !== 400) throw error;
          this.log.debug(this.options.api.describe(error), 'keyboard edit skipped');
        });
    }
    const calls = [...rendered.calls];
    // The toast came too late to be shown as one: when nothing else shows the outcome, say it.
    if (!early && rendered.toast && calls.length === 0 && !rendered.edit) calls.push(renderMessage({ text: rendered.toast }, event.chat.id));
    await this.deliver(calls, event.chat);
  }

  private async answer(work: Work, queryId: string, toast: string | undefined): Promise<void> {
    if (work.answered) return;
    work.answered = true;
    const text = renderToast(toast);
    try {
      await this.options.api.call('answerCallbackQuery', { callback_query_id: queryId, ...(text ? { text } : {}) });
    } catch (error) {
      // A query older than ~15 s can no longer be answered; nothing else to do about it.
      this.log.debug(this.options.api.describe(error), 'answerCallbackQuery failed');
    }
  }

  /**
   * Sends a turn's messages in order through the chat's paced lane. They are queued together, so
   * another turn's messages cannot interleave; after a failure the rest are skipped.
   */
  private async deliver(calls: readonly OutgoingCall[], chat: TelegramChat): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all(
      calls.map((call) =>
        this.options.pacer.run(pacedChat(chat), async (again) => {
          if (failures.length > 0) return;
          try {
            await this.send(call, again);
          } catch (error) {
            failures.push(error);
          }
        }),
      ),
    );
    if (failures.length > 0) throw failures[0];
  }

  private async send(call: OutgoingCall, again: (delayMs: number) => Promise<void>): Promise<void> {
    const { api } = this.options;
    if (call.method === 'sendMessage') {
      await api.call('sendMessage', call.payload, again);
      return;
    }
    try {
      await api.call('sendPhoto', call.payload, again);
    } catch (error) {
      // Blocked by the user (403) or still flooded (429): text would fail the same way.
      const code = errorCode(error);
      if (error instanceof PacerClosedError || code === 403 || code === 429) throw error;
      this.log.info(api.describe(error), 'poster could not be sent; sending the card as text');
      this.options.metrics?.increment('telegram_poster_fallbacks_total');
      await api.call('sendMessage', call.fallback.payload, again);
    }
  }

  private report(problems: readonly string[]): void {
    for (const problem of problems) this.log.error({ problem }, 'button left out of a Telegram message');
  }
}
