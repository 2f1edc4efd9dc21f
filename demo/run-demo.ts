/**
 * Live demo (`npm run demo`): an emulated Websoft9 host, the real controller (`node dist/cli.js`)
 * running against it, and a timer that breaks the host in the ways that broke real ones. Every
 * drift and its correction is shown as it happens, with timings. Runs until Ctrl-C (or for one
 * round with `--once-round`); Ctrl-C, SIGTERM and errors stop the controller and remove the
 * container, the volume and the temporary directory.
 *
 * Nothing on the machine is touched besides Docker objects labelled `reconciler.test=true` and a
 * temporary directory: systemctl and firewall-cmd are recording stand-ins.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { startDaemon, type DaemonProcess } from '../test/support/daemon-process';
import { createEmulatedHost, type EmulatedHost } from '../test/support/emulated-host';
import { CLI, runCli } from '../test/support/run-cli';
import { readStatusJson, type StatusJson } from '../test/support/status';
import { ControllerLogReader, type ControllerLogEntry } from './controller-log';
import { FileWatcher, type FileState, type WatchEvent, type WatchedFile } from './file-watcher';
import { Output } from './output';

const USAGE = `Usage: npm run demo [-- --once-round]

  Builds an emulated Websoft9 host (temporary files, a throwaway busybox container), runs the
  controller against it and breaks things on a timer, showing each drift and its correction.

  --once-round   play the four scenes once, then clean up and exit (for CI)
  -h, --help     this text

  Ctrl-C stops the controller and removes everything the demo created.
`;

interface DemoOptions {
  onceRound: boolean;
  /** Pause before each scene. */
  pauseMs: number;
  /** How long scene 2 waits to show that nothing is written while apphub is down. */
  holdMs: number;
}

/** The user's port in apphub at the start, and the one scene 3 switches to (and back). */
const START_PORT = 9000;
const OTHER_PORT = 9443;
const VENDOR_PORT = 9090;
/** How long a correction may take before the demo calls it a failure. */
const CORRECTION_TIMEOUT_MS = 10_000;
/** Watched files the controller writes (ids of {@link Demo.watchedFiles}). */
const OWNED_FILES = ['dropin', 'xml-etc', 'xml-usr'];

/** Thrown into pending waits when the demo is shutting down. */
class Aborted extends Error {
  constructor() {
    super('demo stopping');
    this.name = 'Aborted';
  }
}

const dropInText = (port: number): string => `[Socket]\nListenStream=\nListenStream=${port}\n`;

async function replaceByRename(file: string, text: string): Promise<void> {
  const staged = `${file}.dpkg-new`;
  await fs.writeFile(staged, text);
  await fs.rename(staged, file);
}

function intro(out: Output): void {
  const b = (text: string): string => out.paint('bold', text);
  out.plain(b('reconcile — live demo: keeping a Docker host in line with a container, level-triggered'));
  out.plain(`
${b('The setting.')} Websoft9 runs self-hosted apps in Docker. Its control container,
${b('websoft9-apphub')}, stores the port of Cockpit (the host's web console) in its config.ini:
    [cockpit]
    port = 9000
The host keeps its own copies of that port, outside any container:
  • cockpit.socket    the systemd unit shipped by the cockpit package (ListenStream=9090, the
                      vendor default; package upgrades overwrite it)
  • listen.conf       a drop-in next to it (cockpit.socket.d/) that overrides ListenStream with
                      apphub's port; this is what the controller writes
  • cockpit.xml       firewalld's service definition, which opens that port in the firewall
If they disagree with apphub, the console is unreachable.

${b('What went wrong.')} Websoft9 synced them with an edge-triggered shell watcher: when a file changed,
it asked apphub for the port. During an upgrade cockpit.socket was reset to 9090 while apphub was
being recreated; the question failed, the script fell back to 9090, and since no file changed
afterwards it never looked again. Users lost their port 9000.

${b('What this controller does instead.')} Any hint (a file change, a Docker event, a 30 s resync)
starts a pass that re-reads apphub's port and the host files in full and corrects any difference.
If apphub's port cannot be read, it writes nothing and says so in its status.

${b('What to watch for.')}
  ${out.paint('magenta', 'watch')}       every change of the host files, seen from outside (polled every 10 ms)
  ${out.paint('blue', 'controller')}  what the controller logged: why a pass ran (its triggers) and what it did
  ${out.paint('cyan', 'demo')}        what the demo breaks, and how long the correction took
  Scene 2 is the one that broke real hosts: apphub is down, so nothing may be written.

Everything lives in a temporary directory and a throwaway container; systemctl and firewall-cmd
are recording stand-ins, so nothing on this machine changes. Ctrl-C stops and cleans up.`);
}

class Demo {
  private readonly abort = new AbortController();
  private host: EmulatedHost | null = null;
  private daemon: DaemonProcess | null = null;
  private watcher: FileWatcher | null = null;
  private logReader: ControllerLogReader | null = null;
  /** The host operation in progress (shutdown waits for it before cleaning up). */
  private inFlight: Promise<unknown> = Promise.resolve();
  private shutdownPromise: Promise<number> | null = null;
  private failed = false;
  /** apphub's port as the demo set it. */
  private desired = START_PORT;
  /** `applied` log entries of the controller, with the time they were received. */
  private readonly applied: { at: number; entry: ControllerLogEntry }[] = [];
  private readonly timings: { scene: string; ms: number }[] = [];
  /** The controller logged `shutting down` (a Ctrl-C in a terminal reaches it directly too). */
  private controllerShuttingDown = false;

  constructor(
    private readonly out: Output,
    private readonly options: DemoOptions,
  ) {}

  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  // ───────────────────────────── the show ─────────────────────────────

  async run(): Promise<void> {
    intro(this.out);
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm run demo\` does)`);

    this.out.heading('Setting up', 'an emulated Websoft9 host: temporary files, a busybox stand-in for apphub, recording systemctl/firewall-cmd');
    this.say('building the emulated host…');
    // Assigned inside the operation, so that a shutdown waiting for it finds the host to clean up.
    const host = await this.act(async () => (this.host = await createEmulatedHost({ port: START_PORT, vendorPort: VENDOR_PORT })));
    await this.act(() => host.writeConfig({ timing: { resyncInterval: '30s' } }));
    this.describeHost(host);

    this.watcher = new FileWatcher(this.watchedFiles(host));
    this.watcher.on('change', (event: WatchEvent) => this.printChange(event));
    this.watcher.on('error', (error: unknown) => this.fail(error));
    await this.watcher.start();

    await this.startController(host);
    for (let round = 1; ; round++) {
      if (!this.options.onceRound) this.out.heading(`Round ${round}`, 'the same four scenes; Ctrl-C to stop');
      await this.scene1(host);
      await this.scene2(host);
      await this.scene3(host);
      await this.scene4(host);
      this.printTimings();
      if (this.options.onceRound) return;
    }
  }

  private describeHost(host: EmulatedHost): void {
    const rel = (file: string): string => path.relative(host.root, file);
    const rows: [string, string][] = [
      ['root directory', host.root],
      ['vendor unit', `${rel(host.unitPath)}   (ListenStream=${VENDOR_PORT})`],
      ['drop-in', `${rel(host.dropInPath)}   (absent: nothing has synced yet)`],
      ['firewalld', `${host.firewalldFiles.map(rel).join(', ')}   (port ${VENDOR_PORT})`],
      ['apphub container', `${host.containerName}   (busybox stand-in; volume ${host.volumeName})`],
      ['apphub config.ini', `${host.configIniPath}   ([cockpit] port = ${START_PORT})`],
      ['controller config', rel(host.configPath)],
      ['status file', rel(host.statusPath)],
      ['recorded commands', `${rel(host.commandsLogPath)}   (systemctl/firewall-cmd stand-in: ${rel(host.recorderPath)})`],
    ];
    this.out.plain('');
    for (const [name, value] of rows) this.out.plain(`  ${name.padEnd(18)} ${value}`);
    this.out.plain('');
  }

  private watchedFiles(host: EmulatedHost): WatchedFile[] {
    const [etcXml = '', usrXml = ''] = host.firewalldFiles;
    return [
      { id: 'ini', label: 'apphub config.ini', path: host.configIniPath, kind: 'ini' },
      { id: 'unit', label: 'cockpit.socket', path: host.unitPath, kind: 'unit' },
      { id: 'dropin', label: 'listen.conf', path: host.dropInPath, kind: 'dropin' },
      { id: 'xml-etc', label: 'etc/…/cockpit.xml', path: etcXml, kind: 'firewalld' },
      { id: 'xml-usr', label: 'usr/…/cockpit.xml', path: usrXml, kind: 'firewalld' },
    ];
  }

  private async startController(host: EmulatedHost): Promise<void> {
    const watcher = this.requireWatcher();
    this.out.heading('Starting the controller', `node dist/cli.js --config ${host.configPath}   (resync every 30 s, debounce 100 ms)`);
    const shorten = (text: string): string => text.split(`${host.recorderPath} `).join('').split(`${host.root}/`).join('');
    this.logReader = new ControllerLogReader(
      shorten,
      ({ level, text }) => this.out.log('controller', level >= 50 ? this.out.paint('red', text) : level >= 40 ? this.out.paint('yellow', text) : text),
      (entry) => {
        if (entry.msg === 'applied') this.applied.push({ at: Date.now(), entry });
        if (entry.msg === 'shutting down') this.controllerShuttingDown = true;
      },
    );
    const before = watcher.seq;
    const startedAt = Date.now();
    if (this.stopping) throw new Aborted();
    const daemon = startDaemon(['--config', host.configPath]);
    this.daemon = daemon;
    daemon.process.stderr?.on('data', (chunk: Buffer) => this.logReader?.push(chunk.toString()));
    void daemon.exited.then(async (code) => {
      if (this.stopping) return;
      await sleep(300); // a Ctrl-C in a terminal reaches the controller too; give the demo's handler its turn
      if (!this.stopping) this.fail(new Error(`the controller exited unexpectedly (code ${String(code)})`));
    });

    const converged = await this.waitFor('the first convergence', (e) => this.hostMatches(e.snapshot, this.desired), before);
    this.ok(`first convergence ${converged.at - startedAt} ms after start: the host follows apphub's ${this.desired}`);
    this.explain(
      `The vendor unit still says ${VENDOR_PORT}; the drop-in overrides it (ListenStream= clears the list, then ${this.desired}),\n` +
        `so a package upgrade of cockpit.socket alone cannot change the port.`,
    );
    await this.between(0);
  }

  /** Scene 1: a package upgrade resets the port to 9090. */
  private async scene1(host: EmulatedHost): Promise<void> {
    await this.sceneStart(1, 'a package upgrade resets Cockpit to 9090', 'dpkg replaces cockpit.socket and an upgrade script resets the drop-in to 9090, both by rename (new inodes).');
    const before = this.requireWatcher().seq;
    this.say(`upgrade: cockpit.socket.dpkg-new → cockpit.socket, listen.conf.dpkg-new → listen.conf (both ListenStream=${VENDOR_PORT})`);
    const t0 = Date.now();
    await this.act(async () => {
      await host.simulatePackageUpgrade(VENDOR_PORT);
      await replaceByRename(host.dropInPath, dropInText(VENDOR_PORT));
    });
    const broken = Date.now();
    const marker = await this.passMarker();
    const drift = await this.waitFor('listen.conf to show the reset', (e) => e.id === 'dropin' && e.state.port !== this.desired, before);
    this.drift(`listen.conf says ${drift.state.summary}, apphub says ${this.desired}`);
    const fixed = await this.waitFor(`listen.conf back on ${this.desired}`, (e) => this.hostMatches(e.snapshot, this.desired), drift.seq);
    await this.corrected(1, fixed.at - broken, `listen.conf back to ListenStream=${this.desired}`, t0);
    await this.between(marker);
  }

  /** Scene 2: apphub is down while the upgrade resets the port: nothing may be written. */
  private async scene2(host: EmulatedHost): Promise<void> {
    const watcher = this.requireWatcher();
    await this.sceneStart(
      2,
      'apphub is down while an upgrade resets the port (what broke real hosts)',
      "apphub is stopped, as during a Websoft9 upgrade; then the same reset as in scene 1. Its port can't be read now.",
    );
    this.say('docker stop apphub');
    await this.act(() => host.stopApphub());
    await this.waitStatus('DesiredStateUnavailable in the status', (s) =>
      s.resources.length > 0 && s.resources.every((r) => r.conditions.some((c) => c.type === 'Ready' && c.reason === 'DesiredStateUnavailable')),
    );
    this.say("the controller noticed: apphub's port is unknown, so it will not touch the host (and retries with backoff)");

    const commandsBefore = (await this.act(() => host.commands())).length;
    const before = watcher.seq;
    this.say(`upgrade: cockpit.socket and listen.conf replaced again (ListenStream=${VENDOR_PORT})`);
    await this.act(async () => {
      await host.simulatePackageUpgrade(VENDOR_PORT);
      await replaceByRename(host.dropInPath, dropInText(VENDOR_PORT));
    });
    const drift = await this.waitFor('listen.conf to show the reset', (e) => e.id === 'dropin' && e.state.port !== this.desired, before);
    this.drift(`listen.conf says ${drift.state.summary} while apphub is down; the old watcher fell back to ${VENDOR_PORT} right here`);

    await this.pause(this.options.holdMs);
    const written = watcher.since(drift.seq).filter((e) => OWNED_FILES.includes(e.id));
    const calls = (await this.act(() => host.commands())).slice(commandsBefore);
    if (written.length > 0 || calls.length > 0) {
      throw new Error(
        `something was written while apphub was down: ${[...written.map((e) => `${e.file.label} ${e.state.summary}`), ...calls].join('; ')}`,
      );
    }
    this.ok(`for ${(this.options.holdMs / 1000).toFixed(1)} s nothing was written and no command ran: unknown is not a default`);

    this.say(`reconcile status   (node dist/cli.js status --status-file ${host.statusPath})`);
    const status = await this.act(() => runCli(['status', '--status-file', host.statusPath]));
    for (const line of status.stdout.trimEnd().split('\n')) this.out.plain(`      ${line}`);
    this.out.plain(this.out.paint('dim', `      exit code ${status.code}${status.code === 1 ? ': unhealthy, as it should be (a monitoring probe would alert)' : ''}`));

    this.say('docker start apphub');
    const marker = await this.passMarker();
    const started = Date.now();
    const beforeStart = watcher.seq;
    await this.act(() => host.startApphub());
    const fixed = await this.waitFor(`listen.conf back on ${this.desired}`, (e) => this.hostMatches(e.snapshot, this.desired), beforeStart);
    await this.corrected(2, fixed.at - started, `apphub is back and says ${this.desired}: listen.conf back to ListenStream=${this.desired}`, started, 'docker start');
    await this.between(marker);
  }

  /** Scene 3: the user changes the port in apphub. */
  private async scene3(host: EmulatedHost): Promise<void> {
    const next = this.desired === OTHER_PORT ? START_PORT : OTHER_PORT;
    const old = this.desired;
    await this.sceneStart(3, `the user changes Cockpit's port to ${next} in apphub`, `apphub rewrites config.ini with [cockpit] port = ${next}; the host must follow.`);
    const before = this.requireWatcher().seq;
    this.desired = next;
    this.say(`apphub: config.ini rewritten (temp file + rename) with [cockpit] port = ${next}`);
    const t0 = Date.now();
    await this.act(() => host.setPort(next));
    const broken = Date.now();
    const marker = await this.passMarker();
    const drift = await this.waitFor(`config.ini to say ${next}`, (e) => e.id === 'ini' && e.state.port === next, before);
    this.drift(`apphub says ${drift.state.port ?? '?'}, the host still says ${old}`);
    const fixed = await this.waitFor(`the host on ${next}`, (e) => this.hostMatches(e.snapshot, next), drift.seq);
    await this.corrected(3, fixed.at - broken, `listen.conf and both cockpit.xml files now say ${next}`, t0);
    await this.between(marker);
  }

  /** Scene 4: firewalld's cockpit.xml edited by hand. */
  private async scene4(host: EmulatedHost): Promise<void> {
    const [xml = ''] = host.firewalldFiles;
    await this.sceneStart(4, "someone edits firewalld's cockpit.xml by hand", `an admin opens etc/firewalld/services/cockpit.xml and puts port ${VENDOR_PORT} back (written in place).`);
    const before = this.requireWatcher().seq;
    this.say(`editing etc/firewalld/services/cockpit.xml in place: port="${VENDOR_PORT}"`);
    const t0 = Date.now();
    await this.act(async () => {
      const text = await fs.readFile(xml, 'utf8');
      await fs.writeFile(xml, text.replace(/(<port\b[^>]*\bport=")[^"]*(")/, `$1${VENDOR_PORT}$2`));
    });
    const broken = Date.now();
    const marker = await this.passMarker();
    const drift = await this.waitFor('cockpit.xml to show the edit', (e) => e.id === 'xml-etc' && e.state.port !== this.desired, before);
    this.drift(`cockpit.xml says ${drift.state.summary}, apphub says ${this.desired}`);
    const fixed = await this.waitFor(`cockpit.xml back on ${this.desired}`, (e) => this.hostMatches(e.snapshot, this.desired), drift.seq);
    await this.corrected(4, fixed.at - broken, `cockpit.xml back to port="${this.desired}", firewalld reloaded`, t0);
    await this.between(marker);
  }

  // ───────────────────────────── pieces ─────────────────────────────

  private async sceneStart(n: number, title: string, explanation: string): Promise<void> {
    this.out.plain(this.out.paint('dim', `\n  next: scene ${n} in ${(this.options.pauseMs / 1000).toFixed(1)} s…`));
    await this.pause(this.options.pauseMs);
    this.out.heading(`Scene ${n} · ${title}`, explanation);
  }

  /** The host files the controller owns all say `port`. */
  private hostMatches(snapshot: ReadonlyMap<string, FileState>, port: number): boolean {
    return OWNED_FILES.every((id) => snapshot.get(id)?.port === port);
  }

  private printChange(event: WatchEvent): void {
    const { file, state, previous } = event;
    const how = !state.exists ? 'removed' : !previous.exists ? 'created' : event.replaced ? 'replaced (rename)' : 'rewritten in place';
    let verdict: string;
    if (file.kind === 'ini') verdict = `apphub's port is now ${state.port ?? 'unreadable'}`;
    else if (file.kind === 'unit') verdict = this.out.paint('dim', 'vendor default; the drop-in overrides it');
    else if (state.port === this.desired) verdict = this.out.paint('green', '✓ matches apphub');
    else verdict = this.out.paint('red', `✗ differs from apphub's ${this.desired}`);
    this.out.log('watch', `${file.label.padEnd(18)} ${how.padEnd(18)} ${state.summary.padEnd(22)} ${verdict}`, event.at);
  }

  private say(text: string): void {
    this.out.log('demo', text);
  }

  private explain(text: string): void {
    this.out.log('demo', this.out.paint('dim', text));
  }

  private ok(text: string): void {
    this.out.log('demo', this.out.paint('green', `✔ ${text}`));
  }

  private drift(text: string): void {
    this.out.log('demo', `${this.out.paint('yellow', 'drift seen:')} ${text}`);
  }

  /** Prints a scene's `corrected in N ms` line with the triggers of the passes that applied changes. */
  private async corrected(scene: number, ms: number, what: string, since: number, from = 'the break'): Promise<void> {
    // The controller's log line may arrive a moment after the file changed.
    const deadline = Date.now() + 1000;
    while (!this.applied.some((a) => a.at >= since) && Date.now() < deadline) await this.pause(20);
    const triggers = [...new Set(this.applied.filter((a) => a.at >= since).flatMap((a) => a.entry.triggers ?? []))];
    const why = triggers.length > 0 ? ` (pass triggered by: ${triggers.join(', ')})` : '';
    this.timings.push({ scene: `scene ${scene}`, ms });
    this.out.log('demo', this.out.paint('green', `✔ scene ${scene}: corrected in ${ms} ms after ${from}: ${what}${why}`));
  }

  /** When the last pass in the status file finished (0 when none): taken right after a break. */
  private async passMarker(): Promise<number> {
    const status = await readStatusJson(this.requireHost().statusPath);
    return status?.lastPass ? Date.parse(status.lastPass.finishedAt) : 0;
  }

  /**
   * Waits for a pass that finished after `marker` and left everything in sync (so its commands
   * have all run), then prints the recorded commands since the last call and a status line.
   */
  private async between(marker: number): Promise<void> {
    const host = this.requireHost();
    let status: StatusJson | null;
    try {
      status = await this.waitStatus(
        'the status file to show the correcting pass',
        (s) => s.lastPass !== null && Date.parse(s.lastPass.finishedAt) > marker && s.resources.every((r) => r.inSync && r.desired === this.desired),
        3000,
      );
    } catch (error) {
      if (error instanceof Aborted) throw error;
      status = await readStatusJson(host.statusPath);
    }
    const calls = await this.act(() => host.commands());
    await this.act(() => host.clearCommands());
    this.out.plain(
      calls.length === 0
        ? '      recorded systemctl/firewall-cmd calls: none'
        : `      recorded systemctl/firewall-cmd calls:\n${calls.map((c) => `        $ ${c}`).join('\n')}`,
    );
    this.out.plain(`      ${this.statusLine(status)}`);
  }

  private statusLine(status: StatusJson | null): string {
    if (!status) return 'status: (no status file yet)';
    const allReady = status.resources.every((r) => r.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    const resources = status.resources.map((r) => {
      const ready = r.conditions.find((c) => c.type === 'Ready');
      return `${r.name} ${r.desired ?? `(${r.lastKnownDesired ?? '?'})`} ${ready?.reason ?? '?'}`;
    });
    const head = allReady ? this.out.paint('green', 'status: in sync') : this.out.paint('yellow', 'status: not in sync');
    return `${head} · ${resources.join(' · ')} · passes ${status.stats.passes}, changes ${status.stats.changes}, failures ${status.stats.failures}`;
  }

  private printTimings(): void {
    const list = this.timings.map((t) => `${t.scene} ${t.ms} ms`).join(', ');
    this.out.plain('');
    this.out.log('demo', this.out.paint('bold', `round done: every drift corrected (${list})`));
    this.timings.length = 0;
  }

  // ───────────────────────────── plumbing ─────────────────────────────

  private requireHost(): EmulatedHost {
    if (!this.host) throw new Error('no emulated host');
    return this.host;
  }

  private requireWatcher(): FileWatcher {
    if (!this.watcher) throw new Error('no file watcher');
    return this.watcher;
  }

  /** Runs a host operation unless the demo is stopping; shutdown waits for the one in flight. */
  private async act<T>(operation: () => Promise<T>): Promise<T> {
    if (this.stopping) throw new Aborted();
    const promise = operation();
    this.inFlight = promise.catch(() => undefined);
    const result = await promise;
    if (this.stopping) throw new Aborted();
    return result;
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      throw new Aborted();
    }
  }

  private async waitFor(what: string, match: (event: WatchEvent) => boolean, afterSeq: number): Promise<WatchEvent> {
    return this.requireWatcher().waitFor(what, match, afterSeq, CORRECTION_TIMEOUT_MS, this.abort.signal).catch((error: unknown) => {
      throw this.stopping ? new Aborted() : error;
    });
  }

  private async waitStatus(what: string, match: (status: StatusJson) => boolean, timeoutMs = 5000): Promise<StatusJson> {
    const host = this.requireHost();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await readStatusJson(host.statusPath);
      if (status && match(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await this.pause(50);
    }
  }

  /** Reports an error and shuts down with exit code 1. */
  fail(error: unknown): void {
    if (this.stopping || error instanceof Aborted) return;
    this.failed = true;
    this.out.log('demo', this.out.paint('red', `error: ${error instanceof Error ? error.message : String(error)}`));
    void this.shutdown('error');
  }

  /**
   * Stops everything once (idempotent): aborts waits, lets the host operation in flight finish,
   * stops the watcher and the controller (SIGTERM), removes the container, volume and directory.
   * Resolves to the exit code.
   */
  shutdown(reason: 'done' | 'error' | NodeJS.Signals): Promise<number> {
    this.shutdownPromise ??= this.doShutdown(reason);
    return this.shutdownPromise;
  }

  private async doShutdown(reason: 'done' | 'error' | NodeJS.Signals): Promise<number> {
    this.abort.abort(new Aborted());
    const why = reason === 'done' ? 'round finished' : reason === 'error' ? 'after an error' : `${reason} received`;
    this.out.heading(`Cleaning up (${why})`);
    let code = this.failed ? 1 : 0;
    await Promise.race([this.inFlight, sleep(20_000)]);
    this.watcher?.stop();
    if (this.daemon) {
      const daemon = this.daemon;
      const gone = (): boolean => daemon.process.exitCode !== null || daemon.process.signalCode !== null;
      if (reason !== 'done' && reason !== 'error') {
        // Ctrl-C in a terminal signals the whole process group, the controller included: let it
        // shut down on its own rather than sending a second signal into its graceful shutdown.
        const deadline = Date.now() + 500;
        while (!this.controllerShuttingDown && !gone() && Date.now() < deadline) await sleep(20);
      }
      const exit = this.controllerShuttingDown
        ? await Promise.race([daemon.exited, sleep(15_000).then(() => daemon.stop('SIGKILL'))])
        : await daemon.stop('SIGTERM');
      this.logReader?.flush();
      const signal = daemon.process.signalCode;
      this.out.log('demo', `controller stopped (${signal !== null ? `ended by ${signal}` : `exit code ${String(exit)}`})`);
      if (exit !== 0 && reason === 'done') code = 1;
    }
    if (this.host) {
      try {
        await this.host.cleanup();
        this.out.log('demo', `removed container ${this.host.containerName}, volume ${this.host.volumeName} and ${this.host.root}`);
      } catch (error) {
        code = 1;
        this.out.log('demo', this.out.paint('red', `cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    this.out.log('demo', code === 0 ? 'bye' : this.out.paint('red', 'finished with errors'));
    return code;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--once-round');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument: ${unknown.join(' ')}\n\n${USAGE}`);
    process.exitCode = 64;
    return;
  }
  const onceRound = args.includes('--once-round');
  const out = new Output();
  const demo = new Demo(out, { onceRound, pauseMs: onceRound ? 500 : 3000, holdMs: onceRound ? 2000 : 4000 });

  const finish = (code: number): void => {
    // Exit explicitly: pending timers (backoff waits, pollers) must not keep the demo alive.
    process.stdout.write('', () => process.exit(code));
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      out.log('demo', 'still cleaning up, one moment…');
      return;
    }
    void demo.shutdown(signal).then(finish);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (error) => demo.fail(error));
  process.on('unhandledRejection', (error) => demo.fail(error));

  try {
    await demo.run();
    finish(await demo.shutdown('done'));
  } catch (error) {
    demo.fail(error);
    finish(await demo.shutdown('error'));
  }
}

void main();
