/**
 * PublishedPortFirewall with N real containers (issue 17), on the real-host box: the box's own
 * dockerd runs N busybox httpd containers, each publishing one port (10000 + i → 8080), every
 * second one labelled `reconcile.firewall.allow-from=198.18.10.0/24`; the controller runs as users
 * install it (set-up of bench/lib/firewall-box.ts, shared with bench/firewall-recovery.ts).
 *
 *   npm run build && node --require ts-node/register bench/firewall-box-containers.ts [N=200] [--noop 10] [--idle 60]
 *
 * The scene's `evil` container (a refused label, whose backoff retries would add passes) is removed
 * first; `web` and `open` stay. Every pass's `lastPass` is read from the status file by a watcher
 * in the box (bench/lib/pass-watch.ts). Phases:
 * 1. the N containers created one `docker run` at a time with the controller running; from the
 *    last one's return until the owned chain holds exactly the expected rules;
 * 2. the rule count, duplicates (checked here, on `iptables -S`) and real packets from both clients
 *    to one labelled and one unlabelled container of the N;
 * 3. the controller stopped, the owned chain deleted, the controller started: its first pass
 *    creates every rule (what a first install on a host with N containers does);
 * 4. no-op passes: a container without a published port started and removed (`--noop` times);
 * 5. an idle minute (`--idle`, also after 2): CPU time and MemoryCurrent.
 * The 1-min load average is sampled every 5 s throughout and printed with the figures.
 */
import { RECONCILER_UNIT, SERVE, probeAll, type Box } from '../harness/box';
import { BUSYBOX_IMAGE } from '../harness/busybox-image';
import { ALLOWED, CHAIN, DENIED, checkRules, expectedRules, inPlace, type Published } from './lib/box-rules';
import { cpuAndMemory, withFirewallBox } from './lib/firewall-box';
import { passesSince, startPassWatch, type SeenPass } from './lib/pass-watch';
import { loadAverage } from './lib/proc';
import { summarize } from './lib/stats';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = /^\d+$/.test(process.argv[2] ?? '') ? Number(process.argv[2]) : 200;
const NOOP = arg('--noop', 10);
const IDLE_S = arg('--idle', 60);
const PORT0 = 10_000;

const loads: number[] = [];
const sampleLoad = (): number => loads.push(Number(loadAverage().split(' ')[0]));
/** Samples the load now; the index its phase's range starts at. */
const phase = (): number => sampleLoad() - 1;
const loadRange = (from: number): string => {
  const l = loads.slice(from);
  return l.length === 0 ? 'n/a' : `${Math.min(...l).toFixed(1)}–${Math.max(...l).toFixed(1)}`;
};
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Passes the watcher missed (two status writes within its 10 ms poll): gaps in `stats.passes`. */
const missed = (p: readonly SeenPass[]): number => (p.length === 0 ? 0 : (p.at(-1)?.n ?? 0) - (p[0]?.n ?? 0) + 1 - p.length);
/** `unchanged 40, converged 3` and, for failed passes, their distinct problems. */
const results = (p: readonly SeenPass[]): string => {
  const count = new Map<string, number>();
  for (const x of p) count.set(x.result, (count.get(x.result) ?? 0) + 1);
  const problems = [...new Set(p.flatMap((x) => x.problems ?? []))];
  return [...count].map(([r, c]) => `${r} ${c}`).join(', ') + (problems.length > 0 ? ` (failed: ${problems.join(' | ')})` : '');
};
const stats = (v: number[]): string => {
  const s = summarize(v);
  return `n ${s.n}, p50 ${s.p50.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms, max ${s.max.toFixed(0)} ms`;
};

/** The published containers the chain must cover: the scene's `web` and `open`, and the N. */
async function published(box: Box): Promise<Published[]> {
  const out = await box.sh(`docker inspect -f '{{.Name}} {{.NetworkSettings.IPAddress}}' web open $(docker ps -q --filter label=bench.firewall)`);
  const ip = new Map(out.trim().split('\n').map((l) => l.replace(/^\//, '').split(' ') as [string, string]));
  const wanted: [string, number[]][] = [['web', [ALLOWED]], ['open', [ALLOWED, DENIED]], ...Array.from({ length: N }, (_, i): [string, number[]] => [`p${i}`, i % 2 === 0 ? [ALLOWED, DENIED] : [ALLOWED]])];
  return wanted.map(([name, sources]) => {
    const address = ip.get(name);
    if (address === undefined || address === '') throw new Error(`no address for ${name}`);
    return { name, address, sources };
  });
}

/** IDLE_S seconds with nothing done: the controller's CPU (main process) and MemoryCurrent at the end. */
async function idle(box: Box): Promise<{ cpu: string; memMb: number }> {
  const before = await cpuAndMemory(box);
  await pause(IDLE_S * 1000);
  const after = await cpuAndMemory(box);
  return { cpu: `${(((after.cpuMs - before.cpuMs) / (IDLE_S * 1000)) * 100).toFixed(2)} %`, memMb: after.memMb };
}

/** Waits until the watcher has seen a pass after `since` and then `quietMs` without one; returns the passes after `since`. */
async function settle(box: Box, since: number, quietMs = 3000): Promise<SeenPass[]> {
  const deadline = Date.now() + 120_000;
  let seen = await passesSince(box, since);
  for (;;) {
    await pause(quietMs);
    const now = await passesSince(box, since);
    if (now.length > 0 && now.length === seen.length) return now;
    if (Date.now() > deadline) throw new Error(`passes did not settle: ${now.length} seen`);
    seen = now;
  }
}

async function main(): Promise<void> {
  await withFirewallBox(async (box) => {
    const sampler = setInterval(sampleLoad, 5000);
    try {
      sampleLoad();
      console.log(`PublishedPortFirewall with ${N} real containers on the box; load average at the start ${loadAverage()}`);
      await box.run(['docker', 'rm', '-f', 'evil']);
      await startPassWatch(box);
      // 1. The N containers, with the controller running.
      const at1 = phase();
      const mark1 = Date.now();
      const runs = N === 0 ? '' : [
        `for i in $(seq 0 ${N - 1}); do`,
        `  lab=(); if [ $((i % 2)) = 0 ]; then lab=(--label reconcile.firewall.allow-from=198.18.${DENIED}.0/24); fi`,
        '  s=$(date +%s%N)',
        `  docker run -d --name p$i --label bench.firewall=1 "\${lab[@]}" -p $((${PORT0} + i)):8080 ${BUSYBOX_IMAGE} ${SERVE.map(quote).join(' ')} >/dev/null`,
        '  echo "run $(( ($(date +%s%N) - s) / 1000000 ))"',
        'done',
      ].join('\n');
      const expectedCount = 1 + 2 + 3 + N * 2 + Math.ceil(N / 2);
      const out1 = await box.sh(
        `T0=$(date +%s%N)\n${runs}\nSTART=$(date +%s%N); echo $START > /tmp/last-run; echo "created $(( (START - T0) / 1000000 ))"\n` +
          // Polled until the count is right (the addresses are read after: an early match is checked then).
          `for k in $(seq 6000); do s=$(iptables -S ${CHAIN} 2>/dev/null || true); if [ "$(grep -c '^-A ' <<<"$s" || true)" = ${expectedCount} ]; then ` +
          `echo "count $(( ($(date +%s%N) - START) / 1000000 ))"; echo "$s" > /tmp/snapshot; exit 0; fi; sleep 0.02; done; echo "count never"`,
        { timeoutMs: N * 20_000 + 300_000 },
      );
      const runMs = [...out1.matchAll(/^run (\d+)$/gm)].map((m) => Number(m[1]));
      const createdMs = Number(/^created (\d+)$/m.exec(out1)?.[1]);
      const containers = await published(box);
      const expected = expectedRules(containers);
      await box.writeFile('/tmp/expected', `${expected.join('\n')}\n`);
      const snapshot = checkRules(await box.run(['cat', '/tmp/snapshot']).catch(() => ''), expected);
      const countMs = /^count (\d+)$/m.exec(out1)?.[1];
      // The snapshot at the right count is checked whole; if it was not the policy yet, polled again, timed from the same return.
      const inPlaceMs = countMs !== undefined && snapshot.exact ? Number(countMs) : await inPlace(box, '$(cat /tmp/last-run)');
      const burst = await passesSince(box, mark1);
      const memBurst = (await cpuAndMemory(box)).memMb;
      console.log(`\n## 1. ${N} containers created one \`docker run -d -p\` at a time, the controller running (load ${loadRange(at1)})`);
      console.log(`- creating them: ${(createdMs / 1000).toFixed(1)} s in all; one \`docker run\`: ${stats(runMs)}`);
      console.log(`- last \`docker run\` returned → every rule in place: ${inPlaceMs} ms (the rule count right: ${countMs ?? 'never'} ms; that snapshot exact: ${snapshot.exact})`);
      console.log(`- passes meanwhile: ${burst.length} (${stats(burst.map((p) => p.durationMs))}), results: ${results(burst)}; missed by the watcher: ${missed(burst)}`);
      console.log(`- MemoryCurrent after the burst: ${memBurst.toFixed(1)} MiB`);
      // 2. Count, duplicates, real packets.
      const at2 = phase();
      const rules = checkRules(await box.run(['iptables', '-S']), expected);
      const v6 = (await box.exec(['ip6tables', '-S', CHAIN])).stdout.split('\n').filter((l) => l.startsWith('-A ')).length;
      const L = N % 2 === 0 ? N - 2 : N - 1;
      const U = N % 2 === 0 ? N - 1 : N - 2;
      const probes = [L, L, U, U].map((i, k) => ({ client: k % 2 === 0 ? ('allowed' as const) : ('denied' as const), port: PORT0 + i }));
      const got = N >= 2 ? await probeAll(box, probes) : [];
      const want = [true, true, true, false];
      console.log(`\n## 2. The owned chain with ${N} containers (load ${loadRange(at2)})`);
      console.log(`- iptables -S ${CHAIN}: ${rules.count} rules (expected ${expected.length}), ${rules.duplicates} duplicates, ${rules.missing} missing, ${rules.extra} extra; established rule first: ${rules.establishedFirst}; jumps to it: ${rules.jumps} (first in DOCKER-USER: ${rules.jumpFirst}); ip6tables: ${v6} rules`);
      console.log(`- probes (busybox nc from the client namespaces): p${L} (labelled ${DENIED}) from the allowed client ${got[0]}, from the denied client ${got[1]}; p${U} (unlabelled) from the allowed client ${got[2]}, from the denied client ${got[3]} — policy ${got.every((g, k) => g === want[k]) ? 'holds' : 'VIOLATED'}`);
      if (!rules.exact || !got.every((g, k) => g === want[k])) process.exitCode = 1;
      const idleBurst = await idle(box);
      console.log(`- then idle ${IDLE_S} s (the same controller as in 1): CPU ${idleBurst.cpu}, MemoryCurrent ${idleBurst.memMb.toFixed(1)} MiB`);
      // 3. A first pass that creates every rule.
      const at3 = phase();
      await box.sh(`systemctl stop ${RECONCILER_UNIT}; for t in iptables ip6tables; do $t -D DOCKER-USER -j ${CHAIN} 2>/dev/null || true; $t -F ${CHAIN} 2>/dev/null || true; $t -X ${CHAIN} 2>/dev/null || true; done`);
      const mark3 = Date.now();
      const startOut = await box.sh(`S=$(date +%s%N); systemctl start ${RECONCILER_UNIT}; echo $(( ($(date +%s%N) - S) / 1000000 )); echo $S > /tmp/start-invoked`, { timeoutMs: 240_000 });
      const startToPlace = await inPlace(box, '$(cat /tmp/start-invoked)');
      const fresh = await settle(box, mark3);
      const first = fresh[0];
      console.log(`\n## 3. Controller restarted with the chain deleted: its first pass creates the ${expected.length} rules (load ${loadRange(at3)})`);
      console.log(`- first pass: ${first?.durationMs} ms (pass ${first?.n}, triggers ${first?.triggers.join(',')}, result ${first?.result})`);
      console.log(`- passes after it: ${fresh.slice(1).map((p) => `${p.durationMs} ms (${p.triggers.join(',')}: ${p.result})`).join('; ') || 'none'}`);
      console.log(`- \`systemctl start\` (Type=notify: returns after the first pass): ${startOut.trim()} ms; invoked → every rule in place: ${startToPlace} ms`);
      // 4. No-op passes.
      const at4 = phase();
      const mark4 = Date.now();
      for (let i = 0; i < NOOP; i++) {
        const t = Date.now();
        await box.run(['docker', 'run', '-d', '--name', `q${i}`, BUSYBOX_IMAGE, 'sleep', '600']);
        await settle(box, t, 1500);
        const r = Date.now();
        await box.run(['docker', 'rm', '-f', `q${i}`]);
        await settle(box, r, 1500);
      }
      const noop = await passesSince(box, mark4);
      const unchanged = noop.filter((p) => p.result === 'unchanged');
      console.log(`\n## 4. No-op passes: a container without a published port started and removed, ${NOOP} times (load ${loadRange(at4)})`);
      console.log(`- ${noop.length} passes: ${results(noop)}; stats.changes ${noop[0]?.changes} → ${noop.at(-1)?.changes}; missed by the watcher: ${missed(noop)}`);
      console.log(`- no-op pass: ${stats(unchanged.map((p) => p.durationMs))}`);
      // 5. Idle.
      const at5 = phase();
      const idle1 = await idle(box);
      const after = checkRules(await box.run(['iptables', '-S']), expected);
      console.log(`\n## 5. Idle ${IDLE_S} s with ${N} containers (load ${loadRange(at5)})`);
      console.log(`- the controller started in 3: CPU ${idle1.cpu} (main process utime + stime), MemoryCurrent ${idle1.memMb.toFixed(1)} MiB`);
      console.log(`- the chain after it all: ${after.count} rules, ${after.duplicates} duplicates, exact: ${after.exact}`);
      if (!after.exact) process.exitCode = 1;
      console.log(`\nload average (1 min) over the whole run: ${loadRange(0)}, ${loads.length} samples`);
    } finally {
      clearInterval(sampler);
    }
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
