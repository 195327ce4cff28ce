/**
 * `npm run discord:register`: registers the bot's slash commands (the same typed list the bot
 * uses: src/bots/discord/commands.ts). To one server when DISCORD_GUILD_ID is set (instant, for
 * development), globally otherwise. Never run at boot.
 *
 * Settings come from the environment through loadConfig: DISCORD_TOKEN, DISCORD_APP_ID, optional
 * DISCORD_GUILD_ID and DISCORD_API_ROOT.
 */
import { registerCommands } from '../src/bots/discord/register-commands.ts';
import { loadConfig } from '../src/config.ts';
import { runCli, UsageError } from './cli.ts';

const USAGE = 'usage: DISCORD_TOKEN=… DISCORD_APP_ID=… [DISCORD_GUILD_ID=…] npm run discord:register';

runCli(async () => {
  const config = loadConfig();
  if (!config.discord) throw new UsageError('DISCORD_TOKEN and DISCORD_APP_ID must be set to register Discord commands.');
  const result = await registerCommands(config.discord);
  const where = result.scope === 'guild' ? `to server ${result.guildId}` : 'globally (may take a while to appear everywhere)';
  console.log(`Registered ${result.names.length} commands ${where}: ${result.names.map((name) => `/${name}`).join(', ')}`);
}, USAGE);
