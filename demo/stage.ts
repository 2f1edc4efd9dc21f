/**
 * The stage the scenes play on: the emulated host with the rest of the Websoft9 stack, the outside
 * file watcher, and the steps every scene shares (announce, wait for the correction, report).
 */
import type { EmulatedHost } from '../harness/websoft9-host';
import { readStatusJson, type StatusJson } from '../harness/status';
import type { ControllerLogEntry } from './controller-log';
import type { FileState, FileWatcher, WatchEvent } from './file-watcher';
import type { Narrator } from './narration';
import type { Waiter } from './waiting';
import { PORT_RESOURCES, type Websoft9Stack } from '../harness/websoft9-host';

export interface DemoOptions {
  onceRound: boolean;
  /** Pause before each scene. */
  pauseMs: number;
  /** How long scene 2 waits to show that nothing is written while apphub is down. */
  holdMs: number;
}

/** The user's port in apphub at the start, and the one scene 3 switches to (and back). */
export const START_PORT = 9000;
export const OTHER_PORT = 9443;
export const VENDOR_PORT = 9090;
/** Watched files that the controller writes with apphub's port (ids of the watched files). */
export const OWNED_FILES = ['dropin', 'xml-etc', 'xml-usr', 'nginx-var'];

export class Stage {
  /** apphub's port as the demo set it. */
  desired = START_PORT;
  /** How many times scene 5 and scene 6 have run (the certificate serial, the password number). */
  renewals = 1;
  /** `applied` log entries of the controller, with the time they were received. */
  readonly applied: { at: number; entry: ControllerLogEntry }[] = [];
  private readonly timings: { scene: string; ms: number }[] = [];

  constructor(
    readonly narrator: Narrator,
    readonly waiter: Waiter,
    readonly host: EmulatedHost,
    readonly stack: Websoft9Stack,
    readonly watcher: FileWatcher,
    readonly options: DemoOptions,
  ) {}

  act<T>(operation: () => Promise<T>): Promise<T> {
    return this.waiter.act(operation);
  }

  waitFor(what: string, match: (event: WatchEvent) => boolean, afterSeq: number): Promise<WatchEvent> {
    return this.waiter.change(this.watcher, what, match, afterSeq);
  }

  waitStatus(what: string, match: (status: StatusJson) => boolean, timeoutMs = 5000): Promise<StatusJson> {
    return this.waiter.status(this.host.statusPath, what, match, timeoutMs);
  }

  /** The host files the controller writes with apphub's port all say `port`. */
  hostMatches(snapshot: ReadonlyMap<string, FileState>, port: number): boolean {
    return OWNED_FILES.every((id) => snapshot.get(id)?.port === port);
  }

  /** Every resource in sync, the port resources on apphub's current port. */
  inSync(status: StatusJson): boolean {
    return status.resources.every((r) => r.inSync && (!PORT_RESOURCES.includes(r.name) || r.desired === this.desired));
  }

  async sceneStart(n: number, title: string, explanation: string): Promise<void> {
    const { out } = this.narrator;
    out.plain(out.paint('dim', `\n  next: scene ${n} in ${(this.options.pauseMs / 1000).toFixed(1)} s…`));
    await this.waiter.pause(this.options.pauseMs);
    out.heading(`Scene ${n} · ${title}`, explanation);
  }

  /** Prints a scene's `corrected in N ms` line with the triggers of the passes that applied changes. */
  async corrected(scene: number, ms: number, what: string, since: number, from = 'the break'): Promise<void> {
    // The controller's log line may arrive a moment after the file changed.
    const deadline = Date.now() + 1000;
    while (!this.applied.some((a) => a.at >= since) && Date.now() < deadline) await this.waiter.pause(20);
    const triggers = [...new Set(this.applied.filter((a) => a.at >= since).flatMap((a) => a.entry.triggers ?? []))];
    const why = triggers.length > 0 ? ` (pass triggered by: ${triggers.join(', ')})` : '';
    this.timings.push({ scene: `scene ${scene}`, ms });
    this.narrator.ok(`scene ${scene}: corrected in ${ms} ms after ${from}: ${what}${why}`);
  }

  /** When the last pass in the status file finished (0 when none): taken right after a break. */
  async passMarker(): Promise<number> {
    const status = await readStatusJson(this.host.statusPath);
    return status?.lastPass ? Date.parse(status.lastPass.finishedAt) : 0;
  }

  /**
   * Waits for a pass that finished after `marker` and left everything in sync (so its commands
   * have all run), then prints the commands recorded since the last call and the status.
   */
  async between(marker: number): Promise<void> {
    let status: StatusJson | null;
    try {
      const after = (s: StatusJson): boolean => s.lastPass !== null && Date.parse(s.lastPass.finishedAt) > marker;
      status = await this.waitStatus('the status file to show the correcting pass', (s) => after(s) && this.inSync(s), 5000);
    } catch (error) {
      if (this.waiter.stopping) throw error;
      status = await readStatusJson(this.host.statusPath);
    }
    const calls = await this.act(() => this.host.commands());
    await this.act(() => this.host.clearCommands());
    this.narrator.calls('recorded systemctl/firewall-cmd calls', calls);
    this.narrator.calls('recorded calls in the proxy', await this.act(() => this.stack.takeProxyReloads()));
    this.narrator.status(status);
  }

  printTimings(): void {
    const list = this.timings.map((t) => `${t.scene} ${t.ms} ms`).join(', ');
    this.narrator.out.plain('');
    this.narrator.say(this.narrator.out.paint('bold', `round done: every drift corrected (${list})`));
    this.timings.length = 0;
  }
}
