import type { Clock } from '../host/clock';
import type { ServiceNotifier } from '../host/service-notifier';
import type { Logger } from '../core/logger';

/** What the service manager asked for, read once from the environment at start. */
export interface NotifySettings {
  /** `WATCHDOG_USEC` in milliseconds, or null when no watchdog is configured. */
  watchdogMs: number | null;
}

/**
 * `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` as sd_watchdog_enabled(3) reads them: the
 * watchdog is ours when WATCHDOG_PID is unset or names this process. Null without NOTIFY_SOCKET.
 */
export function notifySettingsFromEnv(env: NodeJS.ProcessEnv, pid: number): (NotifySettings & { socket: string }) | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  const usec = Number(env.WATCHDOG_USEC);
  const ours = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  const watchdogMs = ours && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 1000)) : null;
  return { socket, watchdogMs };
}

export interface SystemdNotificationsOptions extends NotifySettings {
  notifier: ServiceNotifier;
  clock: Clock;
  logger: Logger;
  /** When the pass in progress started, or null when none runs. */
  passStartedAt: () => number | null;
}

/**
 * systemd's notify protocol for the controller (`Type=notify`): `READY=1` after the first pass,
 * `STATUS=` whenever the summary changes, `WATCHDOG=1` every half `WatchdogSec`, `STOPPING=1` at
 * shutdown. The watchdog pings only while the loop makes progress: once a pass has run longer
 * than `WatchdogSec`, pings stop and systemd restarts the service (a hung pass never ends by
 * itself: every command it runs has its own timeout).
 */
export class SystemdNotifications {
  private chain: Promise<void> = Promise.resolve();
  private ready = false;
  private lastStatus = '';
  private cancelWatchdog: (() => void) | null = null;
  private stopped = false;
  private hungLogged = false;
  private failureLogged = false;

  constructor(private readonly options: SystemdNotificationsOptions) {}

  /** Start the watchdog pings (if systemd asked for them). */
  start(): void {
    const interval = this.options.watchdogMs;
    if (interval === null) return;
    const tick = (): void => {
      if (this.stopped) return;
      const started = this.options.passStartedAt();
      const hung = started !== null && this.options.clock.now() - started > interval;
      if (!hung) {
        this.hungLogged = false;
        this.send({ WATCHDOG: '1' });
      } else if (!this.hungLogged) {
        this.hungLogged = true;
        this.options.logger.error({ runningMs: this.options.clock.now() - (started ?? 0) }, 'pass hung; watchdog pings stopped (systemd will restart the service)');
      }
      this.cancelWatchdog = this.options.clock.setTimer(tick, Math.max(1, Math.floor(interval / 2)));
    };
    tick();
  }

  /** After each pass: READY=1 the first time, STATUS= when the summary changed. */
  passDone(status: string): void {
    const fields: Record<string, string> = {};
    if (!this.ready) fields.READY = '1';
    if (status !== this.lastStatus) fields.STATUS = status;
    this.ready = true;
    this.lastStatus = status;
    if (Object.keys(fields).length > 0) this.send(fields);
  }

  /** Shutdown begins: STOPPING=1, no more pings. Resolves when the message is sent. */
  async stopping(): Promise<void> {
    this.stopped = true;
    this.cancelWatchdog?.();
    this.send({ STOPPING: '1', STATUS: 'stopping' });
    await this.chain;
  }

  /** Messages go out one at a time, in order (READY before the first ping that follows it). */
  private send(fields: Record<string, string>): void {
    this.chain = this.chain.then(async () => {
      const result = await this.options.notifier.notify(fields);
      if (!result.ok && !this.failureLogged) {
        this.failureLogged = true;
        this.options.logger.warn({ problem: result.problem }, 'cannot notify systemd (further failures are not logged)');
      }
    });
  }
}
