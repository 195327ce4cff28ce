/**
 * The slash commands, as one typed list (STYLE.md C6): the bot dispatches from it and
 * `npm run discord:register` registers exactly it. Adding a command is one entry here.
 *
 * `/feel mood:<mood> [private:<bool>]`: Discord forbids `choices` and `autocomplete` on the same
 * option, so `mood` uses autocomplete only: an empty field lists the eight canonical moods (what
 * `choices` would have shown), typing matches synonyms and emoji ("chi" → chill → Relaxed). Any
 * string is accepted and parsed by the core's parseMood, so a typed "spooky" works without picking.
 *
 *
 * `/like title:<title>`: a free string with autocomplete. As the user types, the core's title search
 * (Conversation.complete) offers up to 25 titles, "Title (Year)" as both name and value (each ≤ 100
 * characters, Discord's limit); a typed title that was never picked is searched the same way, and
 * the core answers "did you mean …" when it is unsure.
 *
 * Descriptions come from the core's copy (copy.commandDescriptions, the mood list,
 * copy.privateOption and copy.titleOption), the same words Telegram's command menu shows.
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
import type { ChannelUser, CommandName, Conversation, Inbound } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';
import { EMOTIONS } from '../../core/domain/emotions.ts';
import { MOOD_SYNONYMS, parseMood } from '../../core/domain/moods.ts';
import { channelUserOf, readOptions, type OptionValues } from './to-inbound.ts';

/** The longest mood text accepted; anything longer is not a mood (Discord allows 6,000). */
export const MOOD_MAX_LENGTH = 100;
/** The longest title text accepted (the core's title search refuses longer ones too). */
export const TITLE_MAX_LENGTH = 200;
/** Discord shows at most 25 autocomplete choices. */
export const MAX_SUGGESTIONS = 25;
const DESCRIPTION_MAX = 100;
/** An autocomplete choice's name and value: 1–100 characters each. */
const CHOICE_MAX = 100;

/** What a command interaction asks of the core, and whether the answer is for the user's eyes only. */
export interface CommandInbound {
  inbound: Inbound;
  ephemeral: boolean;
}

/** What an autocomplete may ask besides the typed text: the core (for titles) and who is typing. */
export interface AutocompleteContext {
  conversation: Pick<Conversation, 'complete'>;
  user: ChannelUser;
}

export type AutocompleteChoices = ApplicationCommandOptionChoiceData<string>[];

export interface SlashCommand {
  /** The registration payload (name, description, options, contexts). */
  readonly data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** The core input, or null when the options are unusable (wrong type, too long): the user gets help. */
  readonly toInbound: (interaction: Pick<ChatInputCommandInteraction, 'user' | 'options'>) => CommandInbound | null;
  /** Suggestions for the focused option's text (autocomplete), at most 25, each name and value ≤ 100 characters. */
  readonly autocomplete?: (focused: string, context: AutocompleteContext) => AutocompleteChoices | Promise<AutocompleteChoices>;
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

/** Cuts to `max` characters without splitting a surrogate pair, marking the cut. */
function clipChoice(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/**
 * Autocomplete for `title`: the core's best titles for what is typed so far (none for an empty
 * field). Reads the catalog only; never registers the user.
 * @example
 * await titleSuggestions('matr', { conversation, user }) // [{ name: 'The Matrix (1999)', value: 'The Matrix (1999)' }, …]
 */
export async function titleSuggestions(typed: string, context: AutocompleteContext): Promise<AutocompleteChoices> {
  if (typed.trim() === '' || !context.conversation.complete) return [];
  const completions = await context.conversation.complete({ command: 'like', option: 'title', text: typed.slice(0, TITLE_MAX_LENGTH), user: context.user });
  const out: AutocompleteChoices = [];
  const values = new Set<string>();
  for (const completion of completions) {
    const name = clipChoice(completion.label, CHOICE_MAX);
    const value = clipChoice(completion.value, CHOICE_MAX);
    if (name.trim() === '' || value.trim() === '' || values.has(value)) continue;
    values.add(value);
    out.push({ name, value });
    if (out.length >= MAX_SUGGESTIONS) break;
  }
  return out;
}

function likeInbound(options: OptionValues, user: Pick<ChatInputCommandInteraction, 'user'>['user']): CommandInbound | null {
  const { title, ...unknown } = options;
  if (Object.keys(unknown).length > 0) return null;
  if (typeof title !== 'string' || title.length > TITLE_MAX_LENGTH) return null;
  return { inbound: { kind: 'command', name: 'like', args: title, user: channelUserOf(user) }, ephemeral: false };
}

const like: SlashCommand = {
  data: everywhere(new SlashCommandBuilder().setName('like').setDescription(describeCommand('like'))).addStringOption((option) =>
    option.setName('title').setDescription(copy.titleOption()).setRequired(true).setAutocomplete(true).setMaxLength(TITLE_MAX_LENGTH),
  ),
  toInbound: (interaction) => {
    const options = readOptions(interaction.options.data);
    return options === null ? null : likeInbound(options, interaction.user);
  },
  autocomplete: titleSuggestions,
};

/** Every slash command, in the order Discord lists them. */
export const COMMANDS: readonly SlashCommand[] = [
  feel,
  like,
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
