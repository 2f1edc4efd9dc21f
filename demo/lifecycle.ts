/**
 * The demo's processes and objects, from setting up to cleaning up: the emulated host and the
 * rest of the stack, the outside file watcher, the controller process, and a shutdown that runs
 * once whatever stops the demo (end of round, error, Ctrl-C, SIGTERM).
 */
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { startDaemon, type DaemonProcess } from '../harness/daemon-process';
import { createEmulatedHost, type EmulatedHost } from '../harness/websoft9-host';
import { ControllerLogReader } from './controller-log';
import { FileWatcher, type WatchEvent, type WatchedFile } from './file-watcher';
import type { Narrator } from './narration';
import { Stage, START_PORT, VENDOR_PORT, type DemoOptions } from './stage';
import { Aborted, Waiter } from './waiting';
import { createWebsoft9Stack, DOCKER0_IP, type Websoft9Stack } from '../harness/websoft9-host';
import { DEMO_LABELS, DEMO_LABEL_PAIR, removeDemoObjects } from './demo-labels';

export type StopReason = 'done' | 'error' | NodeJS.Signals;

function watchedFiles(host: EmulatedHost, stack: Websoft9Stack): WatchedFile[] {
  const [etcXml = '', usrXml = ''] = host.firewalldFiles;
  return [
    { id: 'ini', label: 'apphub config.ini', path: host.configIniPath, kind: 'ini' },
    { id: 'unit', label: 'cockpit.socket', path: host.unitPath, kind: 'unit' },
    { id: 'dropin', label: 'listen.conf', path: host.dropInPath, kind: 'dropin' },
    { id: 'xml-etc', label: 'etc/…/cockpit.xml', path: etcXml, kind: 'firewalld' },
    { id: 'xml-usr', label: 'usr/…/cockpit.xml', path: usrXml, kind: 'firewalld' },
    { id: 'nginx-var', label: 'custom_var.conf', path: stack.nginxVarPath, kind: 'nginx-var' },
    { id: 'cert', label: 'proxy custom_ssl', path: stack.mirroredCertPath, kind: 'cert' },
  ];
}

export class Lifecycle {
  readonly waiter = new Waiter();
  private host: EmulatedHost | null = null;
  private stack: Websoft9Stack | null = null;
  private watcher: FileWatcher | null = null;
  private daemon: DaemonProcess | null = null;
  private logReader: ControllerLogReader | null = null;
  private shutdownPromise: Promise<number> | null = null;
  private failed = false;
  /** The controller logged `shutting down` (a Ctrl-C in a terminal reaches it directly too). */
  private controllerShuttingDown = false;

  constructor(
    private readonly narrator: Narrator,
    private readonly options: DemoOptions,
  ) {}

  /** Builds the host and the stack, writes the whole profile's configuration, starts watching. */
  async setUp(): Promise<Stage> {
    const { narrator, waiter } = this;
    narrator.out.heading('Setting up', 'an emulated Websoft9 host: temporary files, busybox stand-ins for its containers, recording stand-ins for its tools');
    narrator.say('building the emulated host…');
    // Assigned inside the operation, so that a shutdown waiting for it finds what to clean up.
    const options = { port: START_PORT, vendorPort: VENDOR_PORT, labels: DEMO_LABELS, namePrefix: 'reconciler-demo' };
    const host = await waiter.act(async () => (this.host = await createEmulatedHost(options)));
    const stack = await waiter.act(async () => (this.stack = await createWebsoft9Stack(host)));
    await waiter.act(() => host.writeConfig({ timing: { resyncInterval: '30s' }, ...stack.config() }));
    const rel = (file: string): string => path.relative(host.root, file);
    narrator.table([
      ['root directory', host.root],
      ['vendor unit', `${rel(host.unitPath)}   (ListenStream=${VENDOR_PORT})`],
      ['drop-in', `${rel(host.dropInPath)}   (absent: nothing has synced yet)`],
      ['firewalld', `${host.firewalldFiles.map(rel).join(', ')}   (port ${VENDOR_PORT})`],
      ['apphub container', `${host.containerName}   (busybox stand-in; volume ${host.volumeName})`],
      ['apphub config.ini', `${host.configIniPath}   ([cockpit] port = ${START_PORT}; docker0_ip, ssl_cert, ssl_key)`],
      ['proxy container', `${stack.proxy}   (custom_var.conf: $cockpit_port 9090; nginx stand-in)`],
      ['certificates', `${rel(stack.certDir)} → proxy volume custom_ssl/`],
      ['proxy TLS lines', `custom_ssl.conf   (installer's pair → apphub's ssl_cert and ssl_key)`],
      ['cockpit.conf', `${rel(stack.cockpitConfPath)}   (Origins for 10.0.0.1 → apphub's docker0_ip ${DOCKER0_IP})`],
      ['credentials', `${stack.git}, ${stack.deployment}, ${stack.proxy} → apphub config.ini`],
      ['controller config', `${rel(host.configPath)}   (every resource of config/default.yaml)`],
      ['status file', rel(host.statusPath)],
      ['recorded commands', `${rel(host.commandsLogPath)}   (systemctl/firewall-cmd stand-in: ${rel(host.recorderPath)})`],
    ]);
    const watcher = new FileWatcher(watchedFiles(host, stack));
    this.watcher = watcher;
    const stage = new Stage(narrator, waiter, host, stack, watcher, this.options);
    watcher.on('change', (event: WatchEvent) => narrator.change(event, stage.desired));
    watcher.on('error', (error: unknown) => this.fail(error));
    await watcher.start();
    return stage;
  }

  /** Starts `node dist/cli.js --config …` and waits for its first convergence. */
  async startController(stage: Stage): Promise<void> {
    const { narrator } = this;
    const { host, watcher } = stage;
    narrator.out.heading('Starting the controller', `node dist/cli.js --config ${host.configPath}   (resync every 30 s, debounce 100 ms)`);
    const shorten = (text: string): string => text.split(`${host.recorderPath} `).join('').split(`${host.root}/`).join('');
    const { out } = narrator;
    this.logReader = new ControllerLogReader(
      shorten,
      ({ level, text }) => out.log('controller', level >= 50 ? out.paint('red', text) : level >= 40 ? out.paint('yellow', text) : text),
      (entry) => {
        if (entry.msg === 'applied') stage.applied.push({ at: Date.now(), entry });
        if (entry.msg === 'shutting down') this.controllerShuttingDown = true;
      },
    );
    const before = watcher.seq;
    const startedAt = Date.now();
    if (this.waiter.stopping) throw new Aborted();
    const daemon = startDaemon(['--config', host.configPath]);
    this.daemon = daemon;
    daemon.process.stderr?.on('data', (chunk: Buffer) => this.logReader?.push(chunk.toString()));
    void daemon.exited.then(async (code) => {
      if (this.waiter.stopping) return;
      await sleep(300); // a Ctrl-C in a terminal reaches the controller too; give the demo's handler its turn
      if (!this.waiter.stopping) this.fail(new Error(`the controller exited unexpectedly (code ${String(code)})`));
    });

    const converged = await stage.waitFor('the first convergence', (e) => stage.hostMatches(e.snapshot, stage.desired), before);
    narrator.ok(`first convergence ${converged.at - startedAt} ms after start: the host follows apphub's ${stage.desired}`);
    narrator.explain(
      `The vendor unit still says ${VENDOR_PORT}; the drop-in overrides it (ListenStream= clears the list, then ${stage.desired}),\n` +
        `so a package upgrade of cockpit.socket alone cannot change the port.`,
    );
    await stage.between(0);
  }

  /** Reports an error and shuts down with exit code 1. */
  fail(error: unknown): void {
    if (this.waiter.stopping || error instanceof Aborted) return;
    this.failed = true;
    this.narrator.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    void this.shutdown('error');
  }

  /**
   * Stops everything once (idempotent): aborts waits, lets the host operation in flight finish,
   * stops the watcher and the controller (SIGTERM), removes the containers, volumes and directory.
   * Resolves to the exit code.
   */
  shutdown(reason: StopReason): Promise<number> {
    this.shutdownPromise ??= this.doShutdown(reason);
    return this.shutdownPromise;
  }

  private async doShutdown(reason: StopReason): Promise<number> {
    const { narrator } = this;
    this.waiter.stop();
    const why = reason === 'done' ? 'round finished' : reason === 'error' ? 'after an error' : `${reason} received`;
    narrator.out.heading(`Cleaning up (${why})`);
    let code = this.failed ? 1 : 0;
    await this.waiter.settled(20_000);
    this.watcher?.stop();
    if (this.daemon && !(await this.stopController(this.daemon, reason)) && reason === 'done') code = 1;
    if (this.host) {
      const { host, stack } = this;
      try {
        await stack?.cleanup();
        await host.cleanup();
        const swept = await removeDemoObjects(host.id);
        narrator.say(`removed container ${host.containerName}, volume ${host.volumeName}${stack ? ' and the stack' : ''}, and ${host.root}`);
        if (swept > 0) narrator.say(`removed ${swept} more object(s) labelled ${DEMO_LABEL_PAIR} of this run`);
      } catch (error) {
        code = 1;
        narrator.error(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    narrator.say(code === 0 ? 'bye' : narrator.out.paint('red', 'finished with errors'));
    return code;
  }

  /** Stops the controller; true when it exited with code 0. */
  private async stopController(daemon: DaemonProcess, reason: StopReason): Promise<boolean> {
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
    this.narrator.say(`controller stopped (${signal !== null ? `ended by ${signal}` : `exit code ${String(exit)}`})`);
    return exit === 0;
  }
}
