import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newHost, type BenchContext } from '../lib/context';
import type { ScenarioReport } from '../lib/report';
import { clockTicks, cpuTicks, loadAverage } from '../lib/proc';
import { ms, summarize } from '../lib/stats';

/** The program timed: this tree's build, or another's (`BENCH_CLI=/tmp/before/dist/cli.js`, to compare builds in the same minutes). */
const CLI = process.env.BENCH_CLI ?? join(__dirname, '..', '..', 'dist', 'cli.js');

/** One run of `node <args>`: exit code, wall time, and CPU (user + system, from this process's reaped-children ticks). */
function runNode(args: readonly string[]): Promise<{ code: number; ms: number; cpuMs: number }> {
  const hz = clockTicks();
  const before = cpuTicks(process.pid);
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [...args], (error) => {
      const ms = performance.now() - t0;
      const after = cpuTicks(process.pid);
      const cpuMs = ((after.cutime + after.cstime - before.cutime - before.cstime) * 1000) / hz;
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, ms, cpuMs });
    });
  });
}

const runOnce = (config: string): ReturnType<typeof runNode> => runNode([CLI, '--once', '--config', config]);

/** 0. Wall time of `reconcile --once` (compiled JavaScript) on an emulated host that is already in sync. */
export async function onceScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const trials = ctx.quick ? 3 : 10;
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  try {
    const first = await runOnce(host.configPath); // converges the host; not counted
    if (first.code !== 0) throw new Error(`the converging run exited ${first.code}`);
    const times: number[] = [];
    const cpu: number[] = [];
    const codes: number[] = [];
    const bare: number[] = [];
    const bareCpu: number[] = [];
    const load = loadAverage();
    for (let i = 0; i < trials; i++) {
      // Interleaved with an empty node, so that both see the same machine load.
      const empty = await runNode(['-e', '0']);
      bare.push(empty.ms);
      bareCpu.push(empty.cpuMs);
      const run = await runOnce(host.configPath);
      times.push(run.ms);
      cpu.push(run.cpuMs);
      codes.push(run.code);
    }
    const s = summarize(times);
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const commands = await host.commands();
    return {
      name: 'once',
      title: '`reconcile --once` on an in-sync emulated host',
      figures: [
        { label: 'wall time, median', value: ms(s.p50, 1), target: '≤ 150 ms on a quiet machine', pass: s.p50 <= 150 },
        { label: 'min / max', value: `${ms(s.min, 1)} / ${ms(s.max, 1)}` },
        { label: 'CPU (user + system) per run, mean', value: ms(mean(cpu), 1) },
        { label: '`node -e 0` (interleaved): wall median, CPU mean', value: `${ms(summarize(bare).p50, 1)}, ${ms(mean(bareCpu), 1)}` },
        { label: 'load average (1/5/15 min) at the start', value: load },
        { label: 'exit codes', value: [...new Set(codes)].join(', '), target: '0', pass: codes.every((c) => c === 0) },
        { label: 'commands run by the in-sync runs', value: String(commands.length - 5), target: '0', pass: commands.length === 5 },
      ],
      method: [
        `node ${CLI} --once --config <emulated host config>, ${trials} runs one after another after a first run that converged the host, each after a \`node -e 0\``,
        'CPU = Δ(cutime + cstime) of the bench process across each run (10 ms ticks): less sensitive to the load than wall time',
        'wall time from spawn to exit (process start, module loading, configuration, Docker inspect, reads, status file write)',
        'the first run applied the drop-in and firewalld changes (5 recorded commands); every later run must run none',
      ],
      notes: [],
      raw: { times, cpu, codes, bare, bareCpu },
    };
  } finally {
    await dispose();
  }
}
