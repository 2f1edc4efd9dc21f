import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newHost, type BenchContext } from '../lib/context';
import type { ScenarioReport } from '../lib/report';
import { ms, summarize } from '../lib/stats';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

function runOnce(config: string): Promise<{ code: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, '--once', '--config', config], (error) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, ms: performance.now() - t0 });
    });
  });
}

/** 0. Wall time of `reconcile --once` (compiled JavaScript) on an emulated host that is already in sync. */
export async function onceScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const trials = ctx.quick ? 3 : 10;
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  try {
    const first = await runOnce(host.configPath); // converges the host; not counted
    if (first.code !== 0) throw new Error(`the converging run exited ${first.code}`);
    const times: number[] = [];
    const codes: number[] = [];
    for (let i = 0; i < trials; i++) {
      const run = await runOnce(host.configPath);
      times.push(run.ms);
      codes.push(run.code);
    }
    const s = summarize(times);
    const commands = await host.commands();
    return {
      name: 'once',
      title: '`reconcile --once` on an in-sync emulated host',
      figures: [
        { label: 'wall time, median', value: ms(s.p50, 1) },
        { label: 'min / max', value: `${ms(s.min, 1)} / ${ms(s.max, 1)}` },
        { label: 'exit codes', value: [...new Set(codes)].join(', '), target: '0', pass: codes.every((c) => c === 0) },
        { label: 'commands run by the in-sync runs', value: String(commands.length - 5), target: '0', pass: commands.length === 5 },
      ],
      method: [
        `node dist/cli.js --once --config <emulated host config>, ${trials} runs one after another after a first run that converged the host`,
        'wall time from spawn to exit (process start, module loading, configuration, Docker inspect, reads, status file write)',
        'the first run applied the drop-in and firewalld changes (5 recorded commands); every later run must run none',
      ],
      notes: [],
      raw: { times, codes },
    };
  } finally {
    await dispose();
  }
}
