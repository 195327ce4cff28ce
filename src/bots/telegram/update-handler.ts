/**
 * What happens to one Telegram update, from intake to the last message sent (src/delivery/README.md):
 * 1. `accept` records it in the inbox and resolves: only then may the caller confirm it to Telegram
 *    (the polling offset moves, the webhook answers 200). When it cannot be recorded (the database
 *    is down), `accept` rejects, the user is told once, and Telegram delivers it again later.
 * 2. Its turn is queued in its chat's queue (ChatScheduler): a chat's backlog never holds up
 *    another chat, and a chat that sends more than its queue holds has the rest dropped, with one
 *    notice.
 * 3. The turn runs in one transaction with the update's completion and its replies (DeliveryStore
 *    .apply): a crash before the commit leaves the update pending (applied after a restart), after
 *    it leaves the replies in the outbox (sent after a restart). Never both, never twice.
 * 4. TelegramSender sends the replies, paced, and removes each from the outbox once sent.
 *
 * A tap (callback query) is answered FIRST and always: with the core's toast when the turn is done
 * within `ackWaitMs`, else with an empty answer (which stops the button's spinner) while the turn
 * goes on. A tap the adapter cannot read (no data, over 64 bytes) is answered "expired" and never
 * reaches the core.
 * @example
 * const handler = new UpdateHandler({ conversation, api, pacer, bot: me, log, ackWaitMs: 300, store, breaker });
 * await handler.accept(update); // recorded: safe to confirm
 */
import { randomBytes } from 'node:crypto';
import type { Conversation, Turn } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { StorageUnavailableError } from '../../core/ports/repositories.ts';
import { ChatScheduler } from '../../delivery/chat-scheduler.ts';
import type { OutageSpool } from '../../delivery/spool.ts';
import { TurnUndone, type DeliveryStore, type OutboxEntry, type UpdateKey } from '../../delivery/ports.ts';
import type { Counter, TelegramApi } from './api.ts';
import { TELEGRAM_REPLY_TTL_MS, TelegramSender, type TelegramOutgoing } from './outbox-sender.ts';
import type { Pacer, PacedChat } from './pacer.ts';
import { RecentIds } from './recent-ids.ts';
import { renderMessage, renderMessages, renderTapTurn, renderToast } from './render.ts';
import { readUpdate, updateKind, type BotIdentity, type TelegramChat, type TelegramEvent } from './to-inbound.ts';

/** What the handler needs to know of the database breaker (src/delivery/breaker.ts). */
export interface BreakerView {
  readonly isOpen: boolean;
  whenClosed(): Promise<void>;
}

export interface UpdateHandlerOptions {
  conversation: Conversation;
  api: TelegramApi;
  pacer: Pacer;
  bot: BotIdentity;
  log: Logger;
  metrics?: Counter;
  /** How long a tap's answer waits for the core's toast before answering without one. */
  ackWaitMs: number;
  store: DeliveryStore;
  breaker?: BreakerView;
  /** Turns running at once over all chats. */
  concurrency?: number;
  /** Turns queued per chat, and per member of a chat; beyond that updates are dropped with one notice. */
  maxQueuedPerChat?: number;
  maxQueuedPerActor?: number;
  /** How often work left by a crashed process is looked for, and replies' claims renewed. */
  sweepIntervalMs?: number;
  /** Pending updates older than this are taken over from any process (it may have died). */
  staleAfterMs?: number;
  /**
   * Where updates go while the database is down (src/delivery/spool.ts), so they can be confirmed
   * and later ones read. Without it they are not confirmed until they can be recorded.
   */
  spool?: OutageSpool;
}

/** One update's bookkeeping. */
interface Work {
  update: unknown;
  event: TelegramEvent;
  /** Set once answerCallbackQuery was sent: a query can be answered only once. */
  answered: boolean;
}

const PLATFORM = 'telegram';
const newReference = () => randomBytes(4).toString('hex');
const pacedChat = (chat: TelegramChat): PacedChat => ({ id: chat.id, group: chat.type !== 'private' });
const keyOf = (event: TelegramEvent): UpdateKey => ({ platform: PLATFORM, updateKey: String(event.updateId) });
/** A flood notice is sent at most this often per chat. */
const FLOOD_NOTICE_INTERVAL_MS = 60_000;
/** Done updates are kept this long, so a redelivery is still recognised. */
const INBOX_RETENTION_MS = 24 * 60 * 60_000;

export class UpdateHandler {
  private readonly seen = new RecentIds();
  private readonly toldUnavailable = new RecentIds();
  private readonly floodNoticeAt = new Map<number, number>();
  private readonly scheduler: ChatScheduler;
  readonly sender: TelegramSender;
  private readonly log: Logger;
  private sweepTimer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private closed = false;
  private replayScheduled = false;

  constructor(private readonly options: UpdateHandlerOptions) {
    this.log = options.log;
    this.scheduler = new ChatScheduler(
      { concurrency: options.concurrency ?? 8, maxQueuedPerChat: options.maxQueuedPerChat ?? 100, maxQueuedPerActor: options.maxQueuedPerActor ?? 10 },
      options.log,
    );
    this.sender = new TelegramSender({ api: options.api, pacer: options.pacer, store: options.store, log: options.log, ...(options.metrics ? { metrics: options.metrics } : {}) });
  }

  /** Turns queued or running, and replies not yet sent. */
  get pending(): number {
    return this.scheduler.pending + this.sender.pending;
  }

  /**
   * Records one update and queues its turn. Resolves once it is recorded (or needs no recording: a
   * duplicate, an update the bot ignores); rejects with StorageUnavailableError when it could not
   * be recorded, and the caller must then not confirm it.
   */
  async accept(update: unknown): Promise<void> {
    const event = readUpdate(update, this.options.bot);
    this.options.metrics?.increment('telegram_updates_total', { kind: updateKind(update) });
    if (!event) {
      this.log.debug({ kind: updateKind(update) }, 'update ignored');
      return;
    }
    if (this.seen.has(event.updateId)) {
      this.options.metrics?.increment('telegram_duplicate_updates_total');
      return;
    }
    const work: Work = { update, event, answered: false };
    if (event.callback && !event.inbound) {
      this.seen.add(event.updateId);
      this.log.info({ updateId: event.updateId, reason: event.callback.rejected }, 'rejected callback data');
      await this.answer(work, copy.expired());
      return;
    }
    let fresh: boolean;
    try {
      if (this.options.breaker?.isOpen) throw new StorageUnavailableError('storage unavailable: breaker open');
      fresh = await this.options.store.record({ platform: PLATFORM, updateKey: String(event.updateId), chatKey: String(event.chat.id), payload: JSON.stringify(update) });
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      this.tellUnavailable(work);
      if (!this.options.spool) throw error;
      // Kept on local disk instead, so it can be confirmed; handed back once the database answers.
      await this.options.spool.append(JSON.stringify(update)).catch((spoolError: unknown) => {
        this.log.error({ err: spoolError }, 'could not spool an update during the outage; it stays unconfirmed');
        throw error;
      });
      this.options.metrics?.increment('telegram_spooled_updates_total');
      this.replayWhenBack();
      return;
    }
    this.seen.add(event.updateId);
    if (!fresh) {
      this.options.metrics?.increment('telegram_duplicate_updates_total');
      this.log.debug({ updateId: event.updateId }, 'duplicate update ignored (already recorded)');
      return;
    }
    this.schedule(work);
  }

  /** Starts looking for work a crashed or stopped process left (now, then every `sweepIntervalMs`). */
  startRecovery(): void {
    const interval = this.options.sweepIntervalMs ?? 10_000;
    const sweep = async () => {
      this.sweepTimer = null;
      await this.recover().catch((error: unknown) => this.log.warn({ err: error }, 'could not look for unfinished deliveries'));
      if (!this.closed) {
        this.sweepTimer = setTimeout(() => void sweep(), interval);
        this.sweepTimer.unref();
      }
    };
    void sweep();
  }

  /** Once the database answers again, hands the spooled updates back (once per outage). */
  private replayWhenBack(): void {
    if (this.replayScheduled || !this.options.breaker) return;
    this.replayScheduled = true;
    void this.options.breaker.whenClosed().then(async () => {
      this.replayScheduled = false;
      if (!this.closed) await this.replaySpool();
    });
  }

  private async replaySpool(): Promise<void> {
    await this.options.spool?.replay((line) => this.accept(JSON.parse(line))).catch((error: unknown) => this.log.warn({ err: error }, 'could not replay spooled updates; retrying at the next sweep'));
  }

  /** Applies pending updates and sends unsent replies that no running process is looking after. */
  async recover(): Promise<void> {
    const { store } = this.options;
    if (this.options.breaker?.isOpen) return;
    await this.replaySpool();
    await store.renewLeases(PLATFORM);
    const { updates, messages } = await store.orphans(PLATFORM, this.options.staleAfterMs ?? 120_000);
    if (updates.length > 0 || messages.length > 0) this.log.info({ updates: updates.length, replies: messages.length }, 'taking over unfinished deliveries');
    for (const row of updates) {
      let update: unknown;
      try {
        update = JSON.parse(row.payload);
      } catch {
        update = null;
      }
      const event = readUpdate(update, this.options.bot);
      if (!event) {
        await store.drop([{ platform: PLATFORM, updateKey: row.updateKey }]);
        continue;
      }
      this.seen.add(event.updateId);
      // Its tap is long gone: no answerCallbackQuery.
      this.schedule({ update, event, answered: true });
    }
    this.sender.enqueue(messages);
    if (Date.now() - this.lastPrune > 60 * 60_000) {
      this.lastPrune = Date.now();
      const pruned = await store.prune(INBOX_RETENTION_MS);
      if (pruned > 0) this.log.debug({ pruned }, 'old inbox rows removed');
    }
  }

  /**
   * Stops: no new turns start (queued ones stay pending in the inbox), waits up to `turnsMs` for
   * running turns, then stops sending (unsent replies stay in the outbox) and gives both up to the
   * next process.
   */
  async stop(turnsMs: number, repliesMs: number): Promise<{ turnsCut: boolean; unsent: number }> {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    const queuedTurns = this.scheduler.pending;
    this.scheduler.close();
    const turnsDone = await this.scheduler.idle(turnsMs);
    await this.sender.idle(repliesMs);
    const unsent = this.sender.pending;
    await this.sender.close();
    await this.options.store.release(PLATFORM).catch((error: unknown) => this.log.warn({ err: error }, 'could not release unfinished deliveries; another process takes them over when they are stale'));
    return { turnsCut: !turnsDone || queuedTurns > 0, unsent };
  }

  private schedule(work: Work): void {
    const { event } = work;
    if (event.callback && !work.answered) {
      // Stop the button's spinner if the turn is slow; the toast then comes as a message if needed.
      setTimeout(() => void this.answer(work, copy.working()), this.options.ackWaitMs).unref();
    }
    const queued = this.scheduler.enqueue(String(event.chat.id), () => this.apply(work), String(event.actorId));
    if (!queued && !this.closed) void this.dropFlood(work);
  }

  private async apply(work: Work): Promise<void> {
    const { store } = this.options;
    const key = keyOf(work.event);
    try {
      const applied = await store.apply(key, async () => {
        const turn = await this.options.conversation.handle(work.event.inbound!);
        if (turn.outcome) throw new TurnUndone(turn);
        return { value: turn, outbox: this.outgoing(work, turn) };
      });
      if (!applied) return; // applied elsewhere, or dropped
      await this.answer(work, applied.value.ack?.toast);
      this.sender.enqueue(applied.outbox);
    } catch (error) {
      if (error instanceof StorageUnavailableError || (error instanceof TurnUndone && error.turn.outcome === 'unavailable')) {
        // Stays pending: applied again as soon as the database answers.
        this.tellUnavailable(work);
        if (this.options.breaker && !this.closed) void this.options.breaker.whenClosed().then(() => !this.closed && this.schedule(work));
        return;
      }
      if (error instanceof TurnUndone) {
        // The turn failed: its writes are undone, the apology is kept with the update's completion.
        const apology = await store.apply(key, () => Promise.resolve({ value: error.turn, outbox: this.outgoing(work, error.turn) })).catch(() => null);
        await this.answer(work, error.turn.ack?.toast);
        if (apology) this.sender.enqueue(apology.outbox);
        return;
      }
      await this.fail(error, work);
    }
  }

  /** The replies of a turn, as outbox entries. */
  private outgoing(work: Work, turn: Turn): OutboxEntry[] {
    const { event } = work;
    const chat = pacedChat(event.chat);
    const expiresAt = new Date(Date.now() + TELEGRAM_REPLY_TTL_MS);
    const entry = (call: TelegramOutgoing['call']): OutboxEntry => ({ chatKey: String(event.chat.id), payload: JSON.stringify({ chat, call } satisfies TelegramOutgoing), expiresAt });
    if (!event.callback) {
      const rendered = renderMessages(turn.messages, event.chat.id);
      this.report(rendered.problems);
      return rendered.calls.map(entry);
    }
    // A shared card in a group belongs to everyone: the tapper's choice is not shown on it.
    const editable = event.chat.type === 'private' ? event.callback.messageId : undefined;
    const rendered = renderTapTurn(turn, event.chat.id, editable);
    this.report(rendered.problems);
    const entries: OutboxEntry[] = [];
    if (rendered.edit) entries.push(entry({ method: 'editMessageReplyMarkup', payload: rendered.edit }));
    entries.push(...rendered.calls.map(entry));
    // The toast came too late to be shown as one: when nothing else shows the outcome, say it.
    if (work.answered && rendered.toast && rendered.calls.length === 0 && !rendered.edit) entries.push(entry(renderMessage({ text: rendered.toast }, event.chat.id)));
    return entries;
  }

  /** A chat's queue is full: the update is dropped (never applied), and the chat told once a minute. */
  private async dropFlood(work: Work): Promise<void> {
    const { event } = work;
    this.options.metrics?.increment('telegram_flood_dropped_total');
    await this.options.store.drop([keyOf(event)]).catch((error: unknown) => this.log.warn({ err: error }, 'could not mark a flooded update dropped'));
    if (event.callback) {
      await this.answer(work, copy.floodSkipped());
      return;
    }
    const last = this.floodNoticeAt.get(event.chat.id) ?? -Infinity;
    if (Date.now() - last < FLOOD_NOTICE_INTERVAL_MS) return;
    this.floodNoticeAt.set(event.chat.id, Date.now());
    if (this.floodNoticeAt.size > 10_000) this.floodNoticeAt.clear();
    this.log.warn({ chat: event.chat.id }, 'chat flooded: updates dropped');
    await this.sendDirect(event.chat, copy.floodSkipped());
  }

  /** "Temporarily unavailable", once per update (Telegram redelivers it until it is recorded). */
  private tellUnavailable(work: Work): void {
    const { event } = work;
    if (!this.toldUnavailable.add(event.updateId)) return;
    this.options.metrics?.increment('telegram_unavailable_replies_total');
    if (event.callback) void this.answer(work, copy.unavailableWillAnswer());
    else void this.sendDirect(event.chat, copy.unavailableWillAnswer());
  }

  /** A notice that is not a turn's reply, so not kept in the outbox: sent now or never. */
  private async sendDirect(chat: TelegramChat, text: string): Promise<void> {
    const { api, pacer } = this.options;
    const call = renderMessage({ text }, chat.id);
    const payload = call.method === 'sendMessage' ? call.payload : call.fallback.payload;
    await pacer.run(pacedChat(chat), (again) => api.call('sendMessage', payload, again)).catch((error: unknown) => this.log.debug(api.describe(error), 'notice not sent'));
  }

  /**
   * The adapter's one catch for what the core did not handle: logs with a reference id, tells the
   * user that id, and drops the update so it is not retried forever.
   */
  async fail(error: unknown, work: Work): Promise<void> {
    const reference = newReference();
    this.log.error({ ref: reference, updateId: work.event.updateId, kind: updateKind(work.update), ...this.options.api.describe(error) }, 'telegram update failed');
    this.options.metrics?.increment('telegram_update_failures_total', { kind: 'internal' });
    await this.options.store.drop([keyOf(work.event)]).catch(() => undefined);
    if (work.event.callback && !work.answered) await this.answer(work, copy.failed(reference));
    else await this.sendDirect(work.event.chat, copy.failed(reference));
  }

  private async answer(work: Work, toast: string | undefined): Promise<void> {
    const callback = work.event.callback;
    if (!callback || work.answered) return;
    work.answered = true;
    const text = renderToast(toast);
    try {
      await this.options.api.call('answerCallbackQuery', { callback_query_id: callback.queryId, ...(text ? { text } : {}) });
    } catch (error) {
      // A query older than ~15 s can no longer be answered; nothing else to do about it.
      this.log.debug(this.options.api.describe(error), 'answerCallbackQuery failed');
    }
  }

  private report(problems: readonly string[]): void {
    for (const problem of problems) this.log.error({ problem }, 'button left out of a Telegram message');
  }
}
