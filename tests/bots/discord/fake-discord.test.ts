/**
 * The fake Discord enforces what the end-to-end tests rely on: if it did not refuse a late or a
 * second acknowledgement, "no 10062 / no 40060" in those tests would prove nothing. Driven here by
 * plain fetch and a plain ws client, without discord.js.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeDiscord, fakeUser, type InteractionRecord } from '../../fakes/discord/fake-discord.ts';

let fake: FakeDiscord | undefined;
let socket: WebSocket | undefined;
afterEach(async () => {
  socket?.terminate();
  await fake?.close();
  fake = undefined;
});

interface Packet {
  op: number;
  t: string | null;
  d: Record<string, unknown> | null;
}

/** Connects and identifies like a bot; returns the packets received so far (live array). */
async function connect(f: FakeDiscord, token = f.botToken): Promise<{ packets: Packet[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${f.gatewayUrl}?v=10&encoding=json`);
  socket = ws;
  const packets: Packet[] = [];
  ws.on('message', (data: Buffer) => packets.push(JSON.parse(data.toString()) as Packet));
  const closed = once(ws, 'close').then(([code]) => code as number);
  await once(ws, 'open');
  await f.waitFor(() => packets.some((p) => p.op === 10), 2000, 'HELLO');
  ws.send(JSON.stringify({ op: 2, d: { token, intents: 1, properties: { os: 'linux', browser: 'test', device: 'test' } } }));
  return { packets, closed };
}

const rest = (f: FakeDiscord, method: string, path: string, body?: unknown) =>
  fetch(`${f.apiRoot}/v10${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then(async (r) => ({
    status: r.status,
    body: r.status === 204 ? null : ((await r.json()) as { code?: number }),
  }));

const callback = (f: FakeDiscord, i: InteractionRecord, type = 5) => rest(f, 'POST', `/interactions/${i.id}/${i.token}/callback?with_response=false`, { type, data: {} });

describe('fake Discord gateway', () => {
  it('GIVEN a bot that identifies THEN HELLO, READY listing the guild, GUILD_CREATE, and heartbeats acknowledged', async () => {
    fake = await FakeDiscord.start();
    const { packets } = await connect(fake);
    await fake.waitFor(() => packets.some((p) => p.t === 'GUILD_CREATE'), 2000, 'GUILD_CREATE');
    expect(packets.map((p) => p.t ?? `op${p.op}`)).toEqual(['op10', 'READY', 'GUILD_CREATE']);
    expect(packets[1]!.d).toMatchObject({ v: 10, application: { id: fake.appId }, guilds: [{ id: fake.guildId, unavailable: true }] });
    socket!.send(JSON.stringify({ op: 1, d: 2 }));
    await fake.waitFor(() => packets.some((p) => p.op === 11), 2000, 'heartbeat ACK');
    expect(fake.identifies).toHaveLength(1);
  });

  it('GIVEN a wrong token THEN the gateway closes with 4004, and GET /gateway/bot answers 401', async () => {
    fake = await FakeDiscord.start();
    const { closed } = await connect(fake, 'not-the-token');
    expect(await closed).toBe(4004);
    expect((await rest(fake, 'GET', '/gateway/bot')).status).toBe(401);
  });
});

describe('fake Discord interaction rules', () => {
  it('GIVEN an acknowledgement later than the window THEN 10062 Unknown interaction', async () => {
    fake = await FakeDiscord.start({ ackWindowMs: 50 });
    await connect(fake);
    await fake.waitFor(() => fake!.connectedSessions === 1);
    const feel = fake.feel('happy', { user: fakeUser('1200000000000000001', 'Ana') });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const late = await callback(fake, feel);
    expect(late).toMatchObject({ status: 404, body: { code: 10062 } });
    expect(feel.ack).toBeNull();
  });

  it('GIVEN a second acknowledgement THEN 40060, and the first stands', async () => {
    fake = await FakeDiscord.start();
    await connect(fake);
    await fake.waitFor(() => fake!.connectedSessions === 1);
    const feel = fake.feel('happy', { user: fakeUser('1200000000000000001', 'Ana') });
    expect((await callback(fake, feel)).status).toBe(204);
    expect(await callback(fake, feel, 4)).toMatchObject({ status: 400, body: { code: 40060 } });
    expect(feel.ack?.type).toBe(5);
    expect(feel.errors).toEqual([40060]);
  });

  it('GIVEN a follow-up before any acknowledgement THEN 10015; GIVEN a message over the limits THEN 50035', async () => {
    fake = await FakeDiscord.start();
    await connect(fake);
    await fake.waitFor(() => fake!.connectedSessions === 1);
    const feel = fake.feel('happy', { user: fakeUser('1200000000000000001', 'Ana') });
    expect(await rest(fake, 'POST', `/webhooks/${fake.appId}/${feel.token}?wait=true`, { content: 'hi' })).toMatchObject({ status: 404, body: { code: 10015 } });
    await callback(fake, feel);
    const sixRows = Array.from({ length: 6 }, (_, i) => ({ type: 1, components: [{ type: 2, style: 2, label: 'x', custom_id: `id${i}` }] }));
    expect(await rest(fake, 'POST', `/webhooks/${fake.appId}/${feel.token}?wait=true`, { components: sixRows })).toMatchObject({ status: 400, body: { code: 50035 } });
    const duplicate = [{ type: 1, components: [{ type: 2, style: 2, label: 'a', custom_id: 'same' }, { type: 2, style: 2, label: 'b', custom_id: 'same' }] }];
    expect(await rest(fake, 'POST', `/webhooks/${fake.appId}/${feel.token}?wait=true`, { components: duplicate })).toMatchObject({ status: 400, body: { code: 50035 } });
    expect(await rest(fake, 'POST', `/webhooks/${fake.appId}/${feel.token}?wait=true`, { content: 'x'.repeat(2001) })).toMatchObject({ status: 400, body: { code: 50035 } });
    expect((await rest(fake, 'POST', `/webhooks/${fake.appId}/${feel.token}?wait=true`, { content: 'fine', flags: 64 })).status).toBe(200);
    expect(feel.followUps.map((m) => [m.content, m.flags])).toEqual([['fine', 64]]);
  });
});
