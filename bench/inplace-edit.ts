/**
 * `inplace` editing of a huge unit file (issue 12): plan the port change of a cockpit.socket
 * holding N `ListenStream=` lines, and the same pass again on the result (nothing to do).
 * Pure CPU, no Docker: `node --require ts-node/register bench/inplace-edit.ts [N...]`.
 * Results in docs/benchmarks.md ("Huge unit files, inplace mode").
 */
import { planSocket } from '../src/resources/systemd-socket-port/plan-socket';

const settings = { unit: 'cockpit.socket', service: 'cockpit.service', mode: 'inplace' as const, dropInPath: '/etc/systemd/system/cockpit.socket.d/listen.conf' };
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

function unit(lines: number): string {
  const listen = Array.from({ length: lines }, (_, i) => `ListenStream=${1 + (i % 60_000)}\n`).join('');
  return `[Unit]\nDescription=Cockpit Web Service Socket\n\n[Socket]\n${listen}\n[Install]\nWantedBy=sockets.target\n`;
}

for (const lines of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) {
  const text = unit(lines);
  const started = process.hrtime.bigint();
  const plan = planSocket(9000, { unit: { path: '/lib/systemd/system/cockpit.socket', text }, dropIns: [] }, settings, { retryCommands: false });
  const planned = process.hrtime.bigint();
  const after = String(plan.changes[0]?.after ?? text);
  const again = planSocket(9000, { unit: { path: '/lib/systemd/system/cockpit.socket', text: after }, dropIns: [] }, settings, { retryCommands: false });
  const replanned = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint): string => (Number(b - a) / 1e6).toFixed(0);
  console.log(`${lines} lines (${(text.length / 1e6).toFixed(1)} MB): plan ${ms(started, planned)} ms, plan again ${ms(planned, replanned)} ms (${again.changes.length} changes)`);
}
