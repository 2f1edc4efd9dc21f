import { SECTION } from '../../desired/parse-ini';

/**
 * The INI text with `key = value` in `[section]`: an existing line for the key (compared
 * case-insensitively, `=` or `:` delimiter) is replaced, otherwise the line is added at the end of
 * the section; a missing section is appended. Every other line is kept byte for byte.
 */
export function setIniValue(text: string, section: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const line = `${key} = ${value}`;
  const kinds = classifyLines(lines);
  const header = kinds.findIndex((k) => k.kind === 'header' && k.name === section);
  if (header < 0) {
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length > 0) lines.push('');
    lines.push(`[${section}]`, line, '');
    return lines.join(eol);
  }
  let end = kinds.findIndex((k, i) => i > header && k.kind === 'header');
  if (end < 0) end = lines.length;
  const wanted = key.toLowerCase();
  for (let i = header + 1; i < end; i++) {
    const kind = kinds[i] as LineKind;
    if (kind.kind !== 'option' || kind.name !== wanted) continue;
    // The old value's continuation lines go with it; comments among them stay.
    let last = i;
    for (let j = i + 1; j < end && (kinds[j] as LineKind).kind !== 'option' && (kinds[j] as LineKind).kind !== 'other'; j++) {
      if ((kinds[j] as LineKind).kind === 'continuation') last = j;
    }
    const comments = lines.slice(i + 1, last + 1).filter((_, k) => (kinds[i + 1 + k] as LineKind).kind === 'comment');
    // An indented option stays indented: at column 0, the options after it would continue its value.
    lines.splice(i, last - i + 1, `${/^\s*/.exec(lines[i] as string)?.[0] ?? ''}${line}`, ...comments);
    return lines.join(eol);
  }
  let insertAt = header + 1;
  for (let i = header + 1; i < end; i++) if ((kinds[i] as LineKind).kind !== 'blank') insertAt = i + 1;
  lines.splice(insertAt, 0, line);
  return lines.join(eol);
}

type LineKind = { kind: 'blank' | 'comment' | 'continuation' | 'other' } | { kind: 'header' | 'option'; name: string };


/**
 * Each line as configparser reads it: an indented line after an option continues that option's
 * value (even past blank lines and comments), so it is neither a header nor an option.
 */
function classifyLines(lines: readonly string[]): LineKind[] {
  let optionIndent: number | null = null;
  return lines.map((line): LineKind => {
    const stripped = line.trim();
    if (stripped === '') return { kind: 'blank' };
    if (stripped.startsWith('#') || stripped.startsWith(';')) return { kind: 'comment' };
    const indent = line.length - line.trimStart().length;
    if (optionIndent !== null && indent > optionIndent) return { kind: 'continuation' };
    const header = SECTION.exec(stripped);
    if (header) {
      optionIndent = null;
      return { kind: 'header', name: header[1] as string };
    }
    const delimiter = stripped.search(/[=:]/);
    const name = delimiter < 0 ? '' : stripped.slice(0, delimiter).trimEnd().toLowerCase();
    if (!name) return { kind: 'other' };
    optionIndent = indent;
    return { kind: 'option', name };
  });
}
