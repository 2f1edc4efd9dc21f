import { splitLines } from '../../core/lines';

/** The marker lines of a managed block (byte strings). */
export interface BlockMarkers {
  begin: string;
  end: string;
}

/**
 * The text (a byte string) with only the lines between the marker lines replaced by `body`;
 * every other byte — the markers themselves, the lines around, every line end — kept. A marker
 * matches a line equal to it after trimming spaces at both ends. Without both markers the block
 * is appended (after a line end, if the file lacks a final one). Refused: a marker found twice,
 * only one of them, or `end` before `begin` (a hand-edited file: which lines are ours is
 * unknown, so none is touched).
 */
export function setBlock(text: string, markers: BlockMarkers, body: string): { ok: true; text: string } | { ok: false; problem: string } {
  const { lines, ends } = splitLines(text, /\r?\n/);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const at = (marker: string): number[] => lines.flatMap((l, i) => (l.trim() === marker.trim() ? [i] : []));
  const begins = at(markers.begin);
  const endsAt = at(markers.end);
  const inner = body === '' || body.endsWith('\n') ? body : `${body}${eol}`;
  if (begins.length === 0 && endsAt.length === 0) {
    const head = text === '' || text.endsWith('\n') ? text : `${text}${eol}`;
    return { ok: true, text: `${head}${markers.begin}${eol}${inner}${markers.end}${eol}` };
  }
  if (begins.length !== 1 || endsAt.length !== 1) return { ok: false, problem: `the block markers are broken: "${markers.begin}" found ${begins.length} times, "${markers.end}" ${endsAt.length} times; fix the file by hand` };
  const b = begins[0] as number;
  const e = endsAt[0] as number;
  if (e < b) return { ok: false, problem: `the block markers are broken: "${markers.end}" comes before "${markers.begin}"; fix the file by hand` };
  const before = lines.slice(0, b + 1).map((l, i) => l + (ends[i] ?? '')).join('');
  const after = lines.slice(e).map((l, i) => l + (ends[e + i] ?? '')).join('');
  // The begin line had no line end only if it was the last line, which it is not (end follows).
  return { ok: true, text: `${before}${inner}${after}` };
}

/** The lines between the markers as they are (for the status), or null when there is no intact block. */
export function currentBlock(text: string, markers: BlockMarkers): string | null {
  const { lines, ends } = splitLines(text, /\r?\n/);
  const b = lines.findIndex((l) => l.trim() === markers.begin.trim());
  const e = lines.findIndex((l, i) => i > b && l.trim() === markers.end.trim());
  if (b < 0 || e < 0) return null;
  return lines.slice(b + 1, e).map((l, i) => l + (ends[b + 1 + i] ?? '')).join('');
}
