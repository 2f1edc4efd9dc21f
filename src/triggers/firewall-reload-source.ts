import { Observable } from 'rxjs';
import type { Clock } from '../host/clock';
import type { LineProcesses } from '../host/line-process';
import { DEFAULT_RECONNECT, type ReconnectPolicy } from './docker-events-source';
import type { Trigger } from './trigger';

/**
 * Passes after a firewall reload besides the one at once: Docker re-creates its chains on the
 * same signal (DOCKER-USER comes back empty but for RETURN), maybe after our pass has run.
 */
export const FOLLOW_UP_MS = [1000, 3000];

/** What a monitor's line says: firewalld's `Reloaded` signal as `dbus-monitor` prints it. */
export function isReloadLine(line: string): boolean {
  return /\bmember=Reloaded\b/.test(line);
}

/** How a monitor's lines become triggers: what a line announces (null: nothing), and the passes after it besides the one at once. */
export interface MonitorReading {
  classify(line: string): string | null;
  followUpMs: readonly number[];
}

/**
 * Firewall triggers from a long-running monitor (`commands.firewallMonitor`, by default
 * `dbus-monitor --system` watching firewalld's `Reloaded` signal): one trigger when a reload is
 * announced and one after each of FOLLOW_UP_MS. The monitor is started again with backoff when
 * it ends (firewalld or D-Bus restarted, or the program is missing); the resync covers the gap.
 */
export function firewallReloadTriggers(
  processes: LineProcesses,
  argv: readonly string[],
  clock: Clock,
  onProblem: (problem: string, retryInMs: number) => void,
  policy: ReconnectPolicy = DEFAULT_RECONNECT,
): Observable<Trigger> {
  const reading: MonitorReading = { classify: (line) => (isReloadLine(line) ? 'firewall reloaded' : null), followUpMs: FOLLOW_UP_MS };
  return monitorTriggers(processes, argv, clock, reading, onProblem, policy);
}

/**
 * `firewall` triggers from a long-running monitor read line by line: one for each line that
 * `reading` recognises, and one after each of its follow-up delays. The monitor is started again
 * with backoff (reset after a stable run) when it ends or cannot start; the resync covers the gap.
 */
export function monitorTriggers(
  processes: LineProcesses,
  argv: readonly string[],
  clock: Clock,
  reading: MonitorReading,
  onProblem: (problem: string, retryInMs: number) => void,
  policy: ReconnectPolicy = DEFAULT_RECONNECT,
): Observable<Trigger> {
  return new Observable<Trigger>((subscriber) => {
    let closed = false;
    let delay = policy.initialMs;
    const timers = new Set<() => void>();
    let current: { stop(): void } | null = null;
    const later = (ms: number, run: () => void): void => {
      const cancel = clock.setTimer(() => {
        timers.delete(cancel);
        run();
      }, ms);
      timers.add(cancel);
    };
    const start = (): void => {
      const startedAt = clock.now();
      current = processes.start(
        argv,
        (line) => {
          const detail = closed ? null : reading.classify(line);
          if (detail === null) return;
          subscriber.next({ kind: 'firewall', detail });
          for (const ms of reading.followUpMs) later(ms, () => subscriber.next({ kind: 'firewall', detail: `${detail} ${ms}ms ago` }));
        },
        (problem) => {
          current = null;
          if (closed) return;
          if (clock.now() - startedAt >= policy.stableMs) delay = policy.initialMs;
          onProblem(problem, delay);
          later(delay, start);
          delay = Math.min(policy.maxMs, delay * 2);
        },
      );
    };
    start();
    return () => {
      closed = true;
      for (const cancel of timers) cancel();
      current?.stop();
    };
  });
}
