/**
 * Latencies on the real-host box (harness/box): systemd as PID 1, the real cockpit.socket, the
 * project installed by deploy/install.sh and run by the shipped unit, apphub in the box's dockerd.
 *
 *   npm run build && node --require ts-node/register bench/box-latency.ts [--trials 20]
 *
 * - apphub start → Cockpit listening on the user's port (apphub stopped, Cockpit back on 9090);
 * - drift → listening again (the drop-in removed, daemon-reload and restart by someone else);
 * - `systemctl daemon-reload` alone, the part of both that is systemd's own;
 * - the controller's MemoryCurrent (systemd's accounting) idle and after the trials.
 * Trials are spaced (7 s after each correction) so that the controller never sees more than 10
 * corrections a minute, its Flapping threshold, which would hold corrections back for 10 s and more.
 * Times are measured inside the box (date +%s%N around a 20 ms connect poll). The box carries the
 * bench's labels (`reconciler.bench=true`, `reconciler.test=false`) and is removed at the end.
 */
import { ownLabels } from '../harness/own-labels';
import { BOX_APPHUB, RECONCILER_UNIT, bootBox, boxConfig, installProject, startBoxApphub, type Box } from '../harness/box';
import { summarize } from './lib/stats';

const PORT = 9000;
const DROP_IN = '/etc/systemd/system/cockpit.socket.d/listen.conf';
const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 20;

/** Milliseconds from the end of `setup` … `action` until PORT accepts a connection (60 s bound; Infinity when never). */
async function timeToListen(box: Box, action: string): Promise<number> {
  const script = [
    `${action}`,
    'start=$(date +%s%N)',
    `for i in $(seq 3000); do if (exec 3<>/dev/tcp/127.0.0.1/${PORT}) 2>/dev/null; then echo $(( ($(date +%s%N) - start) / 1000 )); exit 0; fi; sleep 0.02; done`,
    'echo never',
  ].join('\n');
  const out = (await box.sh(script, { timeoutMs: 120_000 })).trim();
  return out === 'never' ? Infinity : Number(out) / 1000;
}

async function closed(box: Box): Promise<void> {
  for (let i = 0; i < 100 && (await box.probeTcp(PORT, '127.0.0.1', 2)); i++) await new Promise((r) => setTimeout(r, 100));
}

async function memoryMb(box: Box): Promise<number> {
  return Number((await box.unitProperties(RECONCILER_UNIT, ['MemoryCurrent'])).MemoryCurrent) / 1024 / 1024;
}

async function main(): Promise<void> {
  const box = await bootBox({ labels: ownLabels('reconciler.bench=true'), log: (l) => console.error(l) });
  try {
    await startBoxApphub(box, PORT);
    await installProject(box, { config: boxConfig() });
    await new Promise((r) => setTimeout(r, 15_000));
    const idleMb = await memoryMb(box);
    const start: number[] = [];
    const drift: number[] = [];
    const reload: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      // apphub down, Cockpit back on the package's port, then apphub starts.
      await box.sh(`docker stop ${BOX_APPHUB} >/dev/null; rm -f ${DROP_IN}; systemctl daemon-reload; systemctl restart cockpit.socket`);
      await closed(box);
      start.push(await timeToListen(box, `docker start ${BOX_APPHUB} >/dev/null`));
      await new Promise((r) => setTimeout(r, 7_000));
      // Drift: another party removes the drop-in and applies it; the clock starts when it is done.
      drift.push(await timeToListen(box, `rm -f ${DROP_IN}; systemctl daemon-reload; systemctl restart cockpit.socket`));
      await new Promise((r) => setTimeout(r, 7_000));
      const t = (await box.sh('s=$(date +%s%N); systemctl daemon-reload; echo $(( ($(date +%s%N) - s) / 1000 ))')).trim();
      reload.push(Number(t) / 1000);
      console.error(`trial ${i + 1}/${TRIALS}: start ${start.at(-1)?.toFixed(0)} ms, drift ${drift.at(-1)?.toFixed(0)} ms, daemon-reload ${reload.at(-1)?.toFixed(0)} ms`);
    }
    const afterMb = await memoryMb(box);
    const row = (name: string, v: number[]): string => {
      const s = summarize(v);
      return `| ${name} | ${s.n} | ${s.failed} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.max.toFixed(0)} |`;
    };
    console.log('| measure (ms) | n | never | p50 | p99 | max |\n|---|---|---|---|---|---|');
    console.log(row('apphub start → Cockpit listening on the user’s port', start));
    console.log(row('drift (drop-in removed and applied) → listening again', drift));
    console.log(row('`systemctl daemon-reload` alone', reload));
    console.log(`\nMemoryCurrent of reconciler.service: idle ${idleMb.toFixed(1)} MiB, after the trials ${afterMb.toFixed(1)} MiB`);
  } finally {
    await box.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
