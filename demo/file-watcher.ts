/**
 * Watches the emulated host's files from the outside, the way a curious operator would with
 * `watch cat …`: every few milliseconds it stats and reads each file and reports each change of
 * content, existence or inode (a replacement by rename). Polling, not inotify, so that it is
 * independent of the controller's own watcher and cannot share its blind spots.
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';

/** What a file holds, for the port's sake. */
export type FileKind = 'dropin' | 'unit' | 'firewalld' | 'ini' | 'nginx-var' | 'cert';

export interface WatchedFile {
  id: string;
  /** Short name for the output. */
  label: string;
  path: string;
  kind: FileKind;
}

export interface FileState {
  exists: boolean;
  ino: number;
  content: string;
  /** The port the file sets, or null (absent, no such line, not a number). */
  port: number | null;
  /** One line for humans, e.g. `ListenStream=9000`. Never the whole file (config.ini holds secrets). */
  summary: string;
}

export interface WatchEvent {
  seq: number;
  at: number;
  id: string;
  file: WatchedFile;
  previous: FileState;
  state: FileState;
  /** Both versions exist and the inode changed: the file was replaced by rename. */
  replaced: boolean;
  /** Every watched file's state right after this event. */
  snapshot: ReadonlyMap<string, FileState>;
}

const ABSENT: FileState = { exists: false, ino: 0, content: '', port: null, summary: '(absent)' };

function lastListenStream(text: string): string | null {
  let value: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*ListenStream\s*=\s*(.*?)\s*$/.exec(line);
    if (match) value = match[1] === '' ? null : (match[1] as string); // an empty assignment resets the list
  }
  return value;
}

function iniPort(text: string): string | null {
  let section = '';
  let value: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[(.*)\]$/.exec(line);
    if (header) section = header[1] as string;
    else if (section === 'cockpit') {
      const match = /^port\s*=\s*(.*)$/.exec(line);
      if (match) value = match[1] as string;
    }
  }
  return value;
}

const toPort = (value: string | null): number | null => {
  const match = value === null ? null : /(\d{1,5})$/.exec(value);
  return match ? Number(match[1]) : null;
};

export function describeContent(kind: FileKind, content: string): { port: number | null; summary: string } {
  switch (kind) {
    case 'dropin':
    case 'unit': {
      const value = lastListenStream(content);
      return { port: toPort(value), summary: value === null ? 'no ListenStream' : `ListenStream=${value}` };
    }
    case 'firewalld': {
      const ports = [...content.matchAll(/<port\b[^>]*\bport="([^"]*)"/g)].map((m) => m[1] as string);
      return { port: toPort(ports[0] ?? null), summary: ports.length === 0 ? 'no <port>' : ports.map((p) => `port="${p}"`).join(' ') };
    }
    case 'ini': {
      const value = iniPort(content);
      return { port: toPort(value), summary: value === null ? '[cockpit] no port' : `[cockpit] port = ${value}` };
    }
    case 'nginx-var': {
      const value = /^\s*set\s+\$cockpit_port\s+([^;\s]*)\s*;/m.exec(content)?.[1] ?? null;
      return { port: toPort(value), summary: value === null ? 'no $cockpit_port' : `$cockpit_port ${value}` };
    }
    case 'cert': {
      // The first line names the demo's certificate (it is not a real one); never print key material.
      const first = content.split('\n', 1)[0] ?? '';
      return { port: null, summary: first.slice(0, 40) };
    }
  }
}

async function readState(file: WatchedFile): Promise<FileState> {
  try {
    const stat = await fs.stat(file.path);
    const content = await fs.readFile(file.path, 'utf8');
    return { exists: true, ino: stat.ino, content, ...describeContent(file.kind, content) };
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return ABSENT;
    throw error;
  }
}

/** Emits `change` with a {@link WatchEvent}, and `error` if a file cannot be read. */
export class FileWatcher extends EventEmitter {
  private readonly states = new Map<string, FileState>();
  private readonly events: WatchEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private waiters = new Set<() => void>();
  seq = 0;

  constructor(
    readonly files: readonly WatchedFile[],
    private readonly intervalMs = 10,
  ) {
    super();
  }

  /** Reads the baseline (no events for it), then polls until {@link stop}. */
  async start(): Promise<void> {
    for (const file of this.files) this.states.set(file.id, await readState(file));
    if (this.stopped) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  state(id: string): FileState {
    return this.states.get(id) ?? ABSENT;
  }

  /** Events after `afterSeq`, oldest first. */
  since(afterSeq: number): WatchEvent[] {
    return this.events.filter((e) => e.seq > afterSeq);
  }

  /**
   * The first event after `afterSeq` (already seen or still to come) that satisfies `match`.
   * Rejects after `timeoutMs` naming `what`, or with the signal's reason when it aborts.
   */
  waitFor(what: string, match: (event: WatchEvent) => boolean, afterSeq: number, timeoutMs: number, signal: AbortSignal): Promise<WatchEvent> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.waiters.delete(check);
        clearTimeout(timeout);
        signal.removeEventListener('abort', onAbort);
      };
      const check = (): void => {
        const found = this.since(afterSeq).find(match);
        if (found) {
          done();
          resolve(found);
        }
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason);
      };
      const timeout = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort);
      this.waiters.add(check);
      check();
    });
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.poll().then(
        () => this.schedule(),
        (error: unknown) => {
          this.emit('error', error);
          this.schedule();
        },
      );
    }, this.intervalMs);
  }

  private async poll(): Promise<void> {
    for (const file of this.files) {
      const state = await readState(file);
      if (!this.running) return;
      const previous = this.state(file.id);
      if (state.exists === previous.exists && state.ino === previous.ino && state.content === previous.content) continue;
      this.states.set(file.id, state);
      const event: WatchEvent = {
        seq: ++this.seq,
        at: Date.now(),
        id: file.id,
        file,
        previous,
        state,
        replaced: previous.exists && state.exists && previous.ino !== state.ino,
        snapshot: new Map(this.states),
      };
      this.events.push(event);
      if (this.events.length > 1000) this.events.splice(0, 500);
      this.emit('change', event);
      for (const waiter of [...this.waiters]) waiter();
    }
  }
}
