/**
 * Starts the real Telegram adapter (startTelegramBot: telegraf, polling or webhook) against the
 * fake Bot API, on the core conversation wired over in-memory fakes (tests/core/support.ts), with
 * a logger that records every entry. Pacing is shortened unless a test is about pacing: the
 * production limits (1 message/s per chat) would make each /feel take 6 s; pacer.test.ts checks
 * them with fake timers, and the 429 test runs on them. Taps wait up to 1 s for the core's toast.
 */
import type { Conversation, Inbound, Turn } from '../../../src/core/conversation/turn.ts';
import { startTelegramBot, type TelegramChannel, type TelegramTuning } from '../../../src/bots/telegram/telegram-bot.ts';
import type { HttpRoutes } from '../../../src/bots/telegram/webhook.ts';
import type { Logger } from '../../../src/core/ports/logger.ts';
import { recordingLogger } from '../../core/support.ts';
import type { FakeBotApi } from './fake-bot-api.ts';

export const TOKEN = '123456:TEST-token_for_the_fake_api';

export const FAST_TUNING: Partial<TelegramTuning> = {
  // Generous, so a loaded CI machine still shows the core's toast on fast turns (production: 300 ms).
  ackWaitMs: 1_000,
  pacing: { perChatIntervalMs: 5, groupMessages: 1_000, groupWindowMs: 60_000, globalMessages: 1_000, globalWindowMs: 1_000 },
  retryBackoffMs: 50,
  maxRetryBackoffMs: 200,
  stopTimeoutMs: 2_000,
  startAttempts: 1,
};

export interface StartOptions {
  logger?: Logger;
  tuning?: Partial<TelegramTuning>;
  token?: string;
  webhook?: { url: string; secret: string };
  http?: HttpRoutes;
  forcePolling?: boolean;
}

export function startBot(api: FakeBotApi, conversation: Conversation, options: StartOptions = {}): Promise<TelegramChannel> {
  return startTelegramBot({
    conversation,
    config: { token: options.token ?? TOKEN, apiRoot: api.url, webhook: options.webhook ?? null, forcePolling: options.forcePolling ?? false },
    logger: options.logger ?? recordingLogger(),
    http: options.http ?? null,
    tuning: { ...FAST_TUNING, ...options.tuning },
  });
}

/** A conversation wrapper that records every inbound and can slow turns down. */
export class SpyConversation implements Conversation {
  readonly inbound: Inbound[] = [];
  /** performance.now() when each turn finished. */
  readonly finished: number[] = [];

  constructor(
    private readonly inner: Conversation,
    private readonly delayMs: (input: Inbound) => number = () => 0,
  ) {}

  async handle(input: Inbound): Promise<Turn> {
    this.inbound.push(input);
    const delay = this.delayMs(input);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const turn = await this.inner.handle(input);
    this.finished.push(performance.now());
    return turn;
  }
}
