import { performance } from 'node:perf_hooks';
import { startController } from '../lib/controller';
import { newHost, type BenchContext } from '../lib/context';
import { clockTicks, cpuTicks, statusKb } from '../lib/proc';
import type { ScenarioReport } from '../lib/report';
import { sleep } from '../lib/wait';

/** 5. Idle with the default 30 s resync: CPU % of one core and RSS of the controller process. */
export async function idleScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const warmupMs = ctx.quick ? 3_000 : 15_000;
  const windowMs = ctx.quick ? 15_000 : 60_000;
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  const controller = await startController(host, ctx.cleanup);
  const pid = controller.pid;
  const hz = clockTicks();
  let report: ScenarioReport;
  try {
    await sleep(warmupMs);
    const passes0 = await controller.passes();
    const c0 = cpuTicks(pid);
    const t0 = performance.now();
    const rss: number[] = [];
    for (let second = 0; ; second++) {
      rss.push(statusKb(pid, 'VmRSS'));
      const next = t0 + (second + 1) * 1000;
      if (next > t0 + windowMs) break;
      await sleep(Math.max(0, next - performance.now()));
    }
    const elapsed = (performance.now() - t0) / 1000;
    const c1 = cpuTicks(pid);
    const passes1 = await controller.passes();
    const hwm = statusKb(pid, 'VmHWM');
    const own = (c1.utime + c1.stime - c0.utime - c0.stime) / hz;
    const children = (c1.cutime + c1.cstime - c0.cutime - c0.cstime) / hz;
    const cpuPct = (own / elapsed) * 100;
    const mb = (kb: number): number => (kb * 1024) / 1e6; // /proc reports KiB; MB here = 10^6 bytes
    const maxRssMb = mb(Math.max(...rss));
    report = {
      name: 'idle',
      title: `idle for ${Math.round(windowMs / 1000)} s with the default 30 s resync`,
      figures: [
        { label: 'CPU (utime+stime)', value: `${cpuPct.toFixed(3)} % of one core (${own.toFixed(2)} s CPU in ${elapsed.toFixed(1)} s)`, target: '≤ 0.5 %', pass: cpuPct <= 0.5 },
        { label: 'RSS (max VmRSS, 1 s samples)', value: `${maxRssMb.toFixed(1)} MB (min ${mb(Math.min(...rss)).toFixed(1)} MB)`, target: '≤ 60 MB (issue 19)', pass: maxRssMb <= 60 },
        { label: 'VmHWM (peak since start)', value: `${mb(hwm).toFixed(1)} MB` },
        { label: 'passes in the window', value: `${passes1 - passes0} (resync 30 s ± 10 % jitter)` },
        { label: 'children CPU (cutime+cstime)', value: `${children.toFixed(2)} s (not counted above; the stand-in commands)` },
      ],
      method: [
        `fresh controller with the default timings, in sync; ${warmupMs / 1000} s warm-up after it was quiet, then a ${windowMs / 1000} s window`,
        `CPU = Δ(utime+stime) of /proc/<pid>/stat (${hz} ticks/s) over the window ÷ wall time`,
        'RSS = maximum of VmRSS from /proc/<pid>/status, sampled every second; MB = 10^6 bytes (VmRSS is in KiB)',
        'the benchmark does not touch any watched directory during the window',
      ],
      notes: [],
      raw: { rssKb: rss, cpuSeconds: own, elapsed, hz },
    };
  } finally {
    await controller.stop();
    await dispose();
  }
  return report;
}
