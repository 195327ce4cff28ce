import type { Choice, OutMessage, Turn } from '../../core/conversation/turn.ts';
import { copy } from '../../core/copy.ts';

/**
 * Lines of the core's copy that name things to tap (★, ❤, 🙈), with the copy's terminal wording:
 * the core words turns the same for every channel, and the terminal says what works there.
 */
const TERMINAL_WORDING: ReadonlyMap<string, string> = new Map([
  [copy.listFooter(), copy.consoleListFooter()],
  [copy.noFavorites(), copy.consoleNoFavorites()],
]);

/** The choice rows a terminal lists for a message: not a card's buttons (the footer names typed commands). */
export function listedChoiceRows(message: OutMessage): Choice[][] {
  return message.card || !message.choices ? [] : message.choices;
}

/**
 * Escape sequences a terminal acts on: OSC, DCS, SOS, PM and APC strings (up to BEL or ST, or the
 * end when cut short), CSI sequences (7- and 8-bit), and the other ESC sequences (ESC c, ESC (0…).
 */
// eslint-disable-next-line no-control-regex -- matching control sequences is the point
const ESCAPE_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)|(?:\x1b\[|\x9b)[0-?]*[ -/]*(?:[@-~]|$)|\x1b[ -/]*[0-~]?/g;
/** C0 controls but tab (a line never holds a newline here), DEL and C1 controls. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * One line made safe to print: what users typed reaches the terminal inside replies ("I don't
 * know …", "did you mean …"), so escape sequences and control characters are removed, whole,
 * and nothing else is touched.
 * @example
 * terminalSafe('\x1b]0;pwned\x07/nope\x1b[2J') // '/nope'
 */
export function terminalSafe(line: string): string {
  return line.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

/**
 * A turn as terminal lines (pure), each passed through terminalSafe. Movie cards are one line each, starting `N. Title (Year)`, as
 * the console contract in DESIGN.md requires. Buttons cannot be tapped here, so card buttons are
 * left out (the footer names the typed commands instead: TERMINAL_WORDING); other choices, such as moods, are listed.
 */
export function renderTurn(turn: Turn): string[] {
  const lines: string[] = [];
  for (const message of turn.messages) {
    lines.push(...message.text.split('\n').map((line) => TERMINAL_WORDING.get(line) ?? line));
    for (const row of listedChoiceRows(message)) lines.push(`  ${row.map((choice) => choice.label).join(' · ')}`);
  }
  // A console user never presses buttons, so acks only matter if a turn has nothing else to say.
  if (lines.length === 0 && turn.ack) lines.push(turn.ack.toast);
  return lines.map(terminalSafe);
}
