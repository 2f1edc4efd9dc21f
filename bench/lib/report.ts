/** One figure of a scenario, with its target when it has one. */
export interface Figure {
  label: string;
  value: string;
  target?: string;
  pass?: boolean;
}

export interface ScenarioReport {
  name: string;
  title: string;
  figures: Figure[];
  /** How the figures were taken. */
  method: string[];
  notes: string[];
  /** Pre-formatted table lines (baseline comparison). */
  table?: string[];
  /** Raw data for the JSON output. */
  raw?: unknown;
  error?: string;
}

export function verdict(pass: boolean | undefined): string {
  return pass === undefined ? '' : pass ? 'PASS' : 'FAIL';
}

export function formatReport(report: ScenarioReport): string {
  const lines = [`\n=== ${report.name}: ${report.title}`];
  if (report.error) lines.push(`  ERROR: ${report.error}`);
  const width = Math.max(0, ...report.figures.map((f) => f.label.length));
  for (const f of report.figures) {
    const target = f.target ? `   target ${f.target}` : '';
    const v = verdict(f.pass);
    lines.push(`  ${f.label.padEnd(width)}  ${f.value}${target}${v ? `   ${v}` : ''}`);
  }
  if (report.table) lines.push('', ...report.table.map((l) => `  ${l}`));
  if (report.method.length > 0) lines.push('  how:', ...report.method.map((m) => `    - ${m}`));
  if (report.notes.length > 0) lines.push('  notes:', ...report.notes.map((m) => `    - ${m}`));
  return lines.join('\n');
}

/** A plain-text table with aligned columns (also valid Markdown). */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}
