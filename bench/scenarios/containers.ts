import { ensureBusyboxImage } from '../../harness/busybox-image';
import { docker } from '../../harness/docker-cli';
import { BENCH_LABEL_PAIR, BENCH_RUN_LABEL, benchLabels } from '../lib/cleanup';
import { startController } from '../lib/controller';
import { newHost, type BenchContext } from '../lib/context';
import type { ScenarioReport } from '../lib/report';
import { sleep, waitSettled } from '../lib/wait';

const CONCURRENCY = 6;
const SETTLE_MS = 3_000;

async function lifecycles(names: string[], image: string, runId: string): Promise<void> {
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      await docker(['create', '--name', name, ...benchLabels(runId).flatMap((label) => ['--label', label]), image]);
      await docker(['start', name]);
      await docker(['rm', '-f', name]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** 4. 200 unrelated containers created, started and removed → passes caused. */
export async function containersScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const count = ctx.quick ? 20 : 200;
  const image = await ensureBusyboxImage();
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  const controller = await startController(host, ctx.cleanup, { timing: { resyncInterval: '10m' } }, 1_000);
  const half = count / 2;
  // Half get plain names; half share apphub's name as a prefix, to catch prefix/substring matching.
  const plain = Array.from({ length: half }, (_, i) => `reconciler-bench-${ctx.runId}-noise-${i}`);
  const prefixed = Array.from({ length: count - half }, (_, i) => `${host.containerName}-noise-${i}`);
  let report: ScenarioReport;
  try {
    const p0 = (await waitSettled(host.statusPath, 1_000)).stats.passes;
    const t0 = Date.now();
    await lifecycles(plain, image, ctx.runId);
    await sleep(SETTLE_MS);
    const p1 = (await waitSettled(host.statusPath, 1_000)).stats.passes;
    ctx.log(`  containers: ${half} plain-named done`);
    await lifecycles(prefixed, image, ctx.runId);
    const lifecycleS = (Date.now() - t0 - SETTLE_MS) / 1000;
    await sleep(SETTLE_MS);
    const p2 = (await waitSettled(host.statusPath, 1_000)).stats.passes;
    // Positive control: the same controller does react to apphub's own events.
    await docker(['restart', '-t', '5', host.containerName]);
    await sleep(2_000);
    const p3 = (await waitSettled(host.statusPath, 1_000)).stats.passes;
    const caused = p2 - p0;
    report = {
      name: 'containers',
      title: `${count} unrelated containers created, started and removed → passes caused`,
      figures: [
        { label: 'passes caused', value: String(caused), target: '0', pass: caused === 0 },
        { label: '  by plain-named containers', value: String(p1 - p0) },
        { label: '  by containers named "<apphub>-noise-N"', value: String(p2 - p1) },
        { label: 'lifecycles', value: `${count} in ${lifecycleS.toFixed(1)} s (${CONCURRENCY} in parallel)` },
        { label: 'positive control', value: `docker restart of apphub → ${p3 - p2} pass(es) (expected ≥ 1)` },
      ],
      method: [
        'timing.resyncInterval set to 10m for this scenario only (other timings default), so that no resync falls in the window',
        `each container: docker create (busybox test image, labels ${BENCH_LABEL_PAIR}, reconciler.test=false and ${BENCH_RUN_LABEL}=<run>), docker start, docker rm -f`,
        `passes caused = stats.passes after the lifecycles + ${SETTLE_MS / 1000} s settle (and 1 s quiet) minus stats.passes before`,
      ],
      notes: [],
    };
  } finally {
    await controller.stop();
    await dispose();
  }
  return report;
}
