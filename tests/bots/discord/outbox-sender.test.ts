/**
 * DiscordSender on its own (src/bots/discord/outbox-sender.ts): a scripted REST stand-in and the
 * in-memory store. Order within an interaction, independence between interactions, retries,
 * expiry, dead tokens and refused bodies, and what close() leaves in the outbox.
 */
import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordSender, type WebhookRest } from '../../../src/bots/discord/outbox-sender.ts';
import { planReplies, toOutboxEntries, type PendingInteraction } from '../../../src/bots/discord/reply-plan.ts';
import type { Turn } from '../../../src/core/conversation/turn.ts';
import { MemoryDeliveryStore } from '../../../src/delivery/memory-store.ts';
import type { OutboxMessage } from '../../../src/delivery/ports.ts';
import { CaptureLogger } from './support.ts';

const APP = '1300000000000000000';
const user = { platform: 'discord' as const, platformUserId: '1200000000000000001', displayName: 'Ana' };

interface Call {
  method: 'patch' | 'delete' | 'post';
  route: string;
  body: unknown;
  auth: unknown;
}

type Behaviour = (call: Call) => Promise<unknown>;

/** A REST stand-in: records calls; `script` decides each answer (default: success). */
class ScriptedRest {
  readonly calls: Call[] = [];
  script: Behaviour = () => Promise.resolve({});
  private make(method: Call['method']) {
    return (route: string, options: { body?: unknown; auth?: unknown } = {}) => {
      const call = { method, route, body: options.body, auth: options.auth };
      this.calls.push(call);
      return this.script(call);
    };
  }
  readonly api = { patch: this.make('patch'), delete: this.make('delete'), post: this.make('post') } as unknown as WebhookRest;
}

const apiError = (status: number, code: number, route: string) =>
  new DiscordAPIError({ code, message: `error ${code}` }, code, status, 'POST', `https://discord.com/api/v10${route}?wait=true`, { body: { content: 'secret words' }, files: undefined });

let interactionCounter = 0;
function interaction(overrides: Partial<PendingInteraction> = {}): PendingInteraction {
  interactionCounter++;
  return {
    v: 1,
    interactionId: String(1300000000000000100n + BigInt(interactionCounter)),
    applicationId: APP,
    token: `aW50ZXJhY3Rpb246${'t'.repeat(10)}${interactionCounter}`,
    createdTimestamp: Date.now(),
    inbound: { kind: 'command', name: 'feel', args: 'happy', user },
    mode: 'reply',
    ephemeralReply: false,
    ...overrides,
  };
}

const threeMessages: Turn = { messages: [{ text: 'one', choices: [[{ label: 'a', payload: 'f1|n|a' }]] }, { text: 'two', choices: [[{ label: 'b', payload: 'f1|n|b' }]] }, { text: 'three', choices: [[{ label: 'c', payload: 'f1|n|c' }]] }] };

/** Stores the answer to `pending` in the store's outbox, as apply() would, and returns its rows. */
async function stored(store: MemoryDeliveryStore, pending: PendingInteraction, turn: Turn = threeMessages): Promise<OutboxMessage[]> {
  await store.record({ platform: 'discord', updateKey: pending.interactionId, chatKey: 'c', payload: JSON.stringify(pending) });
  const applied = await store.apply({ platform: 'discord', updateKey: pending.interactionId }, () => Promise.resolve({ value: null, outbox: toOutboxEntries(pending, 'c', planReplies(pending, turn)) }));
  return applied!.outbox;
}

function setUp() {
  const rest = new ScriptedRest();
  const store = new MemoryDeliveryStore();
  const log = new CaptureLogger();
  const sender = new DiscordSender({ rest: rest.api, store, log, retryDelayMs: 5, flushDelayMs: 1 });
  return { rest, store, log, sender };
}

const routeOf = (pending: PendingInteraction) => `/webhooks/${APP}/${pending.token}`;
const unsent = (store: MemoryDeliveryStore) => store.outbox.size;

describe('DiscordSender', () => {
  it('GIVEN an answer THEN its calls go out in order over the webhook, unauthenticated, and leave the outbox', async () => {
    const { rest, store, sender } = setUp();
    const pending = interaction();
    sender.enqueue([...(await stored(store, pending))].reverse());
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();

    expect(rest.calls.map((c) => [c.method, c.route])).toEqual([
      ['patch', `${routeOf(pending)}/messages/%40original`],
      ['post', routeOf(pending)],
      ['post', routeOf(pending)],
    ]);
    expect(rest.calls.map((c) => (c.body as { content?: string }).content)).toEqual(['one', 'two', 'three']);
    expect(rest.calls.every((c) => c.auth === false)).toBe(true);
    expect(unsent(store)).toBe(0);
  });

  it("GIVEN one interaction's webhook hanging THEN another interaction's answer is not held up", async () => {
    const { rest, store, sender } = setUp();
    const slow = interaction();
    const fast = interaction();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    rest.script = async (call) => {
      if (call.route.includes(slow.token)) await held;
      return {};
    };
    sender.enqueue(await stored(store, slow));
    sender.enqueue(await stored(store, fast));
    await waitFor(() => rest.calls.filter((c) => c.route.includes(fast.token)).length === 3);
    expect(rest.calls.filter((c) => c.route.includes(slow.token))).toHaveLength(1);
    release();
    expect(await sender.idle(5_000)).toBe(true);
    expect(rest.calls.filter((c) => c.route.includes(slow.token))).toHaveLength(3);
    await sender.close();
    expect(unsent(store)).toBe(0);
  });

  it('GIVEN a 5xx and a network failure THEN the call is tried again and each message is sent once', async () => {
    const { rest, store, sender, log } = setUp();
    const pending = interaction();
    const failures = [new HTTPError(503, 'Service Unavailable', 'PATCH', `https://discord.com/api/v10${routeOf(pending)}/messages/@original`, { body: undefined, files: undefined }), new TypeError('fetch failed')];
    rest.script = (call) => {
      const failure = call.method === 'patch' ? failures.shift() : undefined;
      return failure ? Promise.reject(failure) : Promise.resolve({});
    };
    sender.enqueue(await stored(store, pending));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();
    expect(rest.calls.map((c) => c.method)).toEqual(['patch', 'patch', 'patch', 'post', 'post']);
    expect(log.find('discord reply not sent; retrying')).toHaveLength(2);
    expect(log.text()).not.toContain(pending.token);
    expect(unsent(store)).toBe(0);
  });

  it('GIVEN failures that never stop THEN it gives up after maxAttempts and drops that answer', async () => {
    const rest = new ScriptedRest();
    const store = new MemoryDeliveryStore();
    const log = new CaptureLogger();
    const sender = new DiscordSender({ rest: rest.api, store, log, retryDelayMs: 1, flushDelayMs: 1, maxAttempts: 3 });
    rest.script = () => Promise.reject(new TypeError('fetch failed'));
    sender.enqueue(await stored(store, interaction()));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();
    expect(rest.calls).toHaveLength(3);
    expect(log.find(/not sent after retries/)).toHaveLength(1);
    expect(unsent(store)).toBe(0);
  });

  it('GIVEN rows whose token has (nearly) run out THEN nothing is sent and they leave the outbox', async () => {
    const { rest, store, sender } = setUp();
    sender.enqueue(await stored(store, interaction({ createdTimestamp: Date.now() - 14 * 60_000 - 1 })));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();
    expect(rest.calls).toEqual([]);
    expect(unsent(store)).toBe(0);
  });

  it('GIVEN a dead token (50027) THEN the rest of that answer is dropped, nobody is told, and the token is not logged', async () => {
    const { rest, store, sender, log } = setUp();
    const pending = interaction();
    rest.script = (call) => Promise.reject(apiError(401, 50027, call.route));
    sender.enqueue(await stored(store, pending));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();
    expect(rest.calls).toHaveLength(1);
    expect(unsent(store)).toBe(0);
    expect(log.text()).not.toContain(pending.token);
  });

  it('GIVEN the original is gone (10008) THEN that edit is skipped and the follow-ups still go out', async () => {
    const { rest, store, sender } = setUp();
    rest.script = (call) => (call.method === 'patch' ? Promise.reject(apiError(404, 10008, call.route)) : Promise.resolve({}));
    sender.enqueue(await stored(store, interaction()));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();
    expect(rest.calls.map((c) => c.method)).toEqual(['patch', 'post', 'post']);
  });

  it('GIVEN a follow-up Discord refuses (50035) THEN it is logged with a reference and no token or text, the rest is dropped, and the user gets that reference privately', async () => {
    const { rest, store, sender, log } = setUp();
    const pending = interaction();
    let refused = false;
    rest.script = (call) => {
      if (call.method === 'post' && !refused) {
        refused = true;
        return Promise.reject(apiError(400, 50035, call.route));
      }
      return Promise.resolve({});
    };
    sender.enqueue(await stored(store, pending));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();

    const [failure] = log.find('discord interaction failed');
    const reference = (failure!.fields as { reference: string }).reference;
    expect(failure!.fields).toMatchObject({ discordCode: 50035, interactionId: pending.interactionId, err: { url: `https://discord.com/api/v10/webhooks/${APP}/[token]?wait=true` } });
    // The original was already replaced: the notice is a private follow-up; "three" is never sent.
    expect(rest.calls.map((c) => [c.method, (c.body as { content?: string; flags?: number } | undefined)?.content, (c.body as { flags?: number } | undefined)?.flags])).toEqual([
      ['patch', 'one', undefined],
      ['post', 'two', undefined],
      ['post', expect.stringContaining(`(ref ${reference})`), 64],
    ]);
    expect(log.text()).not.toContain(pending.token);
    expect(log.text()).not.toContain('secret words');
    expect(unsent(store)).toBe(0);
  });

  it('GIVEN the first call refused on a public deferral THEN the "thinking…" original is deleted and the reference sent privately', async () => {
    const { rest, store, sender } = setUp();
    let refused = false;
    rest.script = (call) => {
      if (call.method === 'patch' && !refused) {
        refused = true;
        return Promise.reject(apiError(400, 50035, call.route));
      }
      return Promise.resolve({});
    };
    sender.enqueue(await stored(store, interaction()));
    expect(await sender.idle(5_000)).toBe(true);
    await sender.close();
    expect(rest.calls.map((c) => c.method)).toEqual(['patch', 'delete', 'post']);
  });

  it('GIVEN close() while calls wait THEN they stay in the outbox for the next process, and nothing is sent after', async () => {
    const { rest, store, sender } = setUp();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    rest.script = async () => {
      await held;
      return {};
    };
    sender.enqueue(await stored(store, interaction()));
    await waitFor(() => rest.calls.length === 1);
    const closing = sender.close();
    release();
    await closing;
    // The call on the wire finished and was recorded; the two behind it were never started.
    expect(rest.calls).toHaveLength(1);
    expect([...store.outbox.values()].map((m) => m.seq)).toEqual([1, 2]);
    sender.enqueue([...store.outbox.values()]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rest.calls).toHaveLength(1);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
