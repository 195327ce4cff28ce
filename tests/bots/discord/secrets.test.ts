/**
 * Interaction tokens never reach a log (RELIABILITY.md case 15). A DiscordAPIError's `url` carries
 * the interaction token, so these tests make Discord calls fail and then grep everything logged for
 * every token the fake handed out. The CaptureLogger keeps errors whole (non-enumerable message,
 * stack and url included) and does no scrubbing of its own: only the adapter can keep them clean.
 * One run goes through the production pino logger as well, with no secrets configured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { redactTokens, safeError } from '../../../src/bots/discord/discord-bot.ts';
import { createRootLogger } from '../../../src/infra/logger.ts';
import { DiscordAPIError } from 'discord.js';
import { EPHEMERAL, fakeUser } from '../../fakes/discord/fake-discord.ts';
import { freshSqlite, type TestDatabase } from '../../helpers/databases.ts';
import { settle, startHarness, type Harness } from './support.ts';

const ana = fakeUser('1200000000000000001', 'Ana');
let testDb: TestDatabase | undefined;
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  await testDb?.drop();
  h = undefined;
  testDb = undefined;
});

describe('interaction tokens stay out of the logs', () => {
  it('GIVEN a follow-up that Discord refuses THEN the DiscordAPIError is logged with the token blanked, and the user still gets a reference', async () => {
    testDb = freshSqlite();
    h = await startHarness(testDb);
    h.fake.failNext('POST', '/webhooks/', { status: 400, code: 50035, message: 'Invalid Form Body' });
    const feel = h.fake.feel('happy', { user: ana });
    await settle(h);

    const [failure] = h.log.find('discord interaction failed');
    expect(failure).toBeDefined();
    const fields = failure!.fields as { err: { url: string; code: number }; discordCode: number; reference: string };
    expect(fields.discordCode).toBe(50035);
    expect(fields.err.url).toMatch(new RegExp(`/api/v10/webhooks/${h.fake.appId}/\\[token\\]\\?wait=true$`));
    expect(feel.followUps.map((m) => [m.content, (m.flags & EPHEMERAL) !== 0])).toEqual([[expect.stringContaining(`(ref ${fields.reference})`), true]]);

    const logs = h.log.text();
    expect(logs).toContain('[token]');
    for (const token of [...h.fake.interactionTokens, h.fake.botToken]) expect(logs).not.toContain(token);
  });

  it('GIVEN an acknowledgement that arrives too late (10062) THEN it is logged without the token and never retried (no 40060)', async () => {
    testDb = freshSqlite();
    const lines: string[] = [];
    const pinoLog = createRootLogger({ level: 'debug', secrets: [], pretty: false, destination: { write: (line: string) => void lines.push(line) } });
    h = await startHarness(testDb, { fake: { ackWindowMs: -1 }, botLogger: pinoLog.child({ module: 'discord' }) });
    const feel = h.fake.feel('happy', { user: ana });
    const press = h.fake.click(fakeMessage(h), 'f1|r|1|5', { user: ana });
    await settle(h);

    for (const record of [feel, press]) {
      expect(record.callbacks.map((c) => c.code)).toEqual([10062]);
      expect(record.followUps).toEqual([]);
    }
    const webhookCalls = h.fake.requests.filter((r) => r.path.startsWith('/webhooks/'));
    expect(webhookCalls).toEqual([]);
    const logged = lines.join('');
    expect(logged).toContain('"discordCode":10062');
    expect(logged).toContain('/interactions/');
    for (const token of [...h.fake.interactionTokens, h.fake.botToken]) expect(logged).not.toContain(token);
  });
});

describe('safeError', () => {
  const token = 'aW50ZXJhY3Rpb246MARKER-token-value';

  it('GIVEN a DiscordAPIError THEN url and message lose the token and the request body is dropped', () => {
    const error = new DiscordAPIError(
      { code: 10062, message: 'Unknown interaction' },
      10062,
      404,
      'POST',
      `https://discord.com/api/v10/interactions/1300000000000000100/${token}/callback?with_response=false`,
      { body: { content: 'private words' }, files: undefined },
    );
    const fields = JSON.stringify(safeError(error));
    expect(fields).not.toContain(token);
    expect(fields).not.toContain('private words');
    expect(fields).toContain('/interactions/1300000000000000100/[token]/callback');
  });

  it('GIVEN a plain error whose message and stack mention a webhook path THEN the token is blanked', () => {
    const fields = JSON.stringify(safeError(new Error(`PATCH /webhooks/1300000000000000000/${token}/messages/@original failed`)));
    expect(fields).not.toContain(token);
    expect(redactTokens(`/webhooks/1/${token}?wait=true`)).toBe('/webhooks/1/[token]?wait=true');
  });

  it('GIVEN a database error quoting an inbox or outbox payload THEN the token in its JSON is blanked', () => {
    const payload = JSON.stringify({ v: 1, interactionId: '1', applicationId: '2', token, createdTimestamp: 0 });
    const message = `Invalid \`prisma.inboxUpdate.createMany()\` invocation: data: [{ payload: ${JSON.stringify(payload)} }]`;
    for (const text of [payload, message, JSON.stringify({ payload })]) {
      const redacted = redactTokens(text);
      expect(redacted).not.toContain(token);
      expect(redacted).toContain('[token]');
    }
    expect(JSON.stringify(safeError(new Error(message)))).not.toContain(token);
  });
});

/** A message for a press the bot never sent (the press only needs to reach the callback). */
function fakeMessage(h: Harness) {
  return h.fake.botMessage({
    id: '1',
    content: 'x',
    interaction_metadata: { id: '1', type: 2, user: ana, authorizing_integration_owners: { '0': h.fake.guildId } },
  });
}
