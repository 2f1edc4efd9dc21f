/**
 * systemd unit-file syntax, kept line-accurate so that files can be edited without touching
 * lines we do not own: `[Section]` headers, `Key=Value` assignments (whitespace around `=`
 * ignored), `#`/`;` comment lines, and a trailing backslash continuing a value on the next line.
 */
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
  /** The line ending the file uses, kept when it is written back. */
  eol: '\n' | '\r\n';
  assignments: UnitAssignment[];
}

export function parseUnitFile(text: string): UnitFile {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // A byte order mark stays in lines[0] (trim() ignores it) so that a rewrite keeps it.
  const lines = text.split(/\r?\n/);
  const assignments: UnitAssignment[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let logical = (lines[i] as string).trim();
    if (logical === '' || logical.startsWith('#') || logical.startsWith(';')) continue;
    if (logical.startsWith('[')) {
      const end = logical.indexOf(']');
      section = end > 0 ? logical.slice(1, end) : '';
      continue;
    }
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = (lines[i] as string).trim();
      // systemd skips comment lines inside a continuation (systemd.syntax(7)).
      if (next.startsWith('#') || next.startsWith(';')) continue;
      logical = `${logical.slice(0, -1)} ${next}`;
    }
    // At the end of the file systemd parses a pending continuation, backslash turned into a space.
    if (logical.endsWith('\\')) logical = logical.slice(0, -1);
    const eq = logical.indexOf('=');
    if (eq <= 0) continue; // systemd ignores such lines with a warning
    assignments.push({
      section,
      key: logical.slice(0, eq).trim(),
      value: logical.slice(eq + 1).trim(),
      firstLine: first,
      lastLine: i,
    });
  }
  return { lines, eol, assignments };
}

/** The `[Socket] ListenStream=` assignments of a unit file, in file order. */
export function listenStreamAssignments(unit: UnitFile): UnitAssignment[] {
  return unit.assignments.filter((a) => a.section === 'Socket' && a.key === 'ListenStream');
}

/** Text of a unit with some assignments replaced by new values (other lines byte-identical). */
export function replaceAssignments(unit: UnitFile, replacements: Map<UnitAssignment, string>): string {
  const out: string[] = [];
  for (let i = 0; i < unit.lines.length; i++) {
    const assignment = [...replacements.keys()].find((a) => a.firstLine === i);
    if (!assignment) {
      out.push(unit.lines[i] as string);
      continue;
    }
    const original = unit.lines[i] as string;
    const indent = original.slice(0, original.length - original.trimStart().length);
    out.push(`${indent}${assignment.key}=${replacements.get(assignment) as string}`);
    i = assignment.lastLine;
  }
  return out.join(unit.eol);
}

/**
 * Text of a unit with `key=value` added at the end of `[section]` (the section is created at
 * the end of the file when missing).
 */
export function appendToSection(unit: UnitFile, section: string, key: string, value: string): string {
  const lines = [...unit.lines];
  const line = `${key}=${value}`;
  const header = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (header < 0) {
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.push('', `[${section}]`, line, '');
    return lines.join(unit.eol);
  }
  let insertAt = header + 1;
  for (let i = header + 1; i < lines.length && !(lines[i] as string).trim().startsWith('['); i++) {
    if ((lines[i] as string).trim() !== '') insertAt = i + 1;
  }
  lines.splice(insertAt, 0, line);
  return lines.join(unit.eol);
}
