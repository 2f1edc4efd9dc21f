/**
 * Template latencies and idle cost on the real-host box (harness/box): the project installed by
 * deploy/install.sh under the shipped unit (default timings), the shipped nginx example rendering
 * the box's nginx from containers of the box's dockerd (harness/box/box-template.ts).
 *
 *   npm run build && node --require ts-node/register bench/box-template.ts [--trials 50] [--idle 60]
 *
 * - idle cost: CPU time of the controller's process over `--idle` seconds with one site and
 *   nothing happening (the default resync included), and the unit's MemoryCurrent;
 * - a labelled container started (`docker start` of a created one) → nginx serves its Host
 *   (the Docker event, the listing, the render, `nginx -t`, the write and `systemctl reload
 *   nginx` all done): from the `docker start` command, and from its return;
 * - that container removed (`docker rm -f`) → the file without it and nginx's log line of the reload;
 * - nginx reloads per trial (nginx's own log), which must be 2 (one per change).
 * Times are measured inside the box (date +%s%N around a 20 ms curl poll). The box carries the
 * bench's labels and is removed at the end.
 */
import { ownLabels } from '../harness/own-labels';
import { RECONCILER_UNIT, VHOSTS_CONF, bootBox, installProject, nginxReloads, prepareTemplateBox, runSite, templateBoxConfig, type Box } from '../harness/box';
import { summarize } from './lib/stats';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('--trials', 50);
const IDLE_S = arg('--idle', 60);

/** Runs `action` in the box, then polls (20 ms) until the shell condition `until` holds; [ms of the action, ms until it held] (Infinity: not within 60 s). */
async function timed(box: Box, action: string, until: string): Promise<[number, number]> {
  const script = [
    't0=$(date +%s%N)',
    `${action} >/dev/null`,
    't1=$(date +%s%N)',
    `for i in $(seq 3000); do if ${until}; then t2=$(date +%s%N); echo $(( (t1 - t0) / 1000 )) $(( (t2 - t0) / 1000 )); exit 0; fi; sleep 0.02; done`,
    'echo never',
  ].join('\n');
  const out = (await box.sh(script, { timeoutMs: 180_000 })).trim().split(' ');
  return out[0] === 'never' ? [Infinity, Infinity] : [Number(out[0]) / 1000, Number(out[1]) / 1000];
}

/** CPU time of the controller's process (utime + stime of /proc/<MainPID>/stat: the box has no CPU accounting) and the unit's MemoryCurrent. */
async function accounting(box: Box): Promise<{ cpuNs: number; memMb: number }> {
  const p = await box.unitProperties(RECONCILER_UNIT, ['MainPID', 'MemoryCurrent']);
  const out = await box.sh(`echo $(getconf CLK_TCK) $(cut -d' ' -f14,15 /proc/${Number(p.MainPID)}/stat)`);
  const [hz, utime, stime] = out.trim().split(' ').map(Number) as [number, number, number];
  return { cpuNs: ((utime + stime) / hz) * 1e9, memMb: Number(p.MemoryCurrent) / 1024 / 1024 };
}

async function main(): Promise<void> {
  const box = await bootBox({ labels: ownLabels('reconciler.bench=true'), log: (l) => console.error(l) });
  try {
    await prepareTemplateBox(box);
    await runSite(box, 'site-a', ['reconcile.vhost=a.test'], 11);
    await installProject(box, { config: templateBoxConfig() });
    await new Promise((r) => setTimeout(r, 15_000));
    const idle0 = await accounting(box);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idle1 = await accounting(box);

    const startCmd: number[] = [];
    const startToServed: number[] = [];
    const returnToServed: number[] = [];
    const removed: number[] = [];
    const rmReturnToGone: number[] = [];
    const reloads: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const name = `site-t${i}`;
      const host = `t${i}.test`;
      await runSite(box, name, [`reconcile.vhost=${host}`], 100 + (i % 100), { start: false });
      const before = await nginxReloads(box);
      const [cmd, served] = await timed(box, `docker start ${name}`, `[ "$(curl -s -m 2 -H 'Host: ${host}' http://127.0.0.1/)" = "${name}" ]`);
      startCmd.push(cmd);
      startToServed.push(served);
      returnToServed.push(served - cmd);
      // Not by HTTP: a request to the vanished upstream hangs until curl's timeout. The file without
      // it and nginx's log line of one more reload say the removal is rendered and reloaded.
      const reloaded = `[ $(grep -c 'signal 1 (SIGHUP) received' /var/log/nginx/error.log) -gt $(( ${before} + 1 )) ]`;
      const [rm, gone] = await timed(box, `docker rm -f ${name}`, `! grep -q 'server_name ${host};' ${VHOSTS_CONF} && ${reloaded}`);
      removed.push(gone);
      rmReturnToGone.push(gone - rm);
      await new Promise((r) => setTimeout(r, 1_000)); // the removal's own reload, then quiet
      reloads.push((await nginxReloads(box)) - before);
      console.error(`trial ${i + 1}/${TRIALS}: docker start ${cmd.toFixed(0)} ms, served after ${served.toFixed(0)} ms, removed after ${gone.toFixed(0)} ms, reloads ${reloads.at(-1)}`);
    }
    const after = await accounting(box);
    const row = (name: string, v: number[]): string => {
      const s = summarize(v);
      return `| ${name} | ${s.n} | ${s.failed} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.max.toFixed(0)} |`;
    };
    console.log('| measure (ms) | n | never | p50 | p99 | max |\n|---|---|---|---|---|---|');
    console.log(row('`docker start` → its Host served by nginx (rendered, checked, reloaded)', startToServed));
    console.log(row('`docker start` returned → served', returnToServed));
    console.log(row('`docker start` itself (the box’s dockerd)', startCmd));
    console.log(row('`docker rm -f` → file without it and nginx reloaded', removed));
    console.log(row('`docker rm -f` returned → file without it and nginx reloaded', rmReturnToGone));
    console.log(`\nnginx reloads per trial (start + removal): ${[...new Set(reloads)].sort().join(', ')} (sum ${reloads.reduce((a, b) => a + b, 0)} over ${TRIALS} trials)`);
    const cpuPct = ((idle1.cpuNs - idle0.cpuNs) / 1e9 / IDLE_S) * 100; // clock ticks: 10 ms resolution
    console.log(`Idle (${IDLE_S} s, one site): CPU ${((idle1.cpuNs - idle0.cpuNs) / 1e6).toFixed(0)} ms (${cpuPct.toFixed(2)} % of a core); MemoryCurrent ${idle1.memMb.toFixed(1)} MiB idle, ${after.memMb.toFixed(1)} MiB after the trials`);
  } finally {
    await box.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
