/**
 * Terminal output of the demo: timestamps relative to the demo's start, a tag column saying who
 * speaks (the demo, the file watcher, the controller), colours only on a TTY (FORCE_COLOR and
 * NO_COLOR as the controller's own terminal output: src/core/terminal.ts).
 */
import { paint, useColor, type Color } from '../src/core/terminal';

/** Who a line comes from. */
export type Speaker = 'demo' | 'watch' | 'controller';

const SPEAKER_COLOR: Record<Speaker, Color> = { demo: 'cyan', watch: 'magenta', controller: 'blue' };
const TAG_WIDTH = 'controller'.length;

export class Output {
  readonly startedAt: number;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stdout,
    readonly color: boolean = useColor(stream.isTTY, process.env),
    startedAt: number = Date.now(),
  ) {
    this.startedAt = startedAt;
  }

  paint(color: Color, text: string): string {
    return paint(color, text, this.color);
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
