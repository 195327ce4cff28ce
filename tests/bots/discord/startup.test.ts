/**
 * Starting and stopping the Discord channel, with a stub conversation (no database): login
 * failures surface as startup errors without leaking the token; stop() closes the gateway and
 * reports it; metrics count what happened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordBot, type RunningDiscordBot } from '../../../src/bots/discord/discord-bot.ts';
import type { Conversation, Inbound, Turn } from '../../../src/core/conversation/turn.ts';
import { FakeDiscord, fakeUser } from '../../fakes/discord/fake-discord.ts';
import { CaptureLogger } from './support.ts';

class StubConversation implements Conversation {
  readonly inputs: Inbound[] = [];
  handle(input: Inbound): Promise<Turn> {
    this.inputs.push(input);
    return Promise.resolve({ messages: [{ text: `you said ${input.kind}` }] });
  }
}

class CountingMetrics {
  readonly counts = new Map<string, number>();
  increment(name: string, labels: Record<string, string> = {}): void {
    const key = `${name}${JSON.stringify(labels)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

let fake: FakeDiscord | undefined;
let bot: RunningDiscordBot | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await fake?.close();
  fake = undefined;
});

describe('startDiscordBot', () => {
  it('GIVEN a token Discord refuses THEN startup fails before any IDENTIFY, and the token is in neither the error nor the log', async () => {
    fake = await FakeDiscord.start();
    const log = new CaptureLogger();
    const token = 'MTMw.REFUSED-TOKEN-MARKER.abc';
    const error = await startDiscordBot({ conversation: new StubConversation(), config: { token, appId: fake.appId, apiRoot: fake.apiRoot }, logger: log }).then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : new Error('not an Error')),
    );
    expect(error?.message).toMatch(/^Discord login failed/);
    expect(fake.gatewayBotCalls).toBe(1);
    expect(fake.identifies).toEqual([]);
    expect(`${error?.message}\n${error?.stack}\n${log.text()}`).not.toContain(token);
  });

  it('GIVEN a gateway that never sends READY THEN startup fails after the ready timeout instead of hanging', async () => {
    fake = await FakeDiscord.start({ answerIdentify: false });
    const started = startDiscordBot({ conversation: new StubConversation(), config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot }, logger: new CaptureLogger(), readyTimeoutMs: 500 });
    await expect(started).rejects.toThrow(/not ready within 500 ms/);
    expect(fake.identifies.length).toBeGreaterThanOrEqual(1);
  });

  it('GIVEN a running bot THEN connected with no command registration, commands reach the conversation as the user, metrics count them, client errors are logged; AFTER stop() the gateway is closed', async () => {
    fake = await FakeDiscord.start();
    const conversation = new StubConversation();
    const metrics = new CountingMetrics();
    const log = new CaptureLogger();
    bot = await startDiscordBot({ conversation, config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot }, logger: log, metrics });
    expect(bot.status()).toBe('connected');
    expect(fake.connectedSessions).toBe(1);
    // Registration is `npm run discord:register`, never part of starting.
    expect(fake.commandRegistrations).toEqual([]);

    const help = fake.slash('help', [], { user: fakeUser('1200000000000000042', 'Zoe') });
    await fake.waitFor(() => help.edits.length === 1);
    await bot.idle();
    expect(conversation.inputs).toEqual([{ kind: 'command', name: 'help', args: '', user: { platform: 'discord', platformUserId: '1200000000000000042', displayName: 'Zoe' } }]);
    expect(help.edits[0]!.content).toBe('you said command');
    expect(metrics.counts.get('discord_interactions_total{"kind":"command"}')).toBe(1);

    // discord.js routes errors from async listeners to `error`; with a listener the process lives on.
    bot.client.emit('error', new Error('listener blew up'));
    expect(log.find('discord client error')).toHaveLength(1);

    await bot.stop();
    await bot.stop();
    expect(bot.status()).toBe('stopped');
    await fake.waitFor(() => fake!.connectedSessions === 0, 2000, 'gateway closed');
  });
});
