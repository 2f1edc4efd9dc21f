import { merge, of, type Subscription } from 'rxjs';
import { readConfig } from '../config/load-config';
import { enabledResources, type Config } from '../config/schema';
import { describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { PassResult } from '../controller/outcome';
import { ReconcileLoop, type RetryState } from '../controller/reconcile-loop';
import { watchAfterPasses } from '../controller/watch-paths';
import type { HttpServer } from '../host/http-server';
import { daemonPass } from './daemon-pass';
import { dockerEventTriggers } from '../triggers/docker-events-source';
import { fileWatchTriggers, type WatchRepair } from '../triggers/file-watch-source';
import { firewallTriggers } from './firewall-triggers';
import { resyncTriggers } from '../triggers/resync-timer';
import type { Trigger } from '../triggers/trigger';
import { iso } from '../status/build-status';
import { ControllerStatus } from '../status/controller-status';
import { assessHealth } from '../status/health';
import { createMetrics } from '../status/create-metrics';
import { PassRecorder } from '../status/pass-recorder';
import type { ServiceNotifier } from '../host/service-notifier';
import type { Journal } from '../status/journal/journal';
import { statusLine } from '../status/status-line';
import { SystemdNotifications } from './systemd-notifications';
import { createJournal, createRuntime, type HostDeps, type Runtime } from './create-runtime';
import { startMetricsServer } from './metrics-server';
import { FirewallCleanUps } from './removed-firewalls';

/** How long shutdown waits for the pass in progress. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
export interface DaemonOptions {
  config: Config;
  configPath?: string; // re-read on SIGHUP; undefined = the packaged defaults only
  statusFile: string;
  host: HostDeps;
  logger: Logger;
  metricsAddr?: { host: string; port: number };
  /** Under systemd with `Type=notify` (NOTIFY_SOCKET set): readiness, status and watchdog. */
  notify?: { notifier: ServiceNotifier; watchdogMs: number | null };
}

/** One configuration's live parts; replaced whole on reload. */
interface Session {
  runtime: Runtime;
  loop: ReconcileLoop;
  subscription: Subscription;
  watchAfter: (result: PassResult) => void;
}
/**
 * The long-running controller: triggers → loop → pass → status, metrics and logs (one
 * PassRecorder). Stats and resource statuses live for the life of the process, across reloads.
 */
export class Daemon {
  private config: Config;
  private session: Session | null = null;
  private readonly status: ControllerStatus;
  private readonly metrics: ReturnType<typeof createMetrics>;
  private docker = { connected: false, since: '' };
  private server: HttpServer | null = null;
  private stopping = false;
  private journal: Journal;
  private recorder: PassRecorder;
  private passStartedAt: number | null = null;
  /** The reload in progress (one at a time), and whether another SIGHUP came meanwhile. */
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  /** What stopping the last session found: whether its pass ended in time, and its loop. */
  private lastStop: { finished: Promise<boolean>; loop: ReconcileLoop } | null = null;
  private readonly systemd: SystemdNotifications | null;
  private readonly cleanUps: FirewallCleanUps; // removed PublishedPortFirewall resources still to clean up

  constructor(private readonly options: DaemonOptions) {
    this.config = options.config;
    this.cleanUps = new FirewallCleanUps(options.logger);
    const startedAt = options.host.clock.now();
    this.docker.since = iso(startedAt);
    const names = enabledResources(options.config).map((r) => r.name);
    this.status = new ControllerStatus({ mode: 'daemon', pid: process.pid, startedAt, resyncIntervalMs: options.config.timing.resyncInterval, resources: names });
    this.status.setDocker(this.docker);
    this.metrics = createMetrics(names, options.metricsAddr !== undefined);
    this.journal = this.createJournal(options.config);
    this.recorder = this.createRecorder();
    const systemd = { clock: options.host.clock, logger: options.logger, passStartedAt: () => this.passStartedAt };
    this.systemd = options.notify ? new SystemdNotifications({ ...options.notify, ...systemd }) : null;
  }

  private createJournal(config: Config): Journal {
    return createJournal(config, this.options.statusFile, this.options.host, this.options.logger, () => this.metrics?.webhookFailure());
  }

  private createRecorder(): PassRecorder {
    const { host, statusFile, logger } = this.options;
    return new PassRecorder({ status: this.status, files: host.files, statusFile, logger, ...(this.metrics ? { metrics: this.metrics } : {}), journal: this.journal });
  }

  async start(): Promise<void> {
    if (this.options.metricsAddr && this.metrics) {
      this.server = await startMetricsServer(this.options.host.httpServers, this.options.metricsAddr, this.metrics, {
        live: () => this.session !== null && !this.stopping,
        ready: () => {
          const health = assessHealth(this.status.document(), this.options.host.clock.now());
          return { ok: health.healthy, problems: health.problems };
        },
      });
    }
    await this.cleanUps.remember(this.options.host.files, this.options.statusFile, this.config);
    this.status.configure(this.cleanUps.statusNames(this.config), this.config.timing.resyncInterval);
    this.session = this.startSession(this.config, { kind: 'startup' });
    this.systemd?.start();
    this.options.logger.info({ statusFile: this.options.statusFile, resources: enabledResources(this.config).map((r) => r.name) }, 'controller started');
  }

  /**
   * SIGHUP: re-read the configuration; a bad file is reported and the old configuration kept.
   * One reload at a time: a SIGHUP during a reload only asks for one more after it, so a burst
   * is one or two reloads, and there is never more than one session (loop and triggers).
   */
  reload(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    const run = async (): Promise<void> => {
      do {
        this.reloadAgain = false;
        await this.reloadOnce();
      } while (this.reloadAgain && !this.stopping);
    };
    this.reloading = run().finally(() => (this.reloading = null));
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    let next: Config;
    try {
      next = readConfig(this.options.host.configFiles, this.options.configPath);
    } catch (error) {
      this.options.logger.error({ err: describeError(error) }, 'configuration not reloaded; keeping the previous one');
      return;
    }
    await this.stopSession();
    if (this.stopping) return;
    this.config = next;
    this.journal = this.createJournal(next);
    this.recorder = this.createRecorder();
    this.cleanUps.plan(this.status.document().resources, next.resources);
    this.status.configure(this.cleanUps.statusNames(next), next.timing.resyncInterval);
    this.metrics?.configure(enabledResources(next).map((r) => r.name));
    this.session = this.startSession(next, { kind: 'signal', detail: 'SIGHUP' });
    this.options.logger.info('configuration reloaded');
  }

  /** SIGTERM/SIGINT: stop taking triggers, finish the pass (bounded, then aborted), write the status; false when one is stuck (see end-process). */
  async stop(): Promise<boolean> {
    if (this.stopping) return true;
    this.stopping = true;
    await this.systemd?.stopping();
    // A reload in progress may be stopping the session (it starts none once stopping): wait for
    // it, then stop whatever session exists; the last one stopped is the one waited for.
    await this.reloading;
    await this.stopSession();
    const finished = (await this.lastStop?.finished) ?? true;
    const settled = (await this.lastStop?.loop.settled(1000)) ?? true;
    if (!finished) this.options.logger.warn({ timeoutMs: SHUTDOWN_TIMEOUT_MS, stuck: !settled }, 'pass still running at shutdown; aborted it, exiting anyway');
    await this.recorder.write();
    // Bounded: a dead webhook must not hold the shutdown (TimeoutStopSec).
    if (!(await this.journal.flush(5000))) this.options.logger.warn('journal webhook: entries still pending at shutdown; dropped');
    await this.server?.close();
    this.options.logger.info('controller stopped');
    return settled;
  }

  private startSession(config: Config, first: Trigger): Session {
    const { host, logger } = this.options;
    const runtime = this.cleanUps.withCleanUps(createRuntime(config, host, logger));
    const loop = new ReconcileLoop({
      clock: host.clock,
      debounceMs: config.timing.debounce,
      maxDebounceMs: config.timing.maxDebounce,
      backoff: { initialMs: config.timing.backoffInitial, maxMs: config.timing.backoffMax },
      passTimeoutMs: config.timing.passTimeout,
      pass: daemonPass(runtime, { applyFailed: () => this.status.applyFailed(), statusFile: this.options.statusFile, running: (at) => (this.passStartedAt = at), active: (r) => this.cleanUps.active(r) }),
      afterPass: (result, retry) => this.afterPass(result, retry),
      onPassError: (error) => logger.error({ err: describeError(error) }, 'pass failed unexpectedly'),
      onPassAbandoned: (request, timeoutMs) => void this.abandoned(request.triggers, timeoutMs),
      sourceContainers: (name) => runtime.sources.get(runtime.resources.find((r) => r.name === name)?.source ?? '')?.containers() ?? [],
    });
    // Only sources some resource reads: an unused profile entry must not cause passes.
    const used = [...runtime.sources.values()].filter((s) => runtime.resources.some((r) => r.source === s.name));
    const containers = [...new Set([...used.flatMap((s) => s.containers()), ...runtime.resources.flatMap((r) => r.containers())])];
    const onRepair = ({ problems }: WatchRepair): void => {
      this.metrics?.watchRepair();
      logger.warn({ problems }, 'file watches were wrong after a pass; repaired');
    };
    const files = fileWatchTriggers({ watcher: host.watcher, clock: host.clock, onError: (error) => logger.warn({ err: describeError(error) }, 'file watch error'), onRepair });
    const connection = { onConnected: () => this.setDocker(true, 'event stream connected'), onDisconnected: (problem: string, retryInMs: number) => this.setDocker(false, `${problem}; retrying in ${retryInMs}ms`) };
    // Containers sources: one stream per label selector, and network connect/disconnect (addresses).
    const all = runtime.resources.some((r) => r.allContainers === true) ? [JSON.stringify([])] : []; // every container: the empty selector
    const selectors = [...new Set([...used.flatMap((s) => (s.labels ? [JSON.stringify(s.labels())] : [])), ...all])].map((l) => ({ labels: JSON.parse(l) as string[] }));
    const byLabel = [...selectors, ...(selectors.length > 0 ? [{ networks: true as const }] : [])].map((selector) => dockerEventTriggers(host.docker, selector, host.clock, connection));
    // No container to follow: no event stream at all (an empty filter would mean "every container").
    const events = [...(containers.length > 0 ? [dockerEventTriggers(host.docker, containers, host.clock, connection)] : []), ...byLabel];
    const triggers = merge(of(first), files.triggers, ...events, ...firewallTriggers(runtime, host, logger), resyncTriggers(config.timing.resyncInterval, host.clock));
    const subscription = triggers.subscribe({
      next: (trigger) => {
        this.metrics?.trigger(trigger.kind);
        logger.debug({ trigger: trigger.kind, detail: trigger.detail }, 'trigger');
        loop.trigger(trigger);
      },
      error: (error: unknown) => logger.error({ err: describeError(error) }, 'trigger source failed'),
    });
    return { runtime, loop, subscription, watchAfter: watchAfterPasses(files.watch) };
  }

  /** Resolves true when no pass was left running. */
  private async stopSession(): Promise<boolean> {
    const session = this.session;
    if (!session) return true;
    this.session = null;
    session.subscription.unsubscribe();
    const finished = session.loop.stop(SHUTDOWN_TIMEOUT_MS);
    this.lastStop = { finished, loop: session.loop };
    return finished;
  }

  private setDocker(connected: boolean, message: string): void {
    if (this.docker.connected !== connected) {
      this.docker = { connected, since: iso(this.options.host.clock.now()) };
      this.status.setDocker(this.docker);
      const log = connected ? this.options.logger.info.bind(this.options.logger) : this.options.logger.warn.bind(this.options.logger);
      log({ docker: connected ? 'connected' : 'disconnected' }, message);
    }
  }

  /** After every pass: the recorder (status, metrics, journal, log lines), the watches, the file, systemd. */
  private async afterPass(result: PassResult, retry: ReadonlyMap<string, RetryState>): Promise<void> {
    await this.recorder.record(result, (outcome) => retry.get(outcome.name) ?? { consecutiveFailures: 0, nextRetryAt: null });
    if (this.cleanUps.settle(result)) this.status.configure(this.cleanUps.statusNames(this.config), this.config.timing.resyncInterval);
    this.session?.watchAfter(result);
    await this.recorder.write();
    this.systemd?.passDone(statusLine(this.status.document()));
  }

  // A pass ran longer than timing.passTimeout: reported (log, status, metrics); the loop retries it.
  private async abandoned(triggers: string[], timeoutMs: number): Promise<void> {
    this.recorder.abandoned(triggers, timeoutMs, this.options.host.clock.now());
    await this.recorder.write();
  }
}
