import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './run-cli';

/** A controller started as a real process (`node dist/cli.js …`). */
export interface DaemonProcess {
  process: ChildProcess;
  /** Everything written to stderr (logs) so far. */
  stderr(): string;
  stdout(): string;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function startDaemon(args: readonly string[], env: NodeJS.ProcessEnv = {}): DaemonProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A bound for a hung process only (a SIGKILL shows as a null code): its own shutdown bound is
      // 15 s, which a busy machine may stretch; how long shutdown takes is not this driver's to judge.
      const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timeout);
      return code;
    },
  };
}
