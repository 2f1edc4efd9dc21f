/**
 * Turns the controller's JSON log lines (pino, on its stderr) into short readable lines, and
 * remembers which passes applied changes and why (their triggers).
 */

export interface ControllerLogEntry {
  level: number;
  msg: string;
  time?: string;
  resource?: string;
  desired?: number | null;
  observed?: unknown;
  reason?: string;
  triggers?: string[];
  actions?: string[];
  [key: string]: unknown;
}

export interface ReadableLine {
  level: number;
  text: string;
}

export function parseLogLine(line: string): ControllerLogEntry | null {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && typeof (value as { msg?: unknown }).msg === 'string') return value as ControllerLogEntry;
  } catch {
    // not JSON: printed as is
  }
  return null;
}

const triggersOf = (entry: ControllerLogEntry): string => (entry.triggers && entry.triggers.length > 0 ? ` [triggers: ${entry.triggers.join(', ')}]` : '');

/** Fields worth showing next to a message that is not about a resource. */
const EXTRA_FIELDS = ['signal', 'docker', 'err', 'error', 'timeoutMs'];

/**
 * Collects controller output line by line and calls `emit` with readable lines. Warnings that
 * several resources report in the same pass (same reason, message and triggers) are merged into
 * one line naming all of them.
 */
export class ControllerLogReader {
  private partial = '';
  private pendingWarnings = new Map<string, { resources: string[]; entry: ControllerLogEntry }>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly shorten: (text: string) => string,
    private readonly emit: (line: ReadableLine) => void,
    private readonly onEntry: (entry: ControllerLogEntry) => void = () => undefined,
  ) {}

  push(chunk: string): void {
    this.partial += chunk;
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') this.line(line);
  }

  /** Prints whatever is buffered (at exit). */
  flush(): void {
    if (this.partial.trim() !== '') this.line(this.partial);
    this.partial = '';
    this.flushWarnings();
  }

  private line(line: string): void {
    const entry = parseLogLine(line);
    if (!entry) {
      this.emit({ level: 30, text: this.shorten(line) });
      return;
    }
    this.onEntry(entry);
    if (entry.resource !== undefined && entry.level >= 40) {
      const key = `${entry.level}\u0000${entry.reason ?? ''}\u0000${entry.msg}\u0000${(entry.triggers ?? []).join(',')}`;
      const pending = this.pendingWarnings.get(key);
      if (pending) pending.resources.push(entry.resource);
      else this.pendingWarnings.set(key, { resources: [entry.resource], entry });
      this.flushTimer ??= setTimeout(() => this.flushWarnings(), 30);
      return;
    }
    this.flushWarnings();
    this.emit({ level: entry.level, text: this.describe(entry) });
  }

  private flushWarnings(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const { resources, entry } of this.pendingWarnings.values()) {
      this.emit({ level: entry.level, text: `${resources.join(', ')}: ${entry.reason ?? 'warning'}${triggersOf(entry)}\n${this.shorten(entry.msg)}` });
    }
    this.pendingWarnings.clear();
  }

  private describe(entry: ControllerLogEntry): string {
    if (entry.msg === 'applied' && entry.resource !== undefined) {
      const actions = (entry.actions ?? []).map((a) => this.shorten(a));
      return `applied ${entry.resource} → ${String(entry.desired)}${triggersOf(entry)}\n${actions.join('; ')}`;
    }
    const extras = EXTRA_FIELDS.filter((key) => entry[key] !== undefined).map((key) => {
      const value = entry[key];
      return `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
    });
    const about = entry.resource !== undefined ? `${entry.resource}: ` : '';
    return this.shorten(`${about}${entry.msg}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}${triggersOf(entry)}`);
  }
}
