import { ownLabels } from '../../harness/own-labels';
import { RECONCILER_UNIT, bootBox, eventually, firewallConfig, policyMismatch, setUpFirewallScene, type Box } from '../../harness/box';

/**
 * The set-up of the PublishedPortFirewall benches on the real-host box (bench/firewall-recovery.ts,
 * bench/firewall-box-containers.ts): a box labelled as the bench's (`reconciler.bench=true`,
 * `reconciler.test=false`), the scene of harness/box/firewall-scene.ts with a 10 min resync (so
 * that every pass is a trigger's), the project installed by deploy/install.sh under the shipped
 * unit plus the firewall drop-in, `systemctl enable --now`, and the policy enforced (probed). Runs
 * `body`, then removes the box whatever happened (on Ctrl-C too).
 */
export async function withFirewallBox(body: (box: Box) => Promise<void>): Promise<void> {
  const box = await bootBox({ labels: ownLabels('reconciler.bench=true'), log: (l) => console.error(l) });
  const interrupted = (): void => void box.remove().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    await setUpFirewallScene(box, firewallConfig('10m'));
    await box.run(['systemctl', 'enable', '--now', RECONCILER_UNIT], { timeoutMs: 180_000 });
    await eventually('the policy enforced', async () => (await policyMismatch(box)) === null, 120_000);
    await body(box);
  } finally {
    process.off('SIGINT', interrupted);
    await box.remove();
  }
}

/** The controller's CPU time (utime + stime of its main process, in clock ticks of 10 ms) and MemoryCurrent. */
export async function cpuAndMemory(box: Box): Promise<{ cpuMs: number; memMb: number }> {
  const p = await box.unitProperties(RECONCILER_UNIT, ['MainPID', 'MemoryCurrent']);
  const stat = (await box.run(['cat', `/proc/${Number(p.MainPID)}/stat`])).split(') ')[1]?.split(' ') ?? [];
  return { cpuMs: (Number(stat[11]) + Number(stat[12])) * 10, memMb: Number(p.MemoryCurrent) / 1024 / 1024 };
}
