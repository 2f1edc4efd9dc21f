/**
 * Byte-preserving edits of GLib key files (`/etc/cockpit/cockpit.conf`). Text is handled as
 * latin1 strings, one character per byte, so that bytes that are not UTF-8 survive untouched.
 * Syntax as GLib reads it: leading whitespace is ignored, `#` starts a comment line, `[name]` a
 * group, `key=value` an entry (the key's trailing and the value's leading whitespace are not
 * part of them, keys are case-sensitive); a repeated group continues the first one and a repeated
 * key overrides the earlier one (the last one wins); anything else is a parse error.
 */

/** One line of a key file: its text without the line end, and the line end (`\n`, `\r\n` or `` at EOF). */
export interface KeyFileLine {
  text: string;
  eol: string;
  kind: 'blank' | 'comment' | 'group' | 'entry' | 'invalid';
  /** Group name (kind `group`), or key (kind `entry`). */
  name: string;
  /** Entries: offset in `text` where the value starts. */
  valueStart: number;
}

export type KeyFileParse = { ok: true; lines: KeyFileLine[] } | { ok: false; problem: string; line: number };

/** GLib's g_ascii_isspace, which it skips at the start of a line and around `=`. */
const SPACE = /^[ \t\n\v\f\r]*/;

/** Split and classify every line; a file GLib would refuse is a problem naming the first bad line. */
export function parseKeyFile(text: string): KeyFileParse {
  const lines: KeyFileLine[] = [];
  if (text === '') return { ok: true, lines };
  const parts = text.split(/(\r?\n)/);
  for (let i = 0; i < parts.length; i += 2) {
    const raw = parts[i] as string;
    const eol = parts[i + 1] ?? '';
    if (raw === '' && eol === '' && i > 0) break; // the empty piece after a final newline
    lines.push(classify(raw, eol));
  }
  let inGroup = false;
  for (const [index, line] of lines.entries()) {
    if (line.kind === 'invalid') return { ok: false, problem: 'is not a [group], key=value or # comment line', line: index + 1 };
    if (line.kind === 'group') inGroup = true;
    if (line.kind === 'entry' && !inGroup) return { ok: false, problem: 'key=value before the first [group]', line: index + 1 };
  }
  return { ok: true, lines };
}

function classify(text: string, eol: string): KeyFileLine {
  const indent = SPACE.exec(text)?.[0].length ?? 0;
  const body = text.slice(indent);
  const base = { text, eol, name: '', valueStart: 0 };
  if (/^[ \t\n\v\f\r]*$/.test(body)) return { ...base, kind: 'blank' };
  if (body.startsWith('#')) return { ...base, kind: 'comment' };
  if (body.startsWith('[')) {
    const group = /^\[([^\]]*)\][ \t]*$/.exec(body);
    return group ? { ...base, kind: 'group', name: group[1] as string } : { ...base, kind: 'invalid' };
  }
  const equals = body.indexOf('=');
  const key = equals < 0 ? '' : body.slice(0, equals).replace(/[ \t\n\v\f\r]+$/, '');
  if (key === '') return { ...base, kind: 'invalid' };
  let valueStart = indent + equals + 1;
  while (valueStart < text.length && ' \t\n\v\f\r'.includes(text[valueStart] as string)) valueStart++;
  return { ...base, kind: 'entry', name: key, valueStart };
}

/** The effective value of `[group] key` (the last one wins), or null. */
export function getKeyFileValue(lines: readonly KeyFileLine[], group: string, key: string): string | null {
  let current: string | null = null;
  let value: string | null = null;
  for (const line of lines) {
    if (line.kind === 'group') current = line.name;
    else if (line.kind === 'entry' && current === group && line.name === key) value = line.text.slice(line.valueStart);
  }
  return value;
}

/**
 * The text with `[group] key` set to `value` (both latin1 strings, no line breaks): every entry of
 * the key in the group is given the value, only the bytes after its `=` changing; with none, an
 * entry `key = value` goes after the group's last entry (of its last occurrence); with no group,
 * the group is appended after a blank line. New lines use the file's line end (CRLF when its
 * first line ends so); a missing final newline is added only where a line is appended after it.
 */
export function setKeyFileValue(lines: readonly KeyFileLine[], group: string, key: string, value: string): string {
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
  const out = lines.map((l) => ({ ...l }));
  let current: string | null = null;
  let found = false;
  let insertAfter = -1;
  for (const [index, line] of out.entries()) {
    if (line.kind === 'group') {
      current = line.name;
      if (current === group) insertAfter = index;
    } else if (current === group && line.kind === 'entry') {
      insertAfter = index;
      if (line.name === key) {
        line.text = line.text.slice(0, line.valueStart) + value;
        found = true;
      }
    }
  }
  const entry = `${key} = ${value}`;
  if (!found && insertAfter >= 0) {
    const before = out[insertAfter] as KeyFileLine;
    out.splice(insertAfter + 1, 0, { ...before, text: entry, eol: before.eol === '' ? '' : eol });
    if (before.eol === '') before.eol = eol;
  } else if (!found) {
    const last = out[out.length - 1];
    if (last !== undefined && last.eol === '') last.eol = eol;
    const separator = last !== undefined && last.kind !== 'blank' ? [eol] : [];
    return join(out) + [...separator, `[${group}]`, eol, entry, eol].join('');
  }
  return join(out);
}

function join(lines: readonly KeyFileLine[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}
