/**
 * The core speaks in turns (STYLE.md C1): adapters translate a platform event into one `Inbound`
 * and render the `Turn` that comes back. Every word a user reads comes from src/core/copy.ts;
 * adapters only lay it out.
 *
 * @example
 * const turn = await conversation.handle({ kind: 'command', name: 'feel', args: 'happy', user });
 * for (const message of turn.messages) render(message);
 */

export type Platform = 'discord' | 'telegram' | 'console';

/** Who is acting. Always taken from the platform event, never from a button payload. */
export interface ChannelUser {
  platform: Platform;
  platformUserId: string;
  displayName: string;
}

export const COMMAND_NAMES = ['start', 'help', 'feel', 'more', 'like', 'rate', 'fav', 'unfav', 'favorites', 'forgetme'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export type Inbound =
  /** A command with its raw argument text (`/feel happy` → name 'feel', args 'happy'). */
  | { kind: 'command'; name: CommandName; args: string; user: ChannelUser }
  /** Free text, including unknown `/commands`. */
  | { kind: 'text'; text: string; user: ChannelUser }
  /** A button press: the encoded payload exactly as the platform delivered it. */
  | { kind: 'choice'; payload: string; user: ChannelUser };

export interface Choice {
  label: string;
  /** Encoded with the core's payload codec: ≤ 64 bytes, valid as Telegram callback_data and Discord custom_id. */
  payload: string;
  style?: 'primary' | 'secondary' | 'success' | 'danger';
  /** Shown as chosen (the rating the user gave, an active favorite). */
  selected?: boolean;
}

/** A movie, with every line already worded by the core. */
export interface MovieCard {
  /** 1-based position in the list, the `<n>` of `/rate <n> <stars>`. */
  index: number;
  movieId: number;
  /** "Toy Story (1995)" */
  heading: string;
  /** "Animation, Comedy · 81 min" */
  facts: string;
  /**
   * "★ 4½ for you · high favorite chance"; without a prediction the film's own figures ("IMDb 8.1/10 ·
   * 1.2M votes", plus "new to Feelms: no prediction yet" when the models do not know it); null when
   * unscored (favorites list).
   */
  scores: string | null;
  /** "Because you loved Finding Nemo" / "IMDb 8.3 from 900K votes" / "A comedy pick to lift your mood" */
  reason: string | null;
  overview: string | null;
  posterUrl: string | null;
  imdbUrl: string | null;
}

export interface OutMessage {
  text: string;
  card?: MovieCard;
  /** Rows of buttons. */
  choices?: Choice[][];
  /** Only the acting user should see it (Discord ephemeral replies). */
  ephemeral?: boolean;
}

export interface Turn {
  messages: OutMessage[];
  /**
   * For button presses: a short acknowledgement ("Rated ★4") for Telegram's answerCallbackQuery
   * and similar, and new buttons for the message that held the pressed one.
   */
  ack?: { toast: string; updatedChoices?: Choice[][] };
  /**
   * Set when the turn did not happen: 'failed' (a bug, logged with the reference the user sees) or
   * 'unavailable' (the database gave out). Delivery then rolls back whatever the turn wrote.
   */
  outcome?: 'failed' | 'unavailable';
}

/** What a user is typing into a command option, for suggestions as they type (Discord autocomplete). */
export interface CompletionRequest {
  command: 'like';
  option: 'title';
  /** The text typed so far. */
  text: string;
  user: ChannelUser;
}

/** One suggestion: what the user sees, and the text the option gets when they pick it. */
export interface Completion {
  label: string;
  value: string;
}

/** The product's one entry point. */
export interface Conversation {
  handle(input: Inbound): Promise<Turn>;
  /**
   * Suggestions for a command option while it is typed (Discord's `/like title:` autocomplete),
   * best first. Reads only: never registers the user or writes anything. Optional: a conversation
   * without it offers none.
   */
  complete?(request: CompletionRequest): Promise<Completion[]>;
}

/**
 * Splits "/feel@FeelmsBot happy" into a known command, or returns null (free text or an unknown
 * command). Telegram and the console share the command words.
 * @example
 * parseCommandText('/rate 2 5') // { name: 'rate', args: '2 5' }
 */
export function parseCommandText(text: string, botUsername?: string): { name: CommandName; args: string } | null {
  const match = /^\/([A-Za-z_]+)(?:@(\w+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  const [, rawName, addressedTo, args] = match;
  if (addressedTo && botUsername && addressedTo.toLowerCase() !== botUsername.toLowerCase()) return null;
  const name = rawName!.toLowerCase();
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) return null;
  return { name: name as CommandName, args: (args ?? '').trim() };
}
