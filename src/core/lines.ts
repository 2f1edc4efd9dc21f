/**
 * A text cut into lines, each with its own line end (`ends[i]` follows `lines[i]`; the last is ''),
 * so that an editor can change one line and write every other byte back as it was. `newline` says
 * which ends the file's reader knows (systemd: `\r?\n`; Python's configparser also a lone `\r`).
 */
export function splitLines(text: string, newline: RegExp): { lines: string[]; ends: string[] } {
  const lines: string[] = [];
  const ends: string[] = [];
  const pattern = new RegExp(newline.source, 'g');
  let start = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    lines.push(text.slice(start, m.index));
    ends.push(m[0]);
    start = m.index + m[0].length;
  }
  lines.push(text.slice(start));
  ends.push('');
  return { lines, ends };
}
