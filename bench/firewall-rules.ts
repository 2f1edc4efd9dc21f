/**
 * PublishedPortFirewall with N containers with published ports (issue 17): one observe + plan +
 * apply against the real iptables-nft-save/-restore (or, with `--backend nftables`, nft), then the
 * same again (nothing to do), in the network namespace of a throwaway busybox container (never
 * the host's own firewall).
 * `node --require ts-node/register bench/firewall-rules.ts [--backend nftables] [N...]` (needs Docker, iptables and nft).
 * Results in docs/benchmarks.md ("PublishedPortFirewall").
 */
import { randomUUID } from 'node:crypto';
import { ensureBusyboxImage } from '../harness/busybox-image';
import { docker } from '../harness/docker-cli';
import { ownLabels } from '../harness/own-labels';
import { execFile } from 'node:child_process';
import type { CommandResult, CommandRunner, RunOptions } from '../src/host/command-runner';
import { applyPlan, type CommandSettings } from '../src/resources/apply-plan';
import { ALLOW_FROM_LABEL } from '../src/resources/published-port-firewall/allow-label';
import type { FirewallContainer } from '../src/resources/published-port-firewall/firewall-rules';
import { PublishedPortFirewall } from '../src/resources/published-port-firewall/published-port-firewall';

const args = process.argv.slice(2);
const backendArg = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'iptables';
if (backendArg !== 'iptables' && backendArg !== 'nftables') throw new Error(`--backend iptables | nftables, not ${String(backendArg)}`);
const backend: 'iptables' | 'nftables' = backendArg;
const sizes = args.map(Number).filter((n) => n > 0);
const run = randomUUID().slice(0, 8);
/** argv, no shell, stdin from `input` (the bench may not build the program's adapters). */
const runner: CommandRunner = {
  run: (argv: readonly string[], options: RunOptions) =>
    new Promise<CommandResult>((resolve) => {
      const child = execFile(argv[0] ?? 'false', argv.slice(1), { timeout: options.timeoutMs, maxBuffer: 64 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
        const code = error ? (error as NodeJS.ErrnoException & { code?: unknown }).code : 0;
        resolve({ kind: 'exited', exitCode: typeof code === 'number' ? code : error ? 1 : 0, stdout, stderr });
      });
      child.stdin?.on('error', () => undefined); // a command that exits without reading its input (EPIPE)
      child.stdin?.end(options.input ?? '');
    }),
};

async function main(): Promise<void> {
  const image = await ensureBusyboxImage();
  const id = (await docker(['run', '-d', '--network', 'none', ...[...ownLabels('reconciler.bench=true'), `reconciler.bench.run=${run}`].flatMap((l) => ['--label', l]), image])).stdout.trim();
  try {
    const pid = (await docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim();
    const prefix = ['nsenter', '-t', pid, '-n', '--'];
    const setup = '*filter\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\nCOMMIT\n';
    await runner.run([...prefix, 'iptables-nft-restore', '--noflush'], { timeoutMs: 20_000, input: setup });
    await runner.run([...prefix, 'ip6tables-nft-restore', '--noflush'], { timeoutMs: 20_000, input: setup });
    const commands: CommandSettings = { prefix, systemctl: ['false'], firewallCmd: ['false'], iptablesSave: ['iptables-nft-save'], iptablesRestore: ['iptables-nft-restore'], ip6tablesSave: ['ip6tables-nft-save'], ip6tablesRestore: ['ip6tables-nft-restore'], nft: ['nft'], timeoutMs: 60_000 };
    for (const n of sizes.length > 0 ? sizes : [20, 200]) {
      const containers: FirewallContainer[] = Array.from({ length: n }, (_, i) => ({
        name: `c${i}`,
        labels: i % 2 === 0 ? { [ALLOW_FROM_LABEL]: `203.0.${i % 256}.0/24` } : ({} as Record<string, string>),
        ports: [{ privatePort: 80, publicPort: 10_000 + i, protocol: 'tcp' }],
        addresses: [`172.${16 + Math.floor(i / 65_000)}.${Math.floor(i / 250) % 256}.${(i % 250) + 2}`],
      }));
      const firewall = new PublishedPortFirewall({ name: 'b', kind: 'PublishedPortFirewall', default: 'deny', allowFrom: ['198.18.9.0/24'], backend, enabled: true }, async () => containers, runner, commands);
      const deps = { files: undefined as never, runner, docker: undefined as never, commands };
      const pass = async (): Promise<{ ms: number; commands: number }> => {
        const started = process.hrtime.bigint();
        const seen = await firewall.observe();
        const plan = firewall.plan(null, seen.state);
        const report = await applyPlan(plan, deps);
        if (report.failure) throw new Error(report.failure);
        return { ms: Number(process.hrtime.bigint() - started) / 1e6, commands: plan.commands.length };
      };
      const first = await pass();
      const second = await pass();
      const listing = backend === 'iptables' ? ['iptables-nft-save', '-t', 'filter'] : ['nft', 'list', 'table', 'inet', 'reconcile'];
      const rules = await runner.run([...prefix, ...listing], { timeoutMs: 20_000 });
      const ours = (l: string): boolean => (backend === 'iptables' ? l.startsWith('-A RECONCILE-PUBLISHED') : / ct status dnat (?:return|drop)$/.test(l));
      const lines = rules.kind === 'exited' ? rules.stdout.split('\n').map((l) => l.trim()).filter(ours) : [];
      const duplicates = lines.length - new Set(lines).size;
      const bytes = rules.kind === 'exited' ? rules.stdout.length : 0;
      console.log(`${backend}, ${n} containers: first pass ${first.ms.toFixed(0)} ms (${first.commands} transactions), second pass ${second.ms.toFixed(0)} ms (${second.commands} transactions); ${lines.length} ${backend === 'iptables' ? 'IPv4 ' : ''}rules, ${duplicates} duplicates, listing ${bytes} bytes`);
    }
  } finally {
    await docker(['rm', '-f', id]);
  }
}

void main();
