/**
 * Slash-command registration, for `npm run discord:register` (never at boot: registration is
 * rate-limited and global changes take time to reach every client). Registers exactly the list the
 * bot dispatches from (commands.ts), with one bulk overwrite, so a removed command disappears too.
 *
 * - `DISCORD_GUILD_ID` set: to that one server (instant; for development);
 * - otherwise: globally (every server and DM the app is in).
 * @example
 * const result = await registerCommands(config.discord);
 * // { scope: 'guild', guildId: '…', names: ['feel', 'like', 'favorites', 'help', 'forgetme'] }
 */
import { REST, Routes } from 'discord.js';
import type { Config } from '../../config.ts';
import { commandRegistrationBody } from './commands.ts';

export interface RegistrationResult {
  scope: 'guild' | 'global';
  guildId: string | null;
  /** The command names Discord now has, as it answered. */
  names: string[];
}

export async function registerCommands(config: NonNullable<Config['discord']>): Promise<RegistrationResult> {
  const rest = new REST({ version: '10', ...(config.apiRoot ? { api: config.apiRoot } : {}) }).setToken(config.token);
  const body = commandRegistrationBody();
  const route = config.guildId ? Routes.applicationGuildCommands(config.appId, config.guildId) : Routes.applicationCommands(config.appId);
  const answer = (await rest.put(route, { body })) as Array<{ name: string }>;
  return { scope: config.guildId ? 'guild' : 'global', guildId: config.guildId ?? null, names: answer.map((command) => command.name) };
}
