import { commandArgv, type CommandSettings } from '../apply-plan';
import type { CommandRunner } from '../../host/command-runner';

/** What systemd says about a loaded socket unit; null fields are unknown. */
export interface RunningSocket {
  /** The unit files changed on disk since systemd loaded them (`NeedDaemonReload=yes`). */
  needDaemonReload: boolean | null;
  /** TCP ports the socket listens on now (`Listen=[::]:9090 (Stream)`); null when nothing was said. */
  listenPorts: number[] | null;
  /** `ActiveState=` (`active`, `failed`, ...); null when nothing was said. */
  activeState: string | null;
}

const UNKNOWN_RUNNING: RunningSocket = { needDaemonReload: null, listenPorts: null, activeState: null };

/** Reads a socket unit's running state (`systemctl show -p NeedDaemonReload,Listen,ActiveState <unit>`). */
export type RunningStateQuery = (unit: string) => Promise<RunningSocket>;

/**
 * The query through `commands.prefix` and `commands.systemctl`. Whatever goes wrong (not found,
 * non-zero exit, a stand-in that prints nothing) is "unknown", never a reason to act.
 */
export function systemctlShow(runner: CommandRunner, settings: CommandSettings): RunningStateQuery {
  return async (unit) => {
    const argv = commandArgv(settings, 'systemctl', ['show', '-p', 'NeedDaemonReload,Listen,ActiveState', unit]);
    const result = await runner.run(argv, { timeoutMs: settings.timeoutMs }).catch(() => null);
    if (result?.kind !== 'exited' || result.exitCode !== 0) return UNKNOWN_RUNNING;
    return parseShow(result.stdout);
  };
}

/** Parse `systemctl show` output (`Key=value` lines). */
export function parseShow(stdout: string): RunningSocket {
  let needDaemonReload: boolean | null = null;
  let activeState: string | null = null;
  const ports: number[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === 'NeedDaemonReload=yes') needDaemonReload = true;
    else if (line === 'NeedDaemonReload=no') needDaemonReload = false;
    const active = /^ActiveState=([a-z-]{1,32})$/.exec(line);
    if (active) activeState = active[1] ?? null;
    const listen = /^Listen=(?:.*:)?(\d{1,5}) \(Stream\)$/.exec(line);
    if (listen) {
      const port = Number(listen[1]);
      if (port >= 1 && port <= 65535 && !ports.includes(port)) ports.push(port);
    }
  }
  return { needDaemonReload, listenPorts: ports.length > 0 ? ports : null, activeState };
}
