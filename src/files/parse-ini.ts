/**
 * An INI parser that reads files the way Python's `configparser` (apphub's reader) does with
 * its defaults, so that we never accept a value apphub would reject or read it differently:
 * `=` or `:` delimiters (the first one wins), `#` and `;` only as whole-line comments, option
 * names case-insensitive, section names case-sensitive, values stripped, indented lines continue
 * the previous value, duplicate sections or options are errors (strict mode), lines before the
 * first section are errors, `[DEFAULT]` values are inherited by every section.
 * CRLF and lone CR line ends are accepted (Python reads text files with universal newlines). A
 * UTF-8 byte order mark at the start of the file is skipped, as Python's `utf-8-sig` codec does:
 * editors add it, and it is not content. (A BOM anywhere else is kept, as Python keeps it.)
 * "Whitespace" is Python's (`str.isspace`), not JavaScript's: `trim()` would also strip U+FEFF
 * and keep U+0085 and U+001C–U+001F.
 */
export type IniParse = { ok: true; ini: IniDocument } | { ok: false; problem: string; line: number };

export interface IniDocument {
  sections: Map<string, Map<string, string>>;
  defaults: Map<string, string>;
}

/** configparser's SECTCRE. `s`: Python's `.` matches everything but `\n` (U+2028 included), JavaScript's does not. */
export const SECTION = /^\[(.+)\]/s;
const DEFAULT_SECTION = 'DEFAULT';

export function parseIni(text: string): IniParse {
  const sections = new Map<string, Map<string, string>>();
  const defaults = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  let current: Map<string, string> | null = null;
  let option: { name: string; parts: string[]; indent: number } | null = null;
  const finish = (): void => {
    if (current && option) current.set(option.name, joinValue(option.parts));
    option = null;
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const lineNo = index + 1;
    const stripped = pyStrip(line);
    if (stripped.startsWith('#') || stripped.startsWith(';')) continue;
    const indent = leadingSpace(line);
    if (stripped === '') {
      // configparser keeps empty lines inside multi-line values; trailing ones are dropped.
      if (option) option.parts.push('');
      continue;
    }
    if (current && option && indent > option.indent) {
      option.parts.push(stripped);
      continue;
    }
    const header = SECTION.exec(stripped);
    if (header) {
      finish();
      const name = header[1] as string;
      if (name === DEFAULT_SECTION) {
        current = defaults;
      } else {
        if (sections.has(name)) return { ok: false, problem: `section [${name}] appears twice`, line: lineNo };
        current = new Map();
        sections.set(name, current);
      }
      continue;
    }
    if (!current) return { ok: false, problem: 'text before the first [section] header', line: lineNo };
    // configparser's `(.*?)\s*[=:]\s*(.*)$`, i.e. split at the first delimiter; done without a
    // regular expression because that one backtracks quadratically on long runs of spaces.
    const delimiter = stripped.search(/[=:]/);
    const name = delimiter < 0 ? '' : stripped.slice(0, delimiter - trailingSpace(stripped.slice(0, delimiter))).toLowerCase();
    if (!name) return { ok: false, problem: 'line is neither a section, an option nor a comment', line: lineNo };
    finish();
    if (current.has(name)) return { ok: false, problem: `option "${name}" appears twice in a section`, line: lineNo };
    option = { name, parts: [pyStrip(stripped.slice(delimiter + 1))], indent };
    // Reserve the name now so that a duplicate is caught even before the value is complete.
    current.set(name, '');
  }
  finish();
  return { ok: true, ini: { sections, defaults } };
}

/** Python's `str.isspace()` (also what `\s` means in its `re`). */
function isPySpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    (code >= 0x1c && code <= 0x20) ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** How many Python-whitespace characters `text` starts with. */
export function leadingSpace(text: string): number {
  let i = 0;
  while (i < text.length && isPySpace(text.charCodeAt(i))) i++;
  return i;
}

/** How many Python-whitespace characters `text` ends with. */
export function trailingSpace(text: string): number {
  let i = 0;
  while (i < text.length && isPySpace(text.charCodeAt(text.length - 1 - i))) i++;
  return i;
}

/** Python's `str.strip()`. */
export function pyStrip(text: string): string {
  const start = leadingSpace(text);
  return start === text.length ? '' : text.slice(start, text.length - trailingSpace(text));
}

function joinValue(parts: string[]): string {
  let end = parts.length;
  while (end > 1 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join('\n');
}

/** `ini[section][key]` with `[DEFAULT]` fallback, the way configparser's `get` resolves it. */
export function getIniValue(ini: IniDocument, section: string, key: string): string | undefined {
  const values = ini.sections.get(section);
  if (!values) return undefined;
  const name = key.toLowerCase();
  return values.get(name) ?? ini.defaults.get(name);
}
