import { escapeControl } from '../core/terminal';

/**
 * Rows as aligned columns (two spaces apart, the last column not padded). Every cell is escaped
 * first (a hostile value cannot break the layout or reach the terminal as a control sequence);
 * `paint` colours a padded cell, so colour codes never count toward a column's width.
 */
export function textTable(rows: readonly (readonly string[])[], paint: (cell: string, row: number, col: number) => string = (cell) => cell): string[] {
  const safe = rows.map((r) => r.map((cell) => escapeControl(cell)));
  const widths = safe[0]?.map((_, col) => Math.max(...safe.map((r) => (r[col] ?? '').length))) ?? [];
  return safe.map((r, row) => r.map((cell, col) => paint(col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0), row, col)).join('  ').trimEnd());
}
