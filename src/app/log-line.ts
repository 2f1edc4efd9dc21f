import { escapeControl, paint, type Color } from '../core/terminal';

/** pino's numeric levels and how a terminal shows them. */
const LEVELS: Readonly<Record<number, { name: string; color: Color }>> = {
  10: { name: 'TRACE', color: 'gray' },
  20: { name: 'DEBUG', color: 'gray' },
  30: { name: 'INFO', color: 'green' },
  40: { name: 'WARN', color: 'yellow' },
  50: { name: 'ERROR', color: 'red' },
  60: { name: 'FATAL', color: 'red' },
};

/** Fields of every line that the layout shows in its own place, or not at all. */
const PLACED = new Set(['level', 'time', 'msg', 'resource', 'pid', 'hostname']);
/** The most of one value a line shows: a list of actions with their paths fits, a runaway value is cut. */
const VALUE_MAX = 1000;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const plainWord = /^[^\s"'=,]+$/;

/** A field's value: a plain word as it is, other strings quoted, lists joined, objects as JSON; escaped and bounded. */
function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = plainWord.test(value) ? value : JSON.stringify(value);
  else if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    // A list of words (triggers, resources) comma-joined; a list of phrases (actions) in brackets.
    const items = value.map((v) => String(v));
    text = items.every((v) => plainWord.test(v)) ? items.join(',') : `[${items.join('; ')}]`;
  }
  else text = JSON.stringify(value) ?? String(value);
  return escapeControl(clip(text, VALUE_MAX));
}

function clock(time: unknown): string {
  const at = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(at)) return '--:--:--.---';
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One log entry (pino's JSON object) as one terminal line: local time, level, the resource it is
 * about, the message, then the other fields as `key=value`. Every part that came from the entry
 * is escaped (no control character reaches the terminal) and each value is bounded.
 */
export function formatLogLine(entry: Readonly<Record<string, unknown>>, color: boolean): string {
  const level = typeof entry.level === 'number' ? LEVELS[entry.level] : undefined;
  const levelName = (level?.name ?? escapeControl(clip(String(entry.level), 10))).padEnd(5);
  const parts = [paint('dim', clock(entry.time), color), paint(level?.color ?? 'gray', levelName, color)];
  if (entry.resource !== undefined) parts.push(paint('cyan', `${showValue(entry.resource)}:`, color));
  parts.push(escapeControl(clip(typeof entry.msg === 'string' ? entry.msg : entry.msg === undefined ? '' : String(entry.msg), 2 * VALUE_MAX)));
  const fields = Object.entries(entry)
    .filter(([key, value]) => !PLACED.has(key) && value !== undefined)
    .map(([key, value]) => `${paint('dim', `${escapeControl(clip(key, 40))}=`, color)}${showValue(value)}`);
  return `${[...parts, ...fields].filter((p) => p !== '').join(' ')}\n`;
}

/** A line pino wrote (JSON) as formatLogLine shows it; a line that is not a JSON object is shown escaped. */
export function formatLogChunk(chunk: string, color: boolean): string {
  let entry: unknown;
  try {
    entry = JSON.parse(chunk);
  } catch {
    entry = null;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return `${escapeControl(chunk.replace(/\n$/, ''))}\n`;
  return formatLogLine(entry as Record<string, unknown>, color);
}
