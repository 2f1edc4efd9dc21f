import { readFile } from 'node:fs/promises';
import { startDaemon } from './daemon-process';

/** A run of the built program with its wall time and peak resident memory. */
export interface SampledRun {
  code: number | null;
  stdout: string;
  /** The program's stderr, after a first line saying why the driver killed it (empty when it did not). */
  stderr: string;
  ms: number;
  peakRssMb: number;
}

/** Samples a process's VmRSS every 50 ms; `onOver` is called once when it passes `capMb`. */
export function rssSampler(pid: number, capMb = Infinity, onOver: (mb: number) => void = () => undefined): { peakMb(): number; stop(): void } {
  let peak = 0;
  let over = false;
  const timer = setInterval(() => {
    void readFile(`/proc/${pid}/status`, 'utf8').then(
      (text) => {
        const rss = Number(/^VmRSS:\s+(\d+)/m.exec(text)?.[1] ?? 0) / 1024;
        peak = Math.max(peak, rss);
        if (rss > capMb && !over) {
          over = true;
          onOver(rss);
        }
      },
      () => undefined,
    );
  }, 50);
  return { peakMb: () => Math.round(peak), stop: () => clearInterval(timer) };
}

/**
 * `node dist/cli.js …args` to its end, with its peak RSS sampled. Killed (and the kill reported on
 * stderr's first line) past `killAtMb` of memory — so an unbounded agent never hurts the shared
 * machine — or after `boundMs`.
 */
export async function sampledRun(args: readonly string[], boundMs: number, killAtMb = 600): Promise<SampledRun> {
  const started = Date.now();
  const child = startDaemon(args);
  let killed = '';
  const sampler = rssSampler(child.process.pid ?? 0, killAtMb, (mb) => {
    killed ||= `killed at ${Math.round(mb)} MB`;
    child.process.kill('SIGKILL');
  });
  const late = setTimeout(() => {
    killed ||= `killed after ${boundMs}ms`;
    child.process.kill('SIGKILL');
  }, boundMs);
  const code = await child.exited;
  sampler.stop();
  clearTimeout(late);
  return { code, stdout: child.stdout(), stderr: `${killed}\n${child.stderr()}`, ms: Date.now() - started, peakRssMb: sampler.peakMb() };
}

/** One line the security doc's figures are read from: `figure: class N, what: --once X ms, peak RSS Y MB`. */
export function printFigure(attackClass: number, what: string, run: Pick<SampledRun, 'ms' | 'peakRssMb'>, extra = ''): void {
  console.log(`figure: class ${attackClass}, ${what}: --once ${run.ms} ms, peak RSS ${run.peakRssMb} MB${extra ? `, ${extra}` : ''}`);
}
