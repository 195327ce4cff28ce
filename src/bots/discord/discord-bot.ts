/**
 * The Discord glue: a discord.js client and one `interactionCreate` handler. Translation lives in
 * to-inbound.ts and render.ts; the commands in commands.ts; the product in the core; what happens
 * after the acknowledgement (inbox, turn, outbox, sending, recovery) in interaction-delivery.ts,
 * reply-plan.ts and outbox-sender.ts. This file only does Discord etiquette (STYLE.md C7, C11;
 * README.md):
 *
 * - Acknowledge first. Every command and every valid button press defers (`deferReply` /
 *   `deferUpdate`) before the core runs, because the core may touch the database or the models and
 *   Discord fails interactions not acknowledged within 3 s (10062). In a burst, turns start once
 *   the burst's acknowledgements are out (AckGate). Autocomplete and rejected input (forged
 *   custom_ids, unusable options) are answered at once, without the core.
 * - Acknowledge once. The same interaction delivered twice is handled once (recent ids are
 *   remembered here, interaction ids are the inbox's key across processes), and a failed or
 *   uncertain acknowledgement is never retried. A 40060 means another session acknowledged it
 *   first: that one answers it.
 * - Fail fast: while the database is known to be down (the breaker), commands and presses are
 *   answered "temporarily unavailable" at once, instead of being deferred.
 * - One catch per interaction: the failure is logged with a reference id that the user also sees,
 *   ephemerally; the process and the next interaction carry on. The client has an `error` listener.
 * - Interaction tokens never reach a log: errors are logged through `safeError`, which drops the
 *   request body and blanks the token in a DiscordAPIError's url.
 *
 * Identity: the acting user is always `interaction.user`. A press on someone else's public
 * message acts for the presser and answers them ephemerally; it never rewrites that message.
 * @example
 * const bot = await startDiscordBot({ conversation, config: config.discord, logger: log.child({ module: 'discord' }), metrics, delivery: { store, breaker } });
 * process.once('SIGTERM', () => void bot.stop());
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Options,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type RESTOptions,
} from 'discord.js';
import type { Config } from '../../config.ts';
import type { Conversation, Inbound } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { IdleSignal } from '../../shared/idle-signal.ts';
import { MemoryDeliveryStore } from '../../delivery/memory-store.ts';
import type { DeliveryStore } from '../../delivery/ports.ts';
import type { RunningChannel } from '../channel.ts';
import { COMMANDS, findCommand, MAX_SUGGESTIONS } from './commands.ts';
import { InteractionDelivery } from './interaction-delivery.ts';
import { DiscordSender } from './outbox-sender.ts';
import { renderToast, renderTurn, type DiscordMessage } from './render.ts';
import { NO_MENTIONS, type PendingInteraction } from './reply-plan.ts';
import { discordCode, redactTokens, safeError } from './safe-error.ts';
import { buttonToInbound, channelUserOf, commandToInbound, pressContext, type PressContext } from './to-inbound.ts';

export { redactTokens, safeError } from './safe-error.ts';

/** The counters the bot increments (main.ts passes its `/metrics` registry). */
export interface Metrics {
  increment(name: string, labels?: Record<string, string>, by?: number): void;
}

export interface DiscordBotOptions {
  conversation: Conversation;
  config: NonNullable<Config['discord']>;
  logger: Logger;
  metrics?: Metrics;
  /** How long login may take before startup fails (default 30 s). */
  readyTimeoutMs?: number;
  /** How long stop() waits for interactions being answered (default 3 s; main.ts must exit within 8 s). */
  drainMs?: number;
  /** Extra discord.js REST options (tests shorten timeouts). */
  rest?: Partial<RESTOptions>;
  /**
   * The inbox and outbox (README.md, Delivery). main.ts passes the database's, with its breaker;
   * default: in memory (nothing survives the process).
   */
  delivery?: {
    store: DeliveryStore;
    breaker?: { readonly isOpen: boolean };
    /** How often work another process left is looked for (default 10 s). */
    sweepIntervalMs?: number;
    /** Pending interactions older than this are taken over from any process (default 2 min). */
    staleAfterMs?: number;
    /** First pause before a failed webhook call is tried again (default 1 s, doubling). */
    retryDelayMs?: number;
  };
}

export interface RunningDiscordBot extends RunningChannel {
  readonly name: 'discord';
  readonly client: Client;
  /** Interactions received from the gateway so far, duplicates included. */
  readonly received: number;
  /** Resolves when no interaction is being handled. */
  idle(): Promise<void>;
}

/** Discord: "Interaction has already been acknowledged" (here: by another session it was delivered to). */
const ALREADY_ACKNOWLEDGED = 40060;
/** Interaction ids remembered against redelivery: at most this many, for the 15 minutes a token lives. */
const RECENT_IDS_MAX = 10_000;
const RECENT_IDS_MS = 15 * 60_000;
/** How long a deferred turn waits for other interactions' acknowledgements to go out (AckGate). */
const ACK_PRIORITY_MAX_WAIT_MS = 250;
/** discord.js's client-side global request budget; see the comment where the client is built. */
const INTERACTION_REQUESTS_PER_SECOND = 250;
/** How long stop() and a failed start wait for the gateway to close. */
const DESTROY_WAIT_MS = 2_000;

/**
 * Waits for `work` (errors ignored) at most `ms`. For client.destroy(): @discordjs/ws 1.2 never
 * settles it while a shard is waiting for READY or RESUMED (it reconnects instead), so shutdown
 * must not hang on it. tests/bots/discord/startup.test.ts covers the stuck-gateway case.
 */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function reference(): string {
  return randomBytes(4).toString('hex');
}

type AckState = 'none' | 'pending' | 'done' | 'failed';

/**
 * Acknowledgements before core work. Core turns run on this event loop (database drivers, model
 * scoring), and while one computes, no other request leaves the process. So when a burst of
 * interactions arrives, each turn waits until no acknowledgement is in flight (or at most
 * ACK_PRIORITY_MAX_WAIT_MS) before it starts: the whole burst is deferred first.
 */
class AckGate {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  async track<T>(send: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await send();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Resolves when no acknowledgement is in flight, or after `maxWaitMs`. */
  clear(maxWaitMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * Answers one interaction and remembers how, so nothing is acknowledged twice and a failure is
 * reported where the user will see it.
 */
class Responder {
  private ack: AckState = 'none';
  private mode: 'reply' | 'update' = 'reply';
  private ephemeralReply = false;
  /** The deferred reply has been replaced by real content (or deleted). */
  private originalSettled = false;

  constructor(
    private readonly interaction: Interaction,
    private readonly gate: AckGate,
  ) {}

  get acknowledged(): AckState {
    return this.ack;
  }

  private async acknowledge(send: () => Promise<unknown>): Promise<void> {
    if (this.ack !== 'none') throw new Error(`interaction already acknowledged (${this.ack})`);
    this.ack = 'pending';
    try {
      await this.gate.track(send);
      this.ack = 'done';
    } catch (error) {
      // The request may have reached Discord: never acknowledge again (40060).
      this.ack = 'failed';
      throw error;
    }
  }

  deferReply(interaction: ChatInputCommandInteraction, ephemeral: boolean): Promise<void> {
    this.mode = 'reply';
    this.ephemeralReply = ephemeral;
    return this.acknowledge(() => interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {}));
  }

  deferUpdate(interaction: ButtonInteraction): Promise<void> {
    this.mode = 'update';
    return this.acknowledge(() => interaction.deferUpdate());
  }

  /** Answers at once, without deferring: for replies that need neither the core nor the database. */
  replyNow(message: DiscordMessage): Promise<void> {
    const interaction = this.interaction;
    if (!interaction.isRepliable()) return Promise.resolve();
    this.mode = 'reply';
    this.ephemeralReply = message.ephemeral;
    this.originalSettled = true;
    return this.acknowledge(() => interaction.reply(replyOptions(message)));
  }

  private async followUp(message: DiscordMessage): Promise<void> {
    await this.repliable().followUp(replyOptions(message));
  }

  /** Tells the user something went wrong, ephemerally, without a second acknowledgement. */
  async failure(text: string): Promise<'told' | 'not told'> {
    const interaction = this.interaction;
    if (interaction.isAutocomplete()) {
      if (!interaction.responded && this.ack === 'none') await interaction.respond([]);
      return 'not told';
    }
    if (!interaction.isRepliable()) return 'not told';
    const message = renderToast(text);
    if (this.ack === 'none') {
      await this.replyNow(message);
      return 'told';
    }
    // A failed or unanswered acknowledgement: whatever we send now may be a second one.
    if (this.ack !== 'done') return 'not told';
    if (this.mode === 'reply' && !this.originalSettled) {
      this.originalSettled = true;
      if (this.ephemeralReply) {
        await interaction.editReply(editOptions(message));
        return 'told';
      }
      await interaction.deleteReply();
    }
    await this.followUp(message);
    return 'told';
  }

  private repliable(): ChatInputCommandInteraction | ButtonInteraction {
    const interaction = this.interaction;
    if (!interaction.isChatInputCommand() && !interaction.isButton()) throw new Error('not a command or button interaction');
    return interaction;
  }
}

function replyOptions(message: DiscordMessage): InteractionReplyOptions {
  return {
    ...(message.content !== undefined ? { content: message.content } : {}),
    embeds: message.embeds,
    components: message.components,
    allowedMentions: NO_MENTIONS,
    ...(message.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

function editOptions(message: DiscordMessage): InteractionEditReplyOptions {
  return { content: message.content ?? '', embeds: message.embeds, components: message.components, allowedMentions: NO_MENTIONS };
}

function kindOf(interaction: Interaction): string {
  if (interaction.isChatInputCommand()) return 'command';
  if (interaction.isButton()) return 'button';
  if (interaction.isAutocomplete()) return 'autocomplete';
  return 'other';
}

/** Interaction ids seen recently, so a redelivered interaction is handled once. */
class RecentIds {
  private readonly seen = new Map<string, number>();

  /** True the first time an id is offered (within 15 minutes, the life of an interaction token). */
  firstTime(id: string, now = Date.now()): boolean {
    for (const [old, at] of this.seen) {
      if (this.seen.size < RECENT_IDS_MAX && now - at < RECENT_IDS_MS) break;
      this.seen.delete(old);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}

class InteractionHandler {
  received = 0;
  private inFlight = 0;
  private readonly drained = new IdleSignal(() => this.inFlight === 0);
  private readonly recent = new RecentIds();
  private readonly acks = new AckGate();

  constructor(
    private readonly conversation: Conversation,
    private readonly delivery: InteractionDelivery,
    private readonly log: Logger,
    private readonly metrics: Metrics | undefined,
  ) {}

  /** The `interactionCreate` listener: synchronous bookkeeping, then one tracked async run. */
  onInteraction(interaction: Interaction): void {
    this.received++;
    if (!this.recent.firstTime(interaction.id)) {
      this.log.warn({ interactionId: interaction.id }, 'duplicate interaction delivery ignored');
      this.metrics?.increment('discord_duplicate_interactions_total');
      return;
    }
    if (interaction.user.bot) return;
    this.metrics?.increment('discord_interactions_total', { kind: kindOf(interaction) });
    this.inFlight++;
    void this.run(interaction).finally(() => {
      this.inFlight--;
      this.drained.check();
    });
  }

  idle(timeoutMs?: number): Promise<boolean> {
    return this.drained.wait(timeoutMs);
  }

  get pending(): number {
    return this.inFlight;
  }

  /** The one catch for everything an interaction does (STYLE.md C7). */
  private async run(interaction: Interaction): Promise<void> {
    const responder = new Responder(interaction, this.acks);
    const started = Date.now();
    try {
      if (interaction.isAutocomplete()) await this.onAutocomplete(interaction);
      else if (interaction.isChatInputCommand()) await this.onCommand(interaction, responder);
      else if (interaction.isButton()) await this.onButton(interaction, responder);
      // Menus, modals and context commands: this bot never creates them.
      else if (interaction.isRepliable()) await responder.replyNow(renderToast(copy.expired()));
    } catch (error) {
      if (responder.acknowledged === 'failed' && discordCode(error) === ALREADY_ACKNOWLEDGED) {
        // Delivered to another session too, which acknowledged it first: that one answers it.
        this.log.warn({ interactionId: interaction.id }, 'duplicate interaction delivery ignored (acknowledged elsewhere)');
        this.metrics?.increment('discord_duplicate_interactions_total');
        return;
      }
      const ref = reference();
      this.metrics?.increment('discord_interaction_failures_total', { kind: kindOf(interaction) });
      this.log.error(
        { err: safeError(error), discordCode: discordCode(error), reference: ref, interactionId: interaction.id, kind: kindOf(interaction), ack: responder.acknowledged, ms: Date.now() - started },
        'discord interaction failed',
      );
      const outcome = await responder.failure(copy.failed(ref)).catch((failure: unknown) => {
        this.log.warn({ err: safeError(failure), reference: ref, interactionId: interaction.id }, 'could not report the failure to the user');
        return 'not told' as const;
      });
      this.log.debug({ reference: ref, outcome }, 'failure reported');
    }
  }

  /** Answered at once, without deferring (autocomplete cannot be deferred): the core only reads its in-memory catalog. */
  private async onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.data.find((option) => option.focused === true);
    const typed = typeof focused?.value === 'string' ? focused.value : '';
    const autocomplete = findCommand(interaction.commandName)?.autocomplete;
    const choices = autocomplete ? await autocomplete(typed, { conversation: this.conversation, user: channelUserOf(interaction.user) }) : [];
    await interaction.respond(choices.slice(0, MAX_SUGGESTIONS));
  }

  private async onCommand(interaction: ChatInputCommandInteraction, responder: Responder): Promise<void> {
    const command = commandToInbound(interaction, COMMANDS);
    if (!command) {
      // Unknown command or options Discord's client would not send: help, without the core.
      this.log.info({ command: interaction.commandName.slice(0, 32), interactionId: interaction.id }, 'unusable slash command');
      const known = findCommand(interaction.commandName) !== undefined;
      const text = known ? copy.help() : `${copy.unknownCommand(`/${interaction.commandName.slice(0, 32)}`)}\n${copy.help()}`;
      await responder.replyNow({ ...renderTurn({ messages: [{ text }] })[0]!, ephemeral: true });
      return;
    }
    if (this.delivery.unavailable) {
      await this.answerUnavailable(responder);
      return;
    }
    await responder.deferReply(interaction, command.ephemeral);
    await this.acks.clear(ACK_PRIORITY_MAX_WAIT_MS);
    await this.deliver(interaction, responder, command.inbound, { mode: 'reply', ephemeralReply: command.ephemeral });
  }

  private async onButton(interaction: ButtonInteraction, responder: Responder): Promise<void> {
    const inbound = buttonToInbound(interaction);
    if (!inbound) {
      this.log.info({ interactionId: interaction.id, customIdLength: interaction.customId.length }, 'rejected button custom_id');
      this.metrics?.increment('discord_rejected_custom_ids_total');
      await responder.replyNow(renderToast(copy.expired()));
      return;
    }
    if (this.delivery.unavailable) {
      await this.answerUnavailable(responder);
      return;
    }
    const press = pressContext(interaction);
    await responder.deferUpdate(interaction);
    await this.acks.clear(ACK_PRIORITY_MAX_WAIT_MS);
    await this.deliver(interaction, responder, inbound, { mode: 'update', ephemeralReply: false, press });
  }

  /** The database is known to be down: "temporarily unavailable" at once, as the acknowledgement itself. */
  private async answerUnavailable(responder: Responder): Promise<void> {
    this.metrics?.increment('discord_unavailable_replies_total');
    await responder.replyNow(renderToast(copy.unavailable()));
  }

  /** After the acknowledgement: inbox, turn, outbox (interaction-delivery.ts). */
  private deliver(
    interaction: ChatInputCommandInteraction | ButtonInteraction,
    responder: Responder,
    inbound: Inbound,
    how: { mode: PendingInteraction['mode']; ephemeralReply: boolean; press?: PressContext },
  ): Promise<void> {
    const pending: PendingInteraction = {
      v: 1,
      interactionId: interaction.id,
      applicationId: interaction.applicationId,
      token: interaction.token,
      createdTimestamp: interaction.createdTimestamp,
      inbound,
      mode: how.mode,
      ephemeralReply: how.ephemeralReply,
      ...(how.press ? { press: how.press } : {}),
    };
    return this.delivery.handle(pending, interaction.channelId ?? interaction.id, (text) => responder.failure(text));
  }
}

/**
 * Logs in and resolves once the gateway session is ready. main.ts calls this only after the
 * configuration and the database were checked, so a crash loop never spends IDENTIFYs.
 * Registers no commands (that is `npm run discord:register`).
 */
export async function startDiscordBot(options: DiscordBotOptions): Promise<RunningDiscordBot> {
  const { config, logger: log, metrics } = options;
  const client = new Client({
    // Interactions arrive without any intent; Guilds keeps guild and channel objects for them.
    intents: [GatewayIntentBits.Guilds],
    rest: {
      ...(config.apiRoot ? { api: config.apiRoot } : {}),
      // Discord exempts interaction endpoints from the 50 requests/s global limit, but discord.js's
      // client-side limiter counts them: a burst of 50 /feel (6 messages each) would queue its
      // follow-ups for 6 s. Every request this bot makes is an interaction callback or webhook
      // except GET /gateway/bot at login; real 429s are still honoured from their headers.
      globalRequestsPerSecond: INTERACTION_REQUESTS_PER_SECOND,
      ...options.rest,
    },
    allowedMentions: NO_MENTIONS,
    // The bot reads no message history: don't keep messages in memory.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });
  const store = options.delivery?.store ?? new MemoryDeliveryStore();
  const sender = new DiscordSender({
    rest: client.rest,
    store,
    log,
    ...(metrics ? { metrics } : {}),
    ...(options.delivery?.retryDelayMs !== undefined ? { retryDelayMs: options.delivery.retryDelayMs } : {}),
  });
  const delivery = new InteractionDelivery({
    conversation: options.conversation,
    store,
    sender,
    log,
    ...(options.delivery?.breaker ? { breaker: options.delivery.breaker } : {}),
    ...(metrics ? { metrics } : {}),
    ...(options.delivery?.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.delivery.sweepIntervalMs } : {}),
    ...(options.delivery?.staleAfterMs !== undefined ? { staleAfterMs: options.delivery.staleAfterMs } : {}),
  });
  const handler = new InteractionHandler(options.conversation, delivery, log, metrics);
  let status = 'connecting';
  let stopped = false;

  // discord.js sends errors from async listeners here; with no listener the process would die.
  client.on(Events.Error, (error) => log.error({ err: safeError(error) }, 'discord client error'));
  client.on(Events.Warn, (message) => log.warn({ detail: redactTokens(message) }, 'discord client warning'));
  client.on(Events.ShardError, (error, shardId) => log.warn({ err: safeError(error), shardId }, 'discord gateway connection error'));
  client.on(Events.ShardReconnecting, (shardId) => {
    if (stopped) return;
    status = 'reconnecting';
    log.info({ shardId }, 'discord gateway reconnecting');
  });
  client.on(Events.ShardResume, () => {
    if (!stopped) status = 'connected';
  });
  client.on(Events.ShardReady, () => {
    if (!stopped) status = 'connected';
  });
  client.on(Events.ShardDisconnect, (event, shardId) => {
    if (stopped) return;
    status = 'disconnected';
    log.error({ shardId, code: event.code }, 'discord gateway closed for good');
  });
  client.rest.on('rateLimited', (info) => log.warn({ route: redactTokens(info.route), global: info.global, retryAfterMs: info.retryAfter }, 'discord rate limit'));
  client.on(Events.InteractionCreate, (interaction) => handler.onInteraction(interaction));

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), readyTimeoutMs);
  try {
    // Both or neither: login can hang (a gateway that never sends READY), the timeout cuts it.
    await Promise.all([client.login(config.token), once(client, Events.ClientReady, { signal: abort.signal })]);
  } catch (error) {
    // The caller exits on this error; see settleWithin for why destroy() is not awaited fully.
    await settleWithin(client.destroy(), DESTROY_WAIT_MS);
    if (abort.signal.aborted) throw new Error(`Discord: the gateway session was not ready within ${readyTimeoutMs} ms`, { cause: error });
    // Login talks to GET /gateway/bot only: no interaction token can be in this error.
    const safe = safeError(error);
    log.error({ err: safe }, 'discord login failed');
    throw new Error(`Discord login failed: ${safe['message'] as string}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  status = 'connected';
  log.info({ user: client.user?.id, guilds: client.guilds.cache.size, commands: COMMANDS.map((c) => c.data.name) }, 'discord connected');
  // Answers and interactions a stopped or crashed process left, while their tokens live.
  delivery.startRecovery();

  return {
    name: 'discord',
    client,
    get received() {
      return handler.received;
    },
    status: () => status,
    async idle() {
      // Interactions being handled, then what they queued for sending (recovery included).
      do {
        await handler.idle();
        await delivery.idle();
        await sender.idle();
      } while (handler.pending > 0 || delivery.pending > 0 || sender.pending > 0);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      status = 'stopped';
      // Closing the gateway stops intake. Answers in flight still go out: interaction callbacks and
      // webhooks are authorised by the interaction token, not by the bot's, which destroy() drops.
      await settleWithin(client.destroy(), DESTROY_WAIT_MS);
      const deadline = Date.now() + (options.drainMs ?? 3_000);
      const drained = await handler.idle(options.drainMs ?? 3_000);
      // What is still running or unsent stays in the inbox and outbox for the next process.
      const { cut, unsent } = await delivery.stop(Math.max(0, deadline - Date.now()));
      if (!drained || cut || unsent > 0) log.warn({ inFlight: handler.pending, unsentReplies: unsent }, 'discord work left at shutdown: it stays in the inbox and outbox for the next start');
      log.info({}, 'discord stopped');
    },
  };
}
