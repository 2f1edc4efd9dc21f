import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmulatedHost } from '../../harness/websoft9-host';
import type { CleanupRegistry } from './cleanup';
import { pollUntil, sleep } from './wait';

const SCRIPT = join(__dirname, '..', 'baseline', 'websoft9-watch.sh');
const APPHUB_CLI = join(__dirname, '..', 'baseline', 'apphub-getconfig.sh');

/** Installs `/bin/apphub` (getconfig over config.ini) into the running busybox apphub stand-in. */
export function installApphubCli(host: EmulatedHost): void {
  execFileSync('docker', ['exec', '-i', host.containerName, 'sh', '-c', 'cat > /bin/apphub && chmod 755 /bin/apphub'], {
    input: readFileSync(APPHUB_CLI),
  });
  const port = execFileSync('docker', ['exec', host.containerName, 'apphub', 'getconfig', '--section', 'cockpit', '--key', 'port'], {
    encoding: 'utf8',
  }).trim();
  if (port === '') throw new Error('apphub getconfig printed nothing in the stand-in container');
}

export interface BaselineProcess {
  child: ChildProcess;
  /** Lines the script and inotifywait printed (its log lines start with the epoch time). */
  lines(): string[];
  /** Number of times it wrote the drop-in so far. */
  writes(): number;
  /** Number of times getconfig failed and the default port was used instead. */
  fallbacks(): number;
  /** Resolves when the script printed nothing for `quietMs` (counted from the call at the earliest). */
  settle(quietMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts bench/baseline/websoft9-watch.sh (in its own process group) against the host. */
export async function startBaseline(host: EmulatedHost, cleanup: CleanupRegistry): Promise<BaselineProcess> {
  const work = join(host.root, 'baseline-work');
  mkdirSync(work, { recursive: true });
  const child = spawn('bash', [SCRIPT], {
    detached: true, // own process group: bash, inotifywait and the loop subshell are stopped together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      APPHUB_CONTAINER: host.containerName,
      UNIT_DIR: join(host.unitPath, '..'),
      DROPIN_DIR: host.dropInDir,
      APPHUB_CONFIG_DIR: join(host.configIniPath, '..'),
      WORK_DIR: work,
      SYSTEMCTL: `${host.recorderPath} systemctl`,
      FIREWALL_CMD: `${host.recorderPath} firewall-cmd`,
      FIREWALLD_FILES: host.firewalldFiles.join(' '),
    },
  });
  const out: string[] = [];
  let stderr = '';
  let lastOutputAt = Date.now();
  const partial = { stdout: '', stderr: '' };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    lastOutputAt = Date.now();
    const text = chunk.toString();
    if (stream === 'stderr') stderr += text;
    const parts = (partial[stream] + text).split('\n');
    partial[stream] = parts.pop() ?? '';
    out.push(...parts);
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = cleanup.add(`baseline script on ${host.id}`, async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });
  const ready = await pollUntil(() => stderr.includes('Watches established') || child.exitCode !== null, 15_000);
  if (!ready || child.exitCode !== null) {
    await stop();
    throw new Error(`the baseline script did not start: ${stderr}`);
  }
  const baseline: BaselineProcess = {
    child,
    lines: () => [...out],
    writes: () => out.filter((l) => l.includes('wrote ListenStream=')).length,
    fallbacks: () => out.filter((l) => l.includes('getconfig failed')).length,
    settle: async (quietMs = 600) => {
      // Quiet counted from the call too: a change made just before may not have been logged yet.
      const calledAt = Date.now();
      while (Date.now() - Math.max(lastOutputAt, calledAt) < quietMs) await sleep(50);
    },
    stop,
  };
  await baseline.settle();
  return baseline;
}
