import { spawn } from 'node:child_process';
import type { LineProcess, LineProcesses } from '../host/line-process';

/** Longer lines are cut: a monitor's line is short, and nothing it prints may grow memory unbounded. */
const MAX_LINE = 8192;

/** LineProcesses on child_process.spawn: no shell, stdin and stderr ignored, lines of stdout bounded. */
export class SpawnLineProcesses implements LineProcesses {
  start(argv: readonly string[], onLine: (line: string) => void, onExit: (problem: string) => void): LineProcess {
    const [file, ...args] = argv;
    let stopped = false;
    let ended = false;
    const end = (problem: string): void => {
      if (ended || stopped) return;
      ended = true;
      onExit(problem);
    };
    if (!file) {
      queueMicrotask(() => end('empty command'));
      return { stop: () => (stopped = true) };
    }
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = (lines.pop() ?? '').slice(0, MAX_LINE);
      for (const line of lines) if (!stopped) onLine(line.slice(0, MAX_LINE));
    });
    child.on('error', (error: NodeJS.ErrnoException) => end(`${file}: ${error.code ?? error.message}`));
    child.on('close', (code, signal) => end(`${file} ended (${signal ?? `exit code ${String(code)}`})`));
    return {
      stop: () => {
        stopped = true;
        child.kill('SIGTERM');
      },
    };
  }
}
