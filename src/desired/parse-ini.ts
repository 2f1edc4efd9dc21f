/**
 * An INI parser that reads files the way Python's `configparser` (apphub's reader) does with
 * its defaults, so that we never accept a value apphub would reject or read it differently:
 * `=` or `:` delimiters (the first one wins), `#` and `;` only as whole-line comments, option
 * names case-insensitive, section names case-sensitive, values stripped, indented lines continue
 * the previous value, duplicate sections or options are errors (strict mode), lines before the
 * first section are errors, `[DEFAULT]` values are inherited by every section.
 * A UTF-8 byte order mark and CRLF line ends are accepted.
 */
export type IniParse = { ok: true; ini: IniDocument } | { ok: false; problem: string; line: number };

export interface IniDocument {
  sections: Map<string, Map<string, string>>;
  defaults: Map<string, string>;
}

const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*([=:])\s*(.*)$/;
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
    const stripped = line.trim();
    if (stripped.startsWith('#') || stripped.startsWith(';')) continue;
    const indent = line.length - line.trimStart().length;
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
    const match = OPTION.exec(stripped);
    const name = match?.[1]?.trimEnd().toLowerCase();
    if (!match || !name) return { ok: false, problem: 'line is neither a section, an option nor a comment', line: lineNo };
    finish();
    if (current.has(name)) return { ok: false, problem: `option "${name}" appears twice in a section`, line: lineNo };
    option = { name, parts: [(match[3] as string).trim()], indent };
    // Reserve the name now so that a duplicate is caught even before the value is complete.
    current.set(name, '');
  }
  finish();
  return { ok: true, ini: { sections, defaults } };
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
