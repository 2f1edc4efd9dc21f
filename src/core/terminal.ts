/**
 * What text written to a terminal needs: colours only where they are wanted, and no control
 * character from a value the program did not write itself (a container's name, a file's contents,
 * a label) reaching the terminal, where an ESC sequence could recolour, retitle or rewrite it.
 */

export type Color = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const CODES: Record<Color, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

/**
 * Whether to colour a stream: FORCE_COLOR wins (`0` or `false`: never), then NO_COLOR
 * (https://no-color.org: set and not empty means no colour), then colour only on a terminal that
 * is not `TERM=dumb`.
 */
export function useColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY === true && env.TERM !== 'dumb';
}

/** `text` in `color` (SGR codes) when `on`; as it is otherwise. */
export function paint(color: Color, text: string, on: boolean): string {
  if (!on || text === '') return text;
  const [open, close] = CODES[color];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/**
 * C0 controls and DEL, C1 controls (U+0080–U+009F: U+009B is a CSI on some terminals), the line
 * and paragraph separators, the bidirectional overrides and isolates (which reorder what follows
 * them), and lone surrogates.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const TAB_KEPT = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NAMED: ReadonlyMap<string, string> = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\u001b', '\\e'],
]);

function escapeOne(ch: string): string {
  const named = NAMED.get(ch);
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written out (`\n`, `\e`, `\x9b`, `\u202e`): one line, and
 * nothing a terminal would act on. `keepTab` leaves tabs as they are (diffs of indented files).
 */
export function escapeControl(text: string, options: { keepTab?: boolean } = {}): string {
  return text.replace(options.keepTab === true ? TAB_KEPT : CONTROL, escapeOne);
}

/** Whether `text` holds a character `escapeControl` would write out (tests, and a cheap check). */
export function hasControl(text: string): boolean {
  return new RegExp(CONTROL.source).test(text);
}
