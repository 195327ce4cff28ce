/**
 * The slash commands, as one typed list (STYLE.md C6): the bot dispatches from it and
 * `npm run discord:register` registers exactly it. Adding a command is one entry here.
 *
 * `/feel mood:<mood> [private:<bool>]`: Discord forbids `choices` and `autocomplete` on the same
 * option, so `mood` uses autocomplete only: an empty field lists the eight canonical moods (what
 * `choices` would have shown), typing matches synonyms and emoji ("chi" → chill → Relaxed). Any
 * string is accepted and parsed by the core's parseMood, so a typed "spooky" works without picking.
 *
 * Descriptions come from the core's copy (copy.commandDescriptions, the mood list and
 * copy.privateOption), the same words Telegram's command menu shows.
 * @example
 * COMMANDS.map((command) => command.data.toJSON()) // the registration body
 * findCommand('feel')?.toInbound(interaction)       // { inbound, ephemeral } | null
 */
import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type ApplicationCommandOptionChoiceData,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandName, Inbound } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import { EMOTIONS } from '../../core/domain/emotions.ts';
import { MOOD_SYNONYMS, parseMood } from '../../core/domain/moods.ts';
import { channelUserOf, readOptions, type OptionValues } from './to-inbound.ts';

/** The longest mood text accepted; anything longer is not a mood (Discord allows 6,000). */
export const MOOD_MAX_LENGTH = 100;
/** Discord shows at most 25 autocomplete choices. */
const MAX_SUGGESTIONS = 25;
const DESCRIPTION_MAX = 100;

/** What a command interaction asks of the core, and whether the answer is for the user's eyes only. */
export interface CommandInbound {
  inbound: Inbound;
  ephemeral: boolean;
}

export interface SlashCommand {
  /** The registration payload (name, description, options, contexts). */
  readonly data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** The core input, or null when the options are unusable (wrong type, too long): the user gets help. */
  readonly toInbound: (interaction: Pick<ChatInputCommandInteraction, 'user' | 'options'>) => CommandInbound | null;
  /** Suggestions for the focused option's text (autocomplete). */
  readonly autocomplete?: (focused: string) => ApplicationCommandOptionChoiceData<string>[];
}

/** The description /help gives a command ("/favorites: your favorites" → "Your favorites"). */
export function describeCommand(name: CommandName): string {
  const text = copy.commandDescriptions()[name];
  return Array.from(text).length <= DESCRIPTION_MAX ? text : `${Array.from(text).slice(0, DESCRIPTION_MAX - 1).join('')}…`;
}

/** Everywhere a user can run the commands: servers, the bot's DMs, and (user install) other DMs. */
function everywhere(builder: SlashCommandBuilder): SlashCommandBuilder {
  return builder
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall);
}

const fold = (text: string) => text.normalize('NFKC').replace(/\uFE0F/g, '').trim().toLowerCase();

/**
 * Autocomplete for `mood`: the canonical moods first (all eight when the field is empty), then
 * synonyms and emoji that match what was typed. The value sent back is the canonical mood.
 * @example
 * moodSuggestions('')    // 😄 Happy, 🤩 Excited, … (8)
 * moodSuggestions('chi') // [{ name: 'chill → 😌 Relaxed', value: 'relaxed' }, …]
 */
export function moodSuggestions(typed: string): ApplicationCommandOptionChoiceData<string>[] {
  const query = fold(typed.slice(0, MOOD_MAX_LENGTH));
  const canonical = EMOTIONS.map((mood) => ({ name: copy.moodLabel(mood), value: mood }));
  if (query === '') return canonical;
  const out: ApplicationCommandOptionChoiceData<string>[] = [];
  const names = new Set<string>();
  const add = (name: string, value: string) => {
    if (!names.has(name) && out.length < MAX_SUGGESTIONS) {
      names.add(name);
      out.push({ name: name.slice(0, DESCRIPTION_MAX), value });
    }
  };
  const parsed = parseMood(typed);
  if (parsed) add(copy.moodLabel(parsed), parsed);
  for (const mood of EMOTIONS) if (mood.startsWith(query)) add(copy.moodLabel(mood), mood);
  for (const mood of EMOTIONS) {
    for (const synonym of MOOD_SYNONYMS[mood]) {
      if (fold(synonym).startsWith(query)) add(`${synonym} → ${copy.moodLabel(mood)}`, mood);
    }
  }
  for (const mood of EMOTIONS) if (mood.includes(query)) add(copy.moodLabel(mood), mood);
  for (const mood of EMOTIONS) {
    for (const synonym of MOOD_SYNONYMS[mood]) {
      if (/\p{L}/u.test(synonym) && fold(synonym).includes(query)) add(`${synonym} → ${copy.moodLabel(mood)}`, mood);
    }
  }
  // Nothing matched: still offer every mood rather than an empty list.
  return out.length > 0 ? out : canonical;
}

/** A command whose only input is who ran it. */
function simple(name: 'favorites' | 'help' | 'forgetme', ephemeral: boolean): SlashCommand {
  return {
    data: everywhere(new SlashCommandBuilder().setName(name).setDescription(describeCommand(name))),
    toInbound: (interaction) => {
      const options = readOptions(interaction.options.data);
      // A known command with options it does not have was not sent by Discord's own client.
      if (options === null || Object.keys(options).length > 0) return null;
      return { inbound: { kind: 'command', name, args: '', user: channelUserOf(interaction.user) }, ephemeral };
    },
  };
}

function feelInbound(options: OptionValues, user: Pick<ChatInputCommandInteraction, 'user'>['user']): CommandInbound | null {
  const { mood, private: isPrivate, ...unknown } = options;
  if (Object.keys(unknown).length > 0) return null;
  if (typeof mood !== 'string' || mood.length > MOOD_MAX_LENGTH) return null;
  if (isPrivate !== undefined && typeof isPrivate !== 'boolean') return null;
  // An unknown mood gets the core's "pick one of these": only the user needs to see it.
  const ephemeral = isPrivate === true || parseMood(mood) === null;
  return { inbound: { kind: 'command', name: 'feel', args: mood, user: channelUserOf(user) }, ephemeral };
}

const feel: SlashCommand = {
  data: everywhere(new SlashCommandBuilder().setName('feel').setDescription(describeCommand('feel')))
    .addStringOption((option) =>
      option.setName('mood').setDescription(copy.moodList()).setRequired(true).setAutocomplete(true).setMaxLength(MOOD_MAX_LENGTH),
    )
    .addBooleanOption((option) => option.setName('private').setDescription(copy.privateOption()).setRequired(false)),
  toInbound: (interaction) => {
    const options = readOptions(interaction.options.data);
    return options === null ? null : feelInbound(options, interaction.user);
  },
  autocomplete: moodSuggestions,
};

/** Every slash command, in the order Discord lists them. */
export const COMMANDS: readonly SlashCommand[] = [
  feel,
  simple('favorites', true),
  simple('help', true),
  simple('forgetme', true),
];

export function findCommand(name: string): SlashCommand | undefined {
  return COMMANDS.find((command) => command.data.name === name);
}

/** The body `PUT /applications/:appId/commands` takes. */
export function commandRegistrationBody(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return COMMANDS.map((command) => command.data.toJSON());
}
