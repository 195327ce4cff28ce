/**
 * Recorded Discord payloads (tests/fixtures/discord) → real discord.js interaction objects → core
 * input (STYLE.md C10: "build real discord.js objects from API payloads"). Also the command list
 * the bot and the registration script share.
 */
import {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  Client,
  InteractionContextType,
  type ApplicationCommandOptionChoiceData,
} from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, commandRegistrationBody, describeCommand, findCommand, moodSuggestions, titleSuggestions, type AutocompleteContext } from '../../../src/bots/discord/commands.ts';
import { buttonToInbound, channelUserOf, commandToInbound, pressContext, readOptions } from '../../../src/bots/discord/to-inbound.ts';
import type { ChannelUser, Completion, CompletionRequest } from '../../../src/core/conversation/turn.ts';
import { copy } from '../../../src/core/copy.ts';
import { EMOTIONS } from '../../../src/core/domain/emotions.ts';
import { fakeUser, fixture } from '../../fakes/discord/fake-discord.ts';

const client = new Client({ intents: [] });
afterAll(() => client.destroy());

type Payload = Record<string, unknown>;

/** discord.js keeps these constructors private; the client builds them from gateway payloads like this. */
function build<T>(type: { prototype: T }, payload: Payload): T {
  const construct = Reflect.construct as (target: unknown, args: unknown[]) => T;
  return construct(type, [client, payload]);
}

function slash(name: string, options: unknown[], base = 'chat-input-guild'): ChatInputCommandInteraction {
  const payload = fixture<Payload>(base);
  payload['data'] = { id: '1300000000000000010', name, type: 1, options };
  return build<ChatInputCommandInteraction>(ChatInputCommandInteraction, payload);
}

function press(customId: unknown, presser?: ReturnType<typeof fakeUser>, messageFlags = 0): ButtonInteraction {
  const payload = fixture<Payload & { member: { user: unknown }; message: { flags: number } }>('button-guild');
  payload['data'] = { component_type: 2, custom_id: customId };
  if (presser) payload.member.user = presser;
  payload.message.flags = messageFlags;
  return build<ButtonInteraction>(ButtonInteraction, payload);
}

const ANA = { platform: 'discord', platformUserId: '1200000000000000001', displayName: 'Ana' };

describe('slash commands → core commands', () => {
  it('GIVEN /feel mood:happy in a server THEN a public feel command for the member who ran it', () => {
    expect(commandToInbound(build<ChatInputCommandInteraction>(ChatInputCommandInteraction, fixture('chat-input-guild')), COMMANDS)).toEqual({
      inbound: { kind: 'command', name: 'feel', args: 'happy', user: ANA },
      ephemeral: false,
    });
  });

  it('GIVEN /feel mood:chill in a DM THEN the same command, for the DM user', () => {
    expect(commandToInbound(build<ChatInputCommandInteraction>(ChatInputCommandInteraction, fixture('chat-input-dm')), COMMANDS)).toEqual({
      inbound: { kind: 'command', name: 'feel', args: 'chill', user: ANA },
      ephemeral: false,
    });
  });

  it('GIVEN private:true THEN the answer is ephemeral', () => {
    const result = commandToInbound(slash('feel', [{ name: 'mood', type: 3, value: 'sad' }, { name: 'private', type: 5, value: true }]), COMMANDS);
    expect(result).toMatchObject({ inbound: { args: 'sad' }, ephemeral: true });
  });

  it('GIVEN /like title:the matrix THEN a public like command with the title as typed', () => {
    expect(commandToInbound(slash('like', [{ name: 'title', type: 3, value: 'the matrix' }]), COMMANDS)).toEqual({
      inbound: { kind: 'command', name: 'like', args: 'the matrix', user: ANA },
      ephemeral: false,
    });
  });

  it('GIVEN a mood the core will not know THEN the answer ("pick one of these") is ephemeral', () => {
    expect(commandToInbound(slash('feel', [{ name: 'mood', type: 3, value: 'meh' }]), COMMANDS)).toMatchObject({ inbound: { args: 'meh' }, ephemeral: true });
  });

  it.each([
    ['/favorites', 'favorites'],
    ['/help', 'help'],
    ['/forgetme', 'forgetme'],
  ])('GIVEN %s THEN an ephemeral %s command with no arguments', (_label, name) => {
    expect(commandToInbound(slash(name, []), COMMANDS)).toEqual({ inbound: { kind: 'command', name, args: '', user: ANA }, ephemeral: true });
  });

  it.each([
    ['a 5,000-character mood', 'feel', [{ name: 'mood', type: 3, value: 'x'.repeat(5000) }]],
    ['a mood that is a number', 'feel', [{ name: 'mood', type: 3, value: 7 }]],
    ['no mood', 'feel', []],
    ['private as a string', 'feel', [{ name: 'mood', type: 3, value: 'happy' }, { name: 'private', type: 5, value: 'yes' }]],
    ['an option the command does not have', 'feel', [{ name: 'mood', type: 3, value: 'happy' }, { name: 'user', type: 3, value: '1200000000000000002' }]],
    ['the mood twice', 'feel', [{ name: 'mood', type: 3, value: 'happy' }, { name: 'mood', type: 3, value: 'sad' }]],
    ['an object value', 'feel', [{ name: 'mood', type: 3, value: { $ne: null } }]],
    ['options on /help', 'help', [{ name: 'mood', type: 3, value: 'happy' }]],
    ['a 5,000-character title', 'like', [{ name: 'title', type: 3, value: 'x'.repeat(5000) }]],
    ['a title that is a number', 'like', [{ name: 'title', type: 3, value: 1999 }]],
    ['no title', 'like', []],
    ['an option /like does not have', 'like', [{ name: 'title', type: 3, value: 'up' }, { name: 'mood', type: 3, value: 'happy' }]],
    ['an unknown command', 'dance', []],
  ])('GIVEN %s THEN null (the user gets help, the core is not called)', (_label, name, options) => {
    expect(commandToInbound(slash(name, options), COMMANDS)).toBeNull();
  });

  it('readOptions rejects non-finite numbers', () => {
    expect(readOptions([{ name: 'n', type: 10, value: Number.NaN }])).toBeNull();
    expect(readOptions([{ name: 'n', type: 10, value: 3 }])).toEqual({ n: 3 });
  });
});

describe('button presses → core choices', () => {
  it('GIVEN a ★5 press THEN a choice with the payload, acting as the presser', () => {
    expect(buttonToInbound(press('f1|r|1|5'))).toEqual({ kind: 'choice', payload: 'f1|r|1|5', user: ANA });
  });

  it("GIVEN Bob presses a button on Ana's message THEN the choice is Bob's, and the message is not his", () => {
    const bob = fakeUser('1200000000000000002', 'Bob');
    const interaction = press('f1|r|1|3', bob);
    expect(buttonToInbound(interaction)?.user).toEqual({ platform: 'discord', platformUserId: bob.id, displayName: 'Bob' });
    expect(pressContext(interaction)).toEqual({ ownMessage: false, ephemeralMessage: false });
  });

  it('GIVEN Ana presses her own (ephemeral) message THEN it is hers', () => {
    expect(pressContext(press('f1|r|1|3', undefined, 64))).toEqual({ ownMessage: true, ephemeralMessage: true });
  });

  it.each([
    ['101 characters', 'x'.repeat(101)],
    ['out-of-range stars', 'f1|r|1|9'],
    ['SQL', "'; DROP TABLE ratings;--"],
    ['empty', ''],
    ['an old version', 'f0|r|1|5'],
  ])('GIVEN a custom_id that is %s THEN null', (_label, customId) => {
    expect(buttonToInbound(press(customId))).toBeNull();
  });

  it('uses the global name, else the username', () => {
    expect(channelUserOf({ id: '1', username: 'ana', globalName: null }).displayName).toBe('ana');
  });
});

describe('the command list (one list for the bot and for registration)', () => {
  const body = commandRegistrationBody();

  it('registers /feel, /like, /favorites, /help and /forgetme, in servers, bot DMs and private channels', () => {
    expect(body.map((c) => c.name)).toEqual(['feel', 'like', 'favorites', 'help', 'forgetme']);
    for (const command of body) expect(command.contexts).toEqual([InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel]);
  });

  it('/feel has a required, autocompleted string option `mood` and an optional boolean `private`', () => {
    const feel = body.find((c) => c.name === 'feel')!;
    expect(feel.options).toEqual([
      expect.objectContaining({ name: 'mood', type: 3, required: true, autocomplete: true, max_length: 100 }),
      expect.objectContaining({ name: 'private', type: 5, required: false }),
    ]);
    // Discord forbids choices together with autocomplete on one option.
    expect((feel.options![0] as { choices?: unknown }).choices).toBeUndefined();
  });

  it('/like has one required, autocompleted string option `title`, worded by the core', () => {
    const like = body.find((c) => c.name === 'like')!;
    expect(like.description).toBe(copy.commandDescriptions().like);
    expect(like.options).toEqual([expect.objectContaining({ name: 'title', type: 3, required: true, autocomplete: true, max_length: 200, description: copy.titleOption() })]);
    expect((like.options![0] as { choices?: unknown }).choices).toBeUndefined();
  });

  it('descriptions come from the core copy (copy.commandDescriptions), within 100 characters', () => {
    expect(describeCommand('favorites')).toBe(copy.commandDescriptions().favorites);
    expect(describeCommand('forgetme')).toBe('Delete everything Feelms knows about you');
    expect(describeCommand('feel')).toBe(copy.commandDescriptions().feel);
    expect(body.find((c) => c.name === 'feel')!.options!.find((o) => o.name === 'private')!.description).toBe(copy.privateOption());
    for (const command of body) expect(command.description.length).toBeGreaterThan(0);
    for (const command of body) expect(command.description.length).toBeLessThanOrEqual(100);
  });

  it('findCommand finds by name', async () => {
    const context: AutocompleteContext = { conversation: {}, user: ANA as ChannelUser };
    expect((await findCommand('feel')?.autocomplete?.('chi', context))?.[0]?.value).toBe('relaxed');
    expect(findCommand('like')?.autocomplete).toBe(titleSuggestions);
    expect(findCommand('nope')).toBeUndefined();
  });
});

describe('title autocomplete (the core suggests, the adapter keeps to Discord limits)', () => {
  const user = ANA as ChannelUser;
  /** A core that answers with `completions` and remembers what it was asked. */
  const core = (completions: Completion[]) => {
    const asked: CompletionRequest[] = [];
    return {
      asked,
      conversation: {
        complete: (request: CompletionRequest) => {
          asked.push(request);
          return Promise.resolve(completions);
        },
      },
    };
  };

  it('GIVEN typed text THEN the core is asked for /like titles and its answer is passed on, best first', async () => {
    const { asked, conversation } = core([{ label: 'The Matrix (1999)', value: 'The Matrix (1999)' }, { label: 'The Matrix Reloaded (2003)', value: 'The Matrix Reloaded (2003)' }]);
    expect(await titleSuggestions('matr', { conversation, user })).toEqual([
      { name: 'The Matrix (1999)', value: 'The Matrix (1999)' },
      { name: 'The Matrix Reloaded (2003)', value: 'The Matrix Reloaded (2003)' },
    ]);
    expect(asked).toEqual([{ command: 'like', option: 'title', text: 'matr', user }]);
  });

  it('GIVEN 40 suggestions with 300-character titles THEN at most 25, names and values within 100 characters, whole emoji', async () => {
    const long = (i: number) => `${i} ${'🎬'.repeat(49)}${'x'.repeat(250)}`;
    const { conversation } = core(Array.from({ length: 40 }, (_, i) => ({ label: long(i), value: long(i) })));
    const list = await titleSuggestions('x', { conversation, user });
    expect(list).toHaveLength(25);
    for (const choice of list) {
      expect(choice.name.length).toBeLessThanOrEqual(100);
      expect(choice.value.length).toBeLessThanOrEqual(100);
      // No emoji cut in half (a lone surrogate).
      expect(choice.name).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('GIVEN an empty field, a 5,000-character text, or a core without suggestions THEN no suggestions or a bounded question', async () => {
    const { asked, conversation } = core([]);
    expect(await titleSuggestions('', { conversation, user })).toEqual([]);
    expect(await titleSuggestions('   ', { conversation, user })).toEqual([]);
    expect(asked).toEqual([]);
    await titleSuggestions('x'.repeat(5000), { conversation, user });
    expect(asked[0]!.text).toHaveLength(200);
    expect(await titleSuggestions('matrix', { conversation: {}, user })).toEqual([]);
  });
});

describe('mood autocomplete', () => {
  const values = (list: ApplicationCommandOptionChoiceData<string>[]) => list.map((c) => c.value);

  it('GIVEN an empty field THEN the eight canonical moods, labelled as the core labels them', () => {
    expect(moodSuggestions('')).toEqual(EMOTIONS.map((mood) => ({ name: copy.moodLabel(mood), value: mood })));
  });

  it('GIVEN "chi" THEN chill → Relaxed first', () => {
    expect(moodSuggestions('chi')[0]).toEqual({ name: `chill → ${copy.moodLabel('relaxed')}`, value: 'relaxed' });
  });

  it('GIVEN "spo" THEN spooky → Scared; GIVEN "sc" THEN Scared first (canonical before synonyms)', () => {
    expect(values(moodSuggestions('spo'))).toContain('scared');
    expect(moodSuggestions('sc')[0]).toEqual({ name: copy.moodLabel('scared'), value: 'scared' });
  });

  it('GIVEN an emoji THEN its mood', () => {
    expect(moodSuggestions('😂')[0]!.value).toBe('happy');
  });

  it.each([
    ['zzzz', 'zzzz'],
    ['5,000 characters', 'x'.repeat(5000)],
    ['an unknown emoji', '🦄'],
  ])('GIVEN %s (no match) THEN still every mood, at most 25 choices of ≤ 100 characters', (_label, typed) => {
    const list = moodSuggestions(typed);
    expect(values(list)).toEqual([...EMOTIONS]);
    expect(list.length).toBeLessThanOrEqual(25);
  });

  it('GIVEN a single letter THEN at most 25 suggestions, each name ≤ 100 characters', () => {
    for (const letter of 'abcdefghijklmnopqrstuvwxyz') {
      const list = moodSuggestions(letter);
      expect(list.length).toBeLessThanOrEqual(25);
      for (const choice of list) expect(choice.name.length).toBeLessThanOrEqual(100);
    }
  });

  it('the autocomplete fixture reads as the focused text', () => {
    const interaction = build<AutocompleteInteraction>(AutocompleteInteraction, fixture('autocomplete-guild'));
    expect(interaction.options.data.find((o) => o.focused)?.value).toBe('chi');
  });
});
