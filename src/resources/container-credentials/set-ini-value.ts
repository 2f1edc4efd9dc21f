/**
 * The INI text with `key = value` in `[section]`: an existing line for the key (compared
 * case-insensitively, `=` or `:` delimiter) is replaced, otherwise the line is added at the end of
 * the section; a missing section is appended. Every other line is kept byte for byte.
 */
export function setIniValue(text: string, section: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const line = `${key} = ${value}`;
  const header = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (header < 0) {
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length > 0) lines.push('');
    lines.push(`[${section}]`, line, '');
    return lines.join(eol);
  }
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i] as string)) {
      end = i;
      break;
    }
  }
  const wanted = key.toLowerCase();
  for (let i = header + 1; i < end; i++) {
    const match = /^([^=:#;\s][^=:]*?)\s*[=:]/.exec(lines[i] as string);
    if (match && (match[1] as string).trim().toLowerCase() === wanted) {
      lines[i] = line;
      return lines.join(eol);
    }
  }
  let insertAt = header + 1;
  for (let i = header + 1; i < end; i++) if ((lines[i] as string).trim() !== '') insertAt = i + 1;
  lines.splice(insertAt, 0, line);
  return lines.join(eol);
}
