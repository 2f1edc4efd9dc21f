import { leadingSpace, pyStrip, SECTION, trailingSpace } from './parse-ini';
import { splitLines } from '../core/lines';

/**
 * The INI text with `key = value` in `[section]`: an existing line for the key (compared
 * case-insensitively, `=` or `:` delimiter) is replaced, otherwise the line is added at the end of
 * the section; a missing section is appended. Every other line is kept byte for byte, its line
 * end (LF, CRLF or a lone CR, which configparser's universal newlines also end a line with)
 * included. Lines are classified with parse-ini's (Python's) white space, as configparser reads them.
 */
export function setIniValue(text: string, section: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const { lines, ends } = splitLines(text, /\r\n|\n|\r/);
  const line = `${key} = ${value}`;
  const kinds = classifyLines(lines);
  const join = (): string => lines.map((l, i) => l + (ends[i] as string)).join('');
  const header = kinds.findIndex((k) => k.kind === 'header' && k.name === section);
  if (header < 0) {
    while (lines.length > 0 && lines[lines.length - 1] === '') {
      lines.pop();
      ends.pop();
    }
    if (lines.length > 0) ends[ends.length - 1] = ends[ends.length - 1] || eol;
    return `${join()}${lines.length > 0 ? eol : ''}[${section}]${eol}${line}${eol}`;
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
    const kept = [];
    for (let j = i + 1; j <= last; j++) if ((kinds[j] as LineKind).kind === 'comment') kept.push(j);
    // An indented option stays indented: at column 0, the options after it would continue its value.
    const replaced = `${(lines[i] as string).slice(0, leadingSpace(lines[i] as string))}${line}`;
    const newLines = [replaced, ...kept.map((j) => lines[j] as string)];
    const newEnds = kept.length === 0 ? [ends[last] as string] : [(ends[i] as string) || eol, ...kept.map((j) => (ends[j] as string) || eol)];
    if (kept.length > 0) newEnds[newEnds.length - 1] = ends[last] as string;
    lines.splice(i, last - i + 1, ...newLines);
    ends.splice(i, last - i + 1, ...newEnds);
    return join();
  }
  let insertAt = header + 1;
  for (let i = header + 1; i < end; i++) if ((kinds[i] as LineKind).kind !== 'blank') insertAt = i + 1;
  // The line before the new one needs an end; the new one takes over "no final newline".
  const before = insertAt - 1;
  const newEnd = ends[before] === '' ? '' : eol;
  if (ends[before] === '') ends[before] = eol;
  lines.splice(insertAt, 0, line);
  ends.splice(insertAt, 0, newEnd);
  return join();
}

type LineKind = { kind: 'blank' | 'comment' | 'continuation' | 'other' } | { kind: 'header' | 'option'; name: string };

/**
 * Each line as configparser reads it: an indented line after an option continues that option's
 * value (even past blank lines and comments), so it is neither a header nor an option.
 */
function classifyLines(lines: readonly string[]): LineKind[] {
  let optionIndent: number | null = null;
  return lines.map((raw, index): LineKind => {
    const line = index === 0 ? raw.replace(/^\uFEFF/, '') : raw; // configparser reads utf-8-sig
    const stripped = pyStrip(line);
    if (stripped === '') return { kind: 'blank' };
    if (stripped.startsWith('#') || stripped.startsWith(';')) return { kind: 'comment' };
    const indent = leadingSpace(line);
    if (optionIndent !== null && indent > optionIndent) return { kind: 'continuation' };
    const header = SECTION.exec(stripped);
    if (header) {
      optionIndent = null;
      return { kind: 'header', name: header[1] as string };
    }
    const delimiter = stripped.search(/[=:]/);
    const before = delimiter < 0 ? '' : stripped.slice(0, delimiter);
    const name = before.slice(0, before.length - trailingSpace(before)).toLowerCase();
    if (!name) return { kind: 'other' };
    optionIndent = indent;
    return { kind: 'option', name };
  });
}
