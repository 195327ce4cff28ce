/** `(?, ?, ?), (?, ?, ?)` for `rows` rows of `columns` values: MySQL's and SQLite's placeholders alike. */
export function placeholders(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}
