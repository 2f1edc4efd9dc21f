import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { TEST_LABEL_PAIR, delay, docker, dockerQuiet } from '../docker-cli';
import { BOX_LABEL, ensureBoxImage } from './box-image';

/** Label of a box container: its per-run id (`reconciler.box.run=<id>`), for removal by label. */
export const BOX_RUN_LABEL = `${BOX_LABEL}.run`;

/** What a command in the box printed and how it ended. */
export interface BoxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link Box.exec}. */
export interface BoxExecOptions {
  /** Bytes for the command's stdin. */
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Printed after every command run by {@link Box.exec}, with its exit code. */
const END_MARK = '\n@box-exec-end@';

/** Commands that change nothing, so running them again after a lost output is safe. */
function onlyReads(argv: readonly string[]): boolean {
  const [command = '', sub = ''] = argv;
  if (['cat', 'journalctl', 'getent', 'stat', 'ls', 'readlink', 'iptables-save', 'ip6tables-save', 'iptables-nft-save', 'ip6tables-nft-save'].includes(command)) return true;
  if (command === 'systemctl') return ['show', 'is-active', 'is-enabled', 'is-system-running', 'cat'].includes(sub);
  if (command === 'nft') return sub === 'list' || argv.includes('list');
  return (command === 'iptables' || command === 'ip6tables') && argv.some((a) => a === '-S' || a === '-L' || a === '--list-rules');
}

/** Options of {@link bootBox}. */
export interface BootOptions {
  /** Labels instead of `reconciler.test=true` (a bench passes `ownLabels('reconciler.bench=true')`). */
  labels?: readonly string[];
  /** How long to wait for `systemctl is-system-running`. */
  bootTimeoutMs?: number;
  log?: (line: string) => void;
}

/** The flags that let systemd run as PID 1 here (`--privileged` fails: no CAP_SYS_RESOURCE in the bounding set). */
const SYSTEMD_FLAGS = [
  '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE',
  '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
  '--tmpfs', '/run', '--tmpfs', '/run/lock',
  '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
];

/** A booted box: a container whose PID 1 is systemd. */
export class Box {
  constructor(
    /** The container's name (`reconciler-box-<run id>`). */
    readonly name: string,
    readonly runId: string,
  ) {}

  /**
   * Runs argv in the box (no shell); never rejects for a non-zero exit: see `code`.
   * `docker exec` now and then loses all of a short command's output under load (moby #27289:
   * `cat` of a full file printed nothing, exit 0). A marker printed after the command shows
   * whether the output arrived; a command that only reads (`cat`, `systemctl show`, ...) is then
   * run again, up to three times; for another command the result stands (its exit code is right).
   */
  async exec(argv: readonly string[], options: BoxExecOptions = {}): Promise<BoxResult> {
    const marked = ['sh', '-c', `"$@"; rc=$?; printf '${END_MARK}%s' "$rc"; exit "$rc"`, 'box-exec', ...argv];
    for (let attempt = 1; ; attempt++) {
      const result = await runDocker(['exec', ...(options.input === undefined ? [] : ['-i']), this.name, ...marked], options);
      const end = result.stdout.lastIndexOf(END_MARK);
      if (end >= 0) return { ...result, stdout: result.stdout.slice(0, end) };
      if (attempt >= 3 || !onlyReads(argv) || result.code === null) return result;
    }
  }

  /** Runs argv in the box and returns stdout; rejects with the output when the exit code is not 0. */
  async run(argv: readonly string[], options: BoxExecOptions = {}): Promise<string> {
    const result = await this.exec(argv, options);
    if (result.code !== 0) {
      throw new Error(`in the box: ${argv.join(' ')} exited ${String(result.code)}:\n${result.stderr.trim()}\n${result.stdout.trim()}`.trim());
    }
    return result.stdout;
  }

  /** Runs a bash script in the box (`bash -euc`); rejects when it fails. */
  sh(script: string, options: BoxExecOptions = {}): Promise<string> {
    return this.run(['bash', '-euo', 'pipefail', '-c', script], options);
  }

  /** Writes a file in the box (parent directories created), with the given mode. */
  async writeFile(path: string, content: string | Buffer, mode = '0644'): Promise<void> {
    await this.run(['install', '-D', '-m', mode, '/dev/stdin', path], { input: content });
  }

  /** `systemctl show` properties of a unit, e.g. `ActiveState`, `SubState`, `MainPID`, `NRestarts`. */
  async unitProperties(unit: string, names: readonly string[]): Promise<Record<string, string>> {
    const out = await this.run(['systemctl', 'show', unit, ...names.map((n) => `--property=${n}`)]);
    const props: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return props;
  }

  /**
   * Waits until the unit's `ActiveState` (and `SubState`, when given) is one of the wanted ones;
   * rejects after `timeoutMs` naming the last state seen.
   */
  async waitForUnit(unit: string, want: { active: readonly string[]; sub?: readonly string[] }, timeoutMs = 60_000): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const props = await this.unitProperties(unit, ['ActiveState', 'SubState', 'MainPID', 'NRestarts', 'Result']);
      const ok = want.active.includes(props.ActiveState ?? '') && (want.sub === undefined || want.sub.includes(props.SubState ?? ''));
      if (ok) return props;
      if (Date.now() > deadline) throw new Error(`${unit} is ${props.ActiveState ?? '?'}/${props.SubState ?? '?'} after ${timeoutMs} ms, not ${want.active.join('|')}`);
      await delay(250);
    }
  }

  /** A cursor at the journal's current end (pass it to {@link Box.journal} to read what comes after). */
  async journalCursor(): Promise<string> {
    const out = await this.run(['journalctl', '-n', '1', '-o', 'json', '--no-pager']);
    return (JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { __CURSOR?: string }).__CURSOR ?? '';
  }

  /** The messages a unit logged to journald (after `cursor` when given), oldest first. */
  async journal(unit: string, cursor?: string): Promise<string[]> {
    const after = cursor === undefined || cursor === '' ? [] : [`--after-cursor=${cursor}`];
    const out = await this.run(['journalctl', '-u', unit, '-o', 'cat', '--no-pager', ...after]);
    return out.split('\n').filter((line) => line !== '');
  }

  /** Whether something accepts a TCP connection on host:port inside the box (one bounded attempt). */
  async probeTcp(port: number, host = '127.0.0.1', timeoutS = 5): Promise<boolean> {
    if (!Number.isInteger(port) || port < 1 || port > 65_535 || !/^[0-9a-f.:]+$/i.test(host)) throw new Error(`bad probe target ${host}:${port}`);
    const result = await this.exec(['timeout', String(timeoutS), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { timeoutMs: (timeoutS + 20) * 1000 });
    return result.code === 0;
  }

  /** Removes the container (and with it everything the box holds: its dockerd's containers too). */
  async remove(): Promise<void> {
    await dockerQuiet(['rm', '-f', '-v', this.name]);
  }
}

/** Builds (or reuses) the image and boots a box; waits until systemd says `running`. */
export async function bootBox(options: BootOptions = {}): Promise<Box> {
  const image = await ensureBoxImage(options.log);
  const runId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const box = new Box(`reconciler-box-${runId}`, runId);
  const labels = [...(options.labels ?? [TEST_LABEL_PAIR]), `${BOX_RUN_LABEL}=${runId}`];
  // --network none: no packet leaves the box; its dockerd makes its own bridge inside.
  await docker(['run', '-d', '--name', box.name, '--hostname', 'box', '--network', 'none', ...labels.flatMap((l) => ['--label', l]), ...SYSTEMD_FLAGS, image]);
  try {
    await waitRunning(box, options.bootTimeoutMs ?? 120_000);
  } catch (error) {
    await box.remove();
    throw error;
  }
  return box;
}

/** `is-system-running` says `running`; `degraded` fails the boot, naming the failed units. */
async function waitRunning(box: Box, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    state = (await box.exec(['systemctl', 'is-system-running'])).stdout.trim();
    if (state === 'running') return;
    if (state === 'degraded') {
      const failed = await box.exec(['systemctl', '--failed', '--no-legend', '--plain', '--no-pager']);
      throw new Error(`the box booted degraded; failed units:\n${failed.stdout}`);
    }
    await delay(500);
  }
  throw new Error(`the box did not boot within ${timeoutMs} ms (is-system-running: ${state || 'no answer'})`);
}

function runDocker(args: readonly string[], options: BoxExecOptions): Promise<BoxResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading its input
    child.stdin.end(options.input);
  });
}
