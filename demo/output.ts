/**
 * Terminal output of the demo: timestamps relative to the demo's start, a tag column saying who
 * speaks (the demo, the file watcher, the controller), colours only on a TTY.
 */

export type Color = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const CODES: Record<Color, [number, number]> = {
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

/** FORCE_COLOR wins, then NO_COLOR; otherwise colours only on a terminal. */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

/** Who a line comes from. */
export type Speaker = 'demo' | 'watch' | 'controller';

const SPEAKER_COLOR: Record<Speaker, Color> = { demo: 'cyan', watch: 'magenta', controller: 'blue' };
const TAG_WIDTH = 'controller'.length;

export class Output {
  readonly startedAt: number;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stdout,
    readonly color: boolean = colorEnabled(stream),
    startedAt: number = Date.now(),
  ) {
    this.startedAt = startedAt;
  }

  paint(color: Color, text: string): string {
    if (!this.color) return text;
    const [open, close] = CODES[color];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** `+12.34s`: seconds since the demo started. */
  stamp(at: number = Date.now()): string {
    return `+${((at - this.startedAt) / 1000).toFixed(2)}s`.padStart(8);
  }

  /** A timestamped line; continuation lines are indented under the text. */
  log(speaker: Speaker, text: string, at: number = Date.now()): void {
    const head = `${this.paint('gray', this.stamp(at))}  ${this.paint(SPEAKER_COLOR[speaker], speaker.padEnd(TAG_WIDTH))}  `;
    const indent = ' '.repeat(8 + 2 + TAG_WIDTH + 2);
    const [first = '', ...rest] = text.split('\n');
    this.write([head + first, ...rest.map((line) => indent + line)].join('\n'));
  }

  /** A line without timestamp (intro, headings, tables). */
  plain(text = ''): void {
    this.write(text);
  }

  heading(title: string, subtitle?: string): void {
    this.write('');
    this.write(this.paint('gray', '─'.repeat(78)));
    this.write(this.paint('bold', title));
    if (subtitle !== undefined) this.write(this.paint('dim', subtitle));
  }

  private write(text: string): void {
    this.stream.write(`${text}\n`);
  }
}
