import { performance } from 'node:perf_hooks';
import { docker } from '../../harness/docker-cli';
import { readyOf, readStatusJson } from '../../harness/status';
import { startController } from '../lib/controller';
import { newHost, type BenchContext } from '../lib/context';
import type { ScenarioReport } from '../lib/report';
import { ms, summarize } from '../lib/stats';
import { dropInText, pollUntil, readText, replaceByRename, sleep, waitSettled, whenContent } from '../lib/wait';

const TIMEOUT_MS = 10_000;

/** 2. apphub stopped, drop-in drifted to 9090; `docker start` → drop-in back on 9000. */
export async function startScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const trials = ctx.quick ? 3 : 20;
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  const controller = await startController(host, ctx.cleanup);
  const want = dropInText(9000);
  const latencies: number[] = [];
  const cliMs: number[] = [];
  const writtenWhileDown: number[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      await waitSettled(host.statusPath, 300);
      await host.stopApphub();
      const unavailable = await pollUntil(
        async () => readyOf(await readStatusJson(host.statusPath), 'cockpit-socket')?.reason === 'DesiredStateUnavailable',
        10_000,
      );
      if (!unavailable) throw new Error(`trial ${i}: the status never said DesiredStateUnavailable after docker stop`);
      replaceByRename(host.dropInPath, dropInText(9090));
      await sleep(300);
      await waitSettled(host.statusPath, 300);
      if (readText(host.dropInPath) !== dropInText(9090)) writtenWhileDown.push(i);
      const converged = whenContent(host.dropInPath, want, TIMEOUT_MS);
      const t0 = performance.now();
      await docker(['start', host.containerName]);
      cliMs.push(performance.now() - t0);
      const t1 = await converged;
      latencies.push(t1 === null ? Number.POSITIVE_INFINITY : t1 - t0);
      ctx.log(`  start: ${i + 1}/${trials} trials (${t1 === null ? 'never' : `${(t1 - t0).toFixed(0)} ms`})`);
    }
  } finally {
    await controller.stop();
    await dispose();
  }
  const s = summarize(latencies);
  const cli = summarize(cliMs);
  return {
    name: 'start',
    title: 'apphub start → converged (drop-in drifted to 9090 while apphub was stopped)',
    figures: [
      { label: 'trials', value: `${s.n} (${s.failed} not converged within ${TIMEOUT_MS} ms)` },
      { label: 'p99', value: ms(s.p99, 1), target: '≤ 1 s', pass: s.p99 <= 1000 },
      { label: 'p50 / max', value: `${ms(s.p50, 1)} / ${ms(s.max, 1)}` },
      { label: '`docker start` CLI alone', value: `p50 ${ms(cli.p50, 1)}, max ${ms(cli.max, 1)} (included in the figures above)` },
      { label: 'written while apphub was down', value: `${writtenWhileDown.length} of ${s.n} trials (expected 0)` },
    ],
    method: [
      'controller with the default timings; each trial: docker stop apphub, wait for Ready reason DesiredStateUnavailable, replace listen.conf by rename with ListenStream=9090, wait until the controller is quiet',
      't0 = just before `docker start <apphub>` is issued through the docker CLI; the time includes `docker start` itself (CLI + daemon starting the container)',
      't1 = first moment listen.conf is back to ListenStream=9000 (fs.watch + 2 ms poll)',
    ],
    notes: writtenWhileDown.length > 0 ? [`the drop-in changed while apphub was down in trials ${writtenWhileDown.join(', ')}`] : [],
    raw: { latenciesMs: latencies, dockerStartCliMs: cliMs, writtenWhileDown },
  };
}
