import type { Choice, OutMessage, Turn } from '../../core/conversation/turn.ts';

/** The choice rows a terminal lists for a message: not a card's buttons (the footer names typed commands). */
export function listedChoiceRows(message: OutMessage): Choice[][] {
  return message.card || !message.choices ? [] : message.choices;
}

/**
 * A turn as terminal lines (pure). Movie cards are one line each, starting `N. Title (Year)`, as
 * the console contract in DESIGN.md requires. Buttons cannot be tapped here, so card buttons are
 * left out (the core's footer names the typed commands); other choices, such as moods, are listed.
 */
export function renderTurn(turn: Turn): string[] {
  const lines: string[] = [];
  for (const message of turn.messages) {
    lines.push(...message.text.split('\n'));
    for (const row of listedChoiceRows(message)) lines.push(`  ${row.map((choice) => choice.label).join(' · ')}`);
  }
  // A console user never presses buttons, so acks only matter if a turn has nothing else to say.
  if (lines.length === 0 && turn.ack) lines.push(turn.ack.toast);
  return lines;
}
