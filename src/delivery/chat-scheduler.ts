/**
 * Fair scheduling of turns (RELIABILITY.md, floods): each chat has its own FIFO queue, run one job
 * at a time, and at most `concurrency` jobs run over all chats, taken round-robin from the chats
 * that have work. A chat's queue holds at most `maxQueuedPerChat` jobs: beyond that `enqueue`
 * refuses, and the caller drops the update with one notice. So one chat's backlog (a group flood,
 * a slow lane) never holds more than one slot, and another chat's turn starts as soon as a slot
 * frees. Within a chat, one member may have at most `maxQueuedPerActor` jobs waiting: a flooder's
 * excess is refused while the rest of a busy group (movie night: everyone taps at once) is not.
 * Replies are not sent here: the outbox sender paces them, so pacing never holds a slot.
 * @example
 * const scheduler = new ChatScheduler({ concurrency: 8, maxQueuedPerChat: 100, maxQueuedPerActor: 10 }, log);
 * if (!scheduler.enqueue('42', () => applyUpdate(row), '7')) dropWithNotice(row);
 */
import type { Logger } from '../core/ports/logger.ts';
import { IdleSignal } from '../shared/idle-signal.ts';

export interface SchedulerOptions {
  /** Jobs running at once over all chats. */
  concurrency: number;
  /** Jobs queued per chat (the running one not counted); more are refused. */
  maxQueuedPerChat: number;
  /** Jobs queued per member of a chat; more of theirs are refused. */
  maxQueuedPerActor?: number;
}

interface ChatQueue {
  jobs: Array<{ run: () => Promise<void>; actor: string | undefined }>;
  running: boolean;
  /** Queued jobs per actor. */
  byActor: Map<string, number>;
}

export class ChatScheduler {
  private readonly chats = new Map<string, ChatQueue>();
  /** Chats with queued work and nothing running, in the order they became ready. */
  private readonly ready: string[] = [];
  private running = 0;
  private queued = 0;
  private closed = false;
  private readonly drained = new IdleSignal(() => this.pending === 0);

  constructor(
    private readonly options: SchedulerOptions,
    private readonly log: Logger,
  ) {}

  /** Jobs queued or running. */
  get pending(): number {
    return this.queued + this.running;
  }

  /**
   * Queues `job` in its chat, for `actor` (who sent it); false when that chat's queue, or that
   * actor's share of it, is full, or the scheduler is closed.
   */
  enqueue(chatKey: string, job: () => Promise<void>, actor?: string): boolean {
    if (this.closed) return false;
    let chat = this.chats.get(chatKey);
    if (!chat) {
      chat = { jobs: [], running: false, byActor: new Map() };
      this.chats.set(chatKey, chat);
    }
    if (chat.jobs.length >= this.options.maxQueuedPerChat) return false;
    if (actor !== undefined) {
      const queued = chat.byActor.get(actor) ?? 0;
      if (queued >= (this.options.maxQueuedPerActor ?? Infinity)) return false;
      chat.byActor.set(actor, queued + 1);
    }
    chat.jobs.push({ run: job, actor });
    this.queued++;
    if (!chat.running && chat.jobs.length === 1) this.ready.push(chatKey);
    this.pump();
    return true;
  }

  /** Starts no more jobs; queued ones are forgotten (their updates stay pending in the inbox). */
  close(): void {
    this.closed = true;
    this.queued = 0;
    this.ready.length = 0;
    for (const [key, chat] of this.chats) {
      chat.jobs.length = 0;
      chat.byActor.clear();
      if (!chat.running) this.chats.delete(key);
    }
    this.drained.check();
  }

  /** Resolves true once nothing runs or is queued, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    return this.drained.wait(timeoutMs);
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency && this.ready.length > 0) {
      const chatKey = this.ready.shift()!;
      const chat = this.chats.get(chatKey);
      const job = chat?.jobs.shift();
      if (!chat || !job) continue;
      if (job.actor !== undefined) {
        const left = (chat.byActor.get(job.actor) ?? 1) - 1;
        if (left > 0) chat.byActor.set(job.actor, left);
        else chat.byActor.delete(job.actor);
      }
      this.queued--;
      chat.running = true;
      this.running++;
      void job
        .run()
        .catch((error: unknown) => this.log.error({ err: error, chat: chatKey }, 'delivery job failed'))
        .finally(() => {
          this.running--;
          chat.running = false;
          if (chat.jobs.length > 0 && !this.closed) this.ready.push(chatKey);
          else if (chat.jobs.length === 0) this.chats.delete(chatKey);
          this.pump();
          this.drained.check();
        });
    }
  }
}
