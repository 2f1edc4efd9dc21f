/**
 * PublishedPortFirewall on the real-host box (harness/box: systemd, firewalld 1.3, Docker 20.10
 * with iptables-nft, the project installed by deploy/install.sh under the shipped unit plus the
 * drop-in): how long from each event until the owned rules are in place again (issue 17).
 *
 *   npm run build && node --require ts-node/register bench/firewall-recovery.ts [--trials 20] [--restarts 3]
 *
 * The scene is harness/box/firewall-scene.ts; the resync is 10 min, so every figure is a
 * trigger's. Each trial is timed inside the box (date +%s%N) from the moment the command that
 * causes the event returns until `iptables -S` shows the jump first in DOCKER-USER, no ACCEPT
 * rule in the chain, the expected number of rules and a DROP rule for every published
 * container's current address (polled every 20 ms, 60 s bound). Measures:
 * - container start: `docker run -d -p` of a new unlabelled container (removed after);
 * - firewall reload: `firewall-cmd --reload` (its own duration reported beside);
 * - the jump deleted by hand (`iptables -D DOCKER-USER ...`), a duplicate ACCEPT inserted by hand;
 * - `systemctl restart docker` (containers back with new addresses);
 * - the controller's CPU time and MemoryCurrent over an idle minute with the resource enabled.
 * The set-up (box, scene, install, labels, removal) is bench/lib/firewall-box.ts's.
 */
import type { Box } from '../harness/box';
import { BUSYBOX_IMAGE } from '../harness/busybox-image';
import { cpuAndMemory, withFirewallBox } from './lib/firewall-box';
import { summarize } from './lib/stats';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('--trials', 20);
const RESTARTS = arg('--restarts', 3);

/** Bash in the box: `inplace N IPS...` succeeds when the owned rules are in place (see above). */
const IN_PLACE = `
inplace() {
  local n=$1; shift
  [ "$(iptables -S DOCKER-USER 2>/dev/null | sed -n 2p)" = "-A DOCKER-USER -j RECONCILE-PUBLISHED" ] || return 1
  local s; s=$(iptables -S RECONCILE-PUBLISHED 2>/dev/null) || return 1
  case "$s" in *"-j ACCEPT"*) return 1;; esac
  [ "$(grep -c '^-A ' <<<"$s")" = "$n" ] || return 1
  for ip in "$@"; do grep -q -- "-d $ip/32 .*-j DROP" <<<"$s" || return 1; done
}
ips() { for c in $(docker ps -q --filter publish=8080-8099); do docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$c"; done; }
waitplace() { # N IPS...: ms from $START until in place, or never
  for i in $(seq 3000); do if inplace "$@"; then echo $(( ($(date +%s%N) - START) / 1000000 )); return; fi; sleep 0.02; done; echo never
}
`;

/** Runs `script` (after IN_PLACE) in the box; its last line is a number of ms or `never`. */
async function timed(box: Box, script: string): Promise<{ ms: number; extra: number }> {
  const out = (await box.sh(`${IN_PLACE}\n${script}`, { timeoutMs: 240_000 })).trim().split('\n');
  const last = out.at(-1) ?? 'never';
  const extra = Number(out.at(-2) ?? Number.NaN);
  return { ms: last === 'never' ? Infinity : Number(last), extra };
}

async function main(): Promise<void> {
  await withFirewallBox(async (box) => {
    const base = Number((await box.sh("iptables -S RECONCILE-PUBLISHED | grep -c '^-A '")).trim());
    // The scene's addresses (fixed until Docker restarts): computed once, so that polling starts at once.
    const ips = (await box.sh(`${IN_PLACE}\nips`)).trim().split(/\s+/).join(' ');
    // Idle: a minute with nothing happening.
    const idle0 = await cpuAndMemory(box);
    await new Promise((r) => setTimeout(r, 60_000));
    const idle1 = await cpuAndMemory(box);
    const results: Record<string, number[]> = { start: [], reload: [], reloadCmd: [], jump: [], duplicate: [], restart: [] };
    for (let i = 0; i < TRIALS; i++) {
      const start = await timed(box, [
        `docker run -d --name t${i} -p 8099:8080 ${BUSYBOX_IMAGE} sleep 600 >/dev/null`,
        // The new container's two rules: the count, with every other container's DROP still there.
        `START=$(date +%s%N); echo 0; waitplace ${base + 2} ${ips}`,
      ].join('\n'));
      results.start?.push(start.ms);
      await box.sh(`${IN_PLACE}\ndocker rm -f t${i} >/dev/null; for i in $(seq 3000); do inplace ${base} ${ips} && break; sleep 0.05; done`, { timeoutMs: 240_000 });
      const reload = await timed(box, `S=$(date +%s%N); firewall-cmd -q --reload; START=$(date +%s%N); echo $(( (START - S) / 1000000 )); waitplace ${base} ${ips}`);
      results.reload?.push(reload.ms);
      results.reloadCmd?.push(reload.extra);
      results.jump?.push((await timed(box, `iptables -D DOCKER-USER -j RECONCILE-PUBLISHED; START=$(date +%s%N); echo 0; waitplace ${base} ${ips}`)).ms);
      results.duplicate?.push((await timed(box, `iptables -I RECONCILE-PUBLISHED 1 -j ACCEPT; START=$(date +%s%N); echo 0; waitplace ${base} ${ips}`)).ms);
      console.error(`trial ${i + 1}/${TRIALS}: start ${start.ms} ms, reload ${reload.ms} ms (firewall-cmd ${reload.extra} ms), jump ${results.jump?.at(-1)} ms, duplicate ${results.duplicate?.at(-1)} ms`);
    }
    for (let i = 0; i < RESTARTS; i++) {
      // New addresses: looked up after the restart (the lookup's time counts in the figure).
      const r = await timed(box, `systemctl restart docker; START=$(date +%s%N); echo 0; waitplace ${base} $(ips)`);
      results.restart?.push(r.ms);
      console.error(`docker restart ${i + 1}/${RESTARTS}: ${r.ms} ms`);
    }
    const after = await cpuAndMemory(box);
    const row = (name: string, v: number[]): string => {
      const s = summarize(v);
      return `| ${name} | ${s.n} | ${s.failed} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.max.toFixed(0)} |`;
    };
    console.log('| event → owned rules in place (ms) | n | never | p50 | p99 | max |\n|---|---|---|---|---|---|');
    console.log(row('container start (`docker run -d -p` returned)', results.start ?? []));
    console.log(row('`firewall-cmd --reload` returned', results.reload ?? []));
    console.log(row('(`firewall-cmd --reload` itself)', results.reloadCmd ?? []));
    console.log(row('the jump deleted by hand', results.jump ?? []));
    console.log(row('a duplicate ACCEPT inserted by hand', results.duplicate ?? []));
    console.log(row('`systemctl restart docker` returned', results.restart ?? []));
    const cpuPct = ((idle1.cpuMs - idle0.cpuMs) / 60_000) * 100;
    console.log(`\nreconciler.service idle (60 s, resource enabled): CPU ${cpuPct.toFixed(2)} %, MemoryCurrent ${idle1.memMb.toFixed(1)} MiB; after the trials ${after.memMb.toFixed(1)} MiB`);
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
