import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startController } from '../lib/controller';
import { newHost, type BenchContext } from '../lib/context';
import type { ScenarioReport } from '../lib/report';
import { ms, summarize } from '../lib/stats';
import { dropInText, readText, replaceByRename, waitSettled, whenContent } from '../lib/wait';

const TIMEOUT_MS = 5_000;

/** One inotify event plus one pass: p50 ≤ 15 ms on a quiet machine (issue 19; issue 8 asked 30), p99 issue 8's. */
const P50_MS = 15;
const P99_MS = 100;

/**
 * 1. A drop-in replaced by rename with a wrong port → back to the desired content, on the
 * real-host fixture: no drop-in directory until the controller creates it.
 */
export async function driftScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const trials = ctx.quick ? 10 : 100;
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  const preCreated = existsSync(host.dropInDir);
  const controller = await startController(host, ctx.cleanup);
  const want = dropInText(9000);
  const latencies: number[] = [];
  const noopPassMs: number[] = [];
  const passesPerTrial: number[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      const settled = await waitSettled(host.statusPath, 300);
      if (readText(host.dropInPath) !== want) throw new Error(`trial ${i}: the drop-in was not in sync before the trial`);
      const before = settled.stats.passes;
      const wrong = 9100 + (i % 50);
      const t0 = performance.now();
      replaceByRename(host.dropInPath, dropInText(wrong));
      const t1 = await whenContent(host.dropInPath, want, TIMEOUT_MS);
      latencies.push(t1 === null ? Number.POSITIVE_INFINITY : t1 - t0);
      const after = await waitSettled(host.statusPath, 300);
      passesPerTrial.push(after.stats.passes - before);
      const last = after.lastPass as { durationMs?: number } | null;
      if (typeof last?.durationMs === 'number') noopPassMs.push(last.durationMs);
      if ((i + 1) % 10 === 0) ctx.log(`  drift: ${i + 1}/${trials} trials`);
    }
  } finally {
    await controller.stop();
    await dispose();
  }
  const s = summarize(latencies);
  const p50ok = s.p50 <= P50_MS;
  const p99ok = s.p99 <= P99_MS;
  const passes = summarize(passesPerTrial);
  return {
    name: 'drift',
    title: 'file drift → corrected (listen.conf replaced by rename with a wrong port)',
    figures: [
      { label: 'trials', value: `${s.n} (${s.failed} not corrected within ${TIMEOUT_MS} ms)` },
      { label: 'fixture', value: preCreated ? 'drop-in directory pre-created (not a real host)' : 'real-host shape: no drop-in directory until the controller created it' },
      { label: 'p50', value: ms(s.p50, 1), target: `≤ ${P50_MS} ms`, pass: p50ok },
      { label: 'p99', value: ms(s.p99, 1), target: `≤ ${P99_MS} ms`, pass: p99ok },
      { label: 'max', value: ms(s.max, 1) },
      { label: 'min / p90 / mean', value: `${ms(s.min, 1)} / ${ms(s.p90, 1)} / ${ms(s.mean, 1)}` },
      { label: 'passes per trial', value: `median ${passes.p50}, max ${passes.max} (correction + at most one no-op pass for its own write)` },
      { label: 'no-op pass duration', value: `median ${ms(summarize(noopPassMs).p50)} (lastPass.durationMs after each trial)` },
    ],
    method: [
      'controller with the default timings (resync 30 s, debounce 100 ms, maxDebounce 1 s), apphub port 9000, on a fresh-install fixture (the controller creates cockpit.socket.d)',
      'each trial: wait until stats.passes and lastPass.finishedAt are unchanged for 300 ms, then write listen.conf.dpkg-new with ListenStream=91xx and rename it over listen.conf',
      't0 = just before the write; t1 = first moment listen.conf is exactly "[Socket]\\nListenStream=\\nListenStream=9000\\n" (fs.watch on the drop-in directory + 2 ms poll, content re-read each time)',
      'percentiles are nearest-rank (p99 of 100 trials = the 99th value)',
    ],
    notes: [],
    raw: { latenciesMs: latencies, passesPerTrial, noopPassMs },
  };
}
