import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import type { EmulatedHost, YamlMapping } from '../../harness/websoft9-host';
import { readStatusJson, type StatusJson } from '../../harness/status';
import type { CleanupRegistry } from './cleanup';
import { pollUntil, waitSettled } from './wait';

export interface RunningController {
  daemon: DaemonProcess;
  pid: number;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  passes(): Promise<number>;
  status(): Promise<StatusJson | null>;
}

/**
 * Writes the host's configuration (base + `overrides`; no overrides = the default timings:
 * resync 30 s, debounce 100 ms, maxDebounce 1 s), starts `node dist/cli.js --config …` and
 * waits until every resource is in sync and the controller has been quiet for `settleMs`.
 */
export async function startController(
  host: EmulatedHost,
  cleanup: CleanupRegistry,
  overrides: YamlMapping = {},
  settleMs = 500,
): Promise<RunningController> {
  await host.writeConfig(overrides);
  const daemon = startDaemon(['--config', host.configPath]);
  let exitCode: number | null | undefined;
  const stopNow = cleanup.add(`controller on ${host.id}`, async () => {
    exitCode = await daemon.stop();
  });
  const pid = daemon.process.pid;
  if (pid === undefined) throw new Error('the controller did not start');
  const converged = await pollUntil(async () => {
    if (daemon.process.exitCode !== null) return true;
    const status = await readStatusJson(host.statusPath);
    return status !== null && status.resources.length > 0 && status.resources.every((r) => r.inSync);
  }, 20_000);
  if (daemon.process.exitCode !== null) throw new Error(`the controller exited with ${daemon.process.exitCode}: ${daemon.stderr().slice(-2000)}`);
  if (!converged) throw new Error(`the controller did not converge within 20 s: ${daemon.stderr().slice(-2000)}`);
  await waitSettled(host.statusPath, settleMs);
  return {
    daemon,
    pid,
    stop: async () => {
      await stopNow();
      return exitCode ?? null;
    },
    passes: async () => (await readStatusJson(host.statusPath))?.stats.passes ?? Number.NaN,
    status: () => readStatusJson(host.statusPath),
  };
}
