import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LineProcess, LineProcesses } from '../../src/host/line-process';
import { netfilterChange, netfilterTriggers } from '../../src/triggers/netfilter-monitor';
import type { Trigger } from '../../src/triggers/trigger';
import { FakeClock } from '../support/fake-clock';

const CHAINS = new Set(['RECONCILE-PUBLISHED', 'DOCKER-USER']);

// Lines `nft monitor` printed in the real-host box (nft 1.0.6, iptables-nft 1.8.9, firewalld 1.3.3).
const SEEN: [string, string | null][] = [
  ['delete rule ip filter DOCKER-USER handle 118', 'nft: delete rule ip filter DOCKER-USER'],
  ['insert rule ip filter RECONCILE-PUBLISHED counter packets 0 bytes 0 accept', 'nft: insert rule ip filter RECONCILE-PUBLISHED'],
  ['delete chain ip filter RECONCILE-PUBLISHED', 'nft: delete chain ip filter RECONCILE-PUBLISHED'],
  ['create chain ip filter DOCKER-USER', 'nft: create chain ip filter DOCKER-USER'],
  ['add rule ip6 filter DOCKER-USER counter packets 0 bytes 0 return', 'nft: add rule ip6 filter DOCKER-USER'],
  ['delete table ip filter', 'nft: delete table ip filter'],
  // Docker's own chains, NAT, firewalld's table, generations: no pass.
  ['add rule ip filter DOCKER iifname != "docker0" oifname "docker0" ip daddr 172.17.0.3 tcp dport 8080 counter packets 0 bytes 0 accept', null],
  ['add rule ip nat DOCKER iifname != "docker0" tcp dport 8080 counter packets 0 bytes 0 dnat to 172.17.0.3:8080', null],
  ['add rule inet firewalld filter_FORWARD ct state established,related accept', null],
  ['delete rule ip nat POSTROUTING handle 31', null],
  ['# new generation 175 by process 23331 (iptables-restor)', null],
  ['add table ip filter', null],
  ['add rule ip filter DOCKER-USERS counter accept', null],
  ['  delete rule ip filter DOCKER-USER handle 1', null],
];

class FakeMonitors implements LineProcesses {
  readonly started: { argv: readonly string[]; line: (l: string) => void; exit: (p: string) => void }[] = [];
  start(argv: readonly string[], onLine: (line: string) => void, onExit: (problem: string) => void): LineProcess {
    this.started.push({ argv, line: onLine, exit: onExit });
    return { stop: () => undefined };
  }
}

describe('netfilter monitor triggers', () => {
  for (const [line, want] of SEEN) {
    it(`${want === null ? 'ignores' : 'recognises'}: ${line.slice(0, 60)}`, () => {
      assert.equal(netfilterChange(line, CHAINS), want);
    });
  }

  it('a pass per change of a watched chain, none for the others, no follow-ups; restarted with backoff', async () => {
    const clock = new FakeClock();
    const monitors = new FakeMonitors();
    const seen: Trigger[] = [];
    const problems: number[] = [];
    const subscription = netfilterTriggers(monitors, ['nft', 'monitor'], [...CHAINS], clock, (_p, ms) => problems.push(ms)).subscribe((t) => seen.push(t));
    assert.deepEqual(monitors.started[0]?.argv, ['nft', 'monitor']);
    for (const [line] of SEEN) monitors.started[0]?.line(line);
    await clock.advance(10_000);
    assert.deepEqual(seen.map((t) => t.detail), SEEN.flatMap(([, want]) => (want === null ? [] : [want])));
    assert.ok(seen.every((t) => t.kind === 'firewall'));
    monitors.started[0]?.exit('nft: ENOENT');
    await clock.advance(500);
    assert.deepEqual(problems, [500]);
    assert.equal(monitors.started.length, 2);
    subscription.unsubscribe();
  });
});
