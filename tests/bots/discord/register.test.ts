/**
 * `npm run discord:register` registers the same typed command list the bot dispatches from: to
 * one server with DISCORD_GUILD_ID (PUT /applications/:appId/guilds/:guildId/commands), globally
 * otherwise (PUT /applications/:appId/commands). Checked in process and as the real script, both
 * against the fake Discord's REST.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandRegistrationBody } from '../../../src/bots/discord/commands.ts';
import { registerCommands } from '../../../src/bots/discord/register-commands.ts';
import { FakeDiscord } from '../../fakes/discord/fake-discord.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const GUILD = '1100000000000000001';

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function runScript(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/discord-register.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('registerCommands', () => {
  it('GIVEN a guild id THEN the command list is PUT to that guild only', async () => {
    fake = await FakeDiscord.start();
    const result = await registerCommands({ token: fake.botToken, appId: fake.appId, guildId: GUILD, apiRoot: fake.apiRoot });
    expect(result).toEqual({ scope: 'guild', guildId: GUILD, names: ['feel', 'like', 'favorites', 'help', 'forgetme'] });
    expect(fake.commandRegistrations).toEqual([{ scope: 'guild', guildId: GUILD, body: commandRegistrationBody() }]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /applications/${fake.appId}/guilds/${GUILD}/commands`]);
  });

  it('GIVEN no guild id THEN the command list is PUT globally', async () => {
    fake = await FakeDiscord.start();
    const result = await registerCommands({ token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot });
    expect(result.scope).toBe('global');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /applications/${fake.appId}/commands`]);
    expect(fake.commandRegistrations[0]!.body).toEqual(commandRegistrationBody());
  });

  it('GIVEN a token Discord refuses THEN it fails and registers nothing', async () => {
    fake = await FakeDiscord.start();
    await expect(registerCommands({ token: 'wrong', appId: fake.appId, apiRoot: fake.apiRoot })).rejects.toThrow();
    expect(fake.commandRegistrations).toEqual([]);
  });
});

describe('scripts/discord-register.ts', () => {
  it('GIVEN DISCORD_GUILD_ID THEN it registers to that server; WITHOUT it, globally; settings come from the environment', async () => {
    fake = await FakeDiscord.start();
    const base = { DISCORD_TOKEN: fake.botToken, DISCORD_APP_ID: fake.appId, DISCORD_API_ROOT: fake.apiRoot };
    const guild = await runScript({ ...base, DISCORD_GUILD_ID: GUILD });
    expect(guild.code, guild.output).toBe(0);
    expect(guild.output).toContain(`Registered 5 commands to server ${GUILD}: /feel, /like, /favorites, /help, /forgetme`);
    const global = await runScript(base);
    expect(global.code, global.output).toBe(0);
    expect(global.output).toContain('Registered 5 commands globally');
    expect(fake.commandRegistrations.map((r) => [r.scope, r.guildId])).toEqual([
      ['guild', GUILD],
      ['global', null],
    ]);
    expect(guild.output + global.output).not.toContain(fake.botToken);
  }, 30_000);

  it('GIVEN no Discord settings THEN it exits 2 with a message, contacting nobody', async () => {
    fake = await FakeDiscord.start();
    const { code, output } = await runScript({ DISCORD_API_ROOT: fake.apiRoot });
    expect(code).toBe(2);
    expect(output).toContain('DISCORD_TOKEN and DISCORD_APP_ID must be set');
    expect(fake.requests).toEqual([]);
  }, 30_000);
});
