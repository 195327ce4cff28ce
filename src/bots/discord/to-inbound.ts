/**
 * Discord interactions → core input. Pure: reads the interaction, never answers it (STYLE.md C1).
 *
 * The acting user always comes from the interaction (`interaction.user`: the member's user in a
 * server, the user in a DM), never from a custom_id (DESIGN.md "A user can only ever act as
 * themselves"). Options are read from the raw option list and type-checked here, because a
 * crafted interaction can carry any JSON value under any option name.
 * @example
 * buttonToInbound(interaction)  // { kind: 'choice', payload: 'f1|r|123|5', user } | null (forged)
 * commandToInbound(interaction, COMMANDS) // { inbound, ephemeral } | null (unknown or bad options)
 */
import type { ButtonInteraction, ChatInputCommandInteraction, CommandInteractionOption, User } from 'discord.js';
import { MessageFlags } from 'discord.js';
import type { ChannelUser, Inbound } from '../../core/conversation/turn.ts';
import type { CommandInbound, SlashCommand } from './commands.ts';
import { decodeDiscordCustomId } from './render.ts';

export type OptionValues = Record<string, string | number | boolean>;

/** The core's view of a Discord user: their id, and the name they show (global name, else username). */
export function channelUserOf(user: Pick<User, 'id' | 'username' | 'globalName'>): ChannelUser {
  return { platform: 'discord', platformUserId: user.id, displayName: user.globalName ?? user.username };
}

/**
 * Top-level options by name, or null when the list is not what Discord's own client sends
 * (sub-commands, duplicate names, values that are not plain strings, numbers or booleans).
 */
export function readOptions(options: readonly CommandInteractionOption[]): OptionValues | null {
  const values: OptionValues = {};
  for (const option of options) {
    const value: unknown = option.value;
    if (Object.hasOwn(values, option.name)) return null;
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) return null;
    values[option.name] = value;
  }
  return values;
}

/** A slash command as core input, or null for an unknown command or unusable options. */
export function commandToInbound(
  interaction: Pick<ChatInputCommandInteraction, 'commandName' | 'user' | 'options'>,
  commands: readonly SlashCommand[],
): CommandInbound | null {
  const command = commands.find((c) => c.data.name === interaction.commandName);
  return command ? command.toInbound(interaction) : null;
}

/** A button press as core input, or null when the custom_id is not one this bot could have sent. */
export function buttonToInbound(interaction: Pick<ButtonInteraction, 'customId' | 'user'>): Inbound | null {
  const payload = decodeDiscordCustomId(interaction.customId);
  return payload === null ? null : { kind: 'choice', payload, user: channelUserOf(interaction.user) };
}

/** Who a pressed button's message belongs to, as far as the press can tell. */
export interface PressContext {
  /** The presser is the user the message was made for: their press may change its buttons. */
  ownMessage: boolean;
  /** The message is ephemeral (only its owner can see and press it). */
  ephemeralMessage: boolean;
}

/**
 * Whether the presser owns the message: the user of the interaction that created it
 * (`interaction_metadata.user`). In a DM or on an ephemeral message only the owner can press. A
 * public message with no metadata is treated as someone else's, so a press never rewrites it.
 */
export function pressContext(interaction: Pick<ButtonInteraction, 'user' | 'message' | 'guildId'>): PressContext {
  const ephemeralMessage = interaction.message.flags.has(MessageFlags.Ephemeral);
  const ownerId = interaction.message.interactionMetadata?.user.id ?? null;
  const ownMessage = ownerId !== null ? ownerId === interaction.user.id : ephemeralMessage || interaction.guildId === null;
  return { ownMessage, ephemeralMessage };
}
