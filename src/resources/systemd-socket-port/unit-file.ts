/**
 * systemd unit-file syntax, kept line-accurate so that files can be edited without touching
 * lines we do not own: `[Section]` headers, `Key=Value` assignments (whitespace around `=`
 * ignored), `#`/`;` comment lines, and a trailing backslash continuing a value on the next line.
 * Texts are byte strings (core/bytes): every byte, valid UTF-8 or not, and every line end (LF,
 * CRLF, mixed) of a line not edited comes back as it was. Whitespace is systemd's (space, tab,
 * CR, LF), not JavaScript's `trim()`, which would also eat U+00A0 — a byte of many UTF-8 letters.
 */

import { splitLines } from '../../core/lines';

export interface UnitAssignment {
  section: string;
  key: string;
  value: string;
  /** First and last physical line (0-based) of the assignment, continuation lines included. */
  firstLine: number;
  lastLine: number;
}

export interface UnitFile {
  lines: string[];
  /** The line end of each line (`\n`, `\r\n`, or '' for the last one). */
  ends: string[];
  /** The line ending the file mostly uses: for lines that are added. */
  eol: '\n' | '\r\n';
  assignments: UnitAssignment[];
}

/** A UTF-8 byte order mark at the start of the file, as a byte string or as text. */
const BOM = /^(?:\xEF\xBB\xBF|\uFEFF)/;

/** systemd's `strstrip` (WHITESPACE: space, tab, LF, CR). */
function strip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

export function parseUnitFile(text: string): UnitFile {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // A byte order mark stays in lines[0] so that a rewrite keeps it; systemd skips it.
  const { lines, ends } = splitLines(text, /\r?\n/);
  const assignments: UnitAssignment[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    const physical = i === 0 ? (lines[0] as string).replace(BOM, '') : (lines[i] as string);
    let logical = strip(physical);
    if (logical === '' || logical.startsWith('#') || logical.startsWith(';')) continue;
    if (logical.startsWith('[')) {
      const end = logical.indexOf(']');
      section = end > 0 ? logical.slice(1, end) : '';
      continue;
    }
    // Pieces joined once at the end: repeated concatenation would be quadratic in a long chain.
    const pieces: string[] = [];
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = strip(lines[i] as string);
      // systemd skips comment lines inside a continuation (systemd.syntax(7)).
      if (next.startsWith('#') || next.startsWith(';')) continue;
      pieces.push(logical.slice(0, -1));
      logical = next;
    }
    pieces.push(logical);
    logical = pieces.join(' ');
    // At the end of the file systemd parses a pending continuation, backslash turned into a space.
    if (logical.endsWith('\\')) logical = logical.slice(0, -1);
    const eq = logical.indexOf('=');
    if (eq <= 0) continue; // systemd ignores such lines with a warning
    assignments.push({
      section,
      key: strip(logical.slice(0, eq)),
      value: strip(logical.slice(eq + 1)),
      firstLine: first,
      lastLine: i,
    });
  }
  return { lines, ends, eol, assignments };
}

/** The `[Socket] ListenStream=` assignments of a unit file, in file order. */
export function listenStreamAssignments(unit: UnitFile): UnitAssignment[] {
  return unit.assignments.filter((a) => a.section === 'Socket' && a.key === 'ListenStream');
}

/**
 * Text of a unit with some assignments replaced by new values: every other line, and every line
 * end (the replaced assignment's last one included), byte-identical. Linear in the file's size.
 */
export function replaceAssignments(unit: UnitFile, replacements: Map<UnitAssignment, string>): string {
  const byLine = new Map<number, [UnitAssignment, string]>();
  for (const [assignment, value] of replacements) byLine.set(assignment.firstLine, [assignment, value]);
  const out: string[] = [];
  for (let i = 0; i < unit.lines.length; i++) {
    const replacement = byLine.get(i);
    if (!replacement) {
      out.push(unit.lines[i] as string, unit.ends[i] as string);
      continue;
    }
    const [assignment, value] = replacement;
    const original = unit.lines[i] as string;
    const bom = i === 0 ? (BOM.exec(original)?.[0] ?? '') : '';
    const rest = original.slice(bom.length);
    const indent = rest.slice(0, rest.length - rest.replace(/^[ \t]+/, '').length);
    out.push(`${bom}${indent}${assignment.key}=${value}`, unit.ends[assignment.lastLine] as string);
    i = assignment.lastLine;
  }
  return out.join('');
}

/**
 * Text of a unit with `key=value` added at the end of `[section]` (the section is created at
 * the end of the file when missing, after dropping trailing blank lines). Other lines are kept.
 */
export function appendToSection(unit: UnitFile, section: string, key: string, value: string): string {
  const lines = [...unit.lines];
  const ends = [...unit.ends];
  const line = `${key}=${value}`;
  const bare = (i: number): string => strip(i === 0 ? (lines[0] as string).replace(BOM, '') : (lines[i] as string));
  const header = lines.findIndex((_, i) => bare(i) === `[${section}]`);
  if (header < 0) {
    while (lines.length > 0 && lines[lines.length - 1] === '') {
      lines.pop();
      ends.pop();
    }
    const body = lines.map((l, i) => l + (i === lines.length - 1 ? unit.eol : (ends[i] as string))).join('');
    return `${body}${lines.length > 0 ? unit.eol : ''}[${section}]${unit.eol}${line}${unit.eol}`;
  }
  let insertAt = header + 1;
  for (let i = header + 1; i < lines.length && !bare(i).startsWith('['); i++) {
    if (bare(i) !== '') insertAt = i + 1;
  }
  // The line before the new one needs an end; the new one takes over "no final newline".
  const before = insertAt - 1;
  const newEnd = ends[before] === '' ? '' : unit.eol;
  if (ends[before] === '') ends[before] = unit.eol;
  lines.splice(insertAt, 0, line);
  ends.splice(insertAt, 0, newEnd);
  return lines.map((l, i) => l + (ends[i] as string)).join('');
}
