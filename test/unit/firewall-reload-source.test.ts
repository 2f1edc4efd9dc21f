import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpawnLineProcesses } from '../../src/adapters/spawn-line-processes';
import type { LineProcess, LineProcesses } from '../../src/host/line-process';
import { firewallReloadTriggers, FOLLOW_UP_MS, isReloadLine } from '../../src/triggers/firewall-reload-source';
import type { Trigger } from '../../src/triggers/trigger';
import { FakeClock } from '../support/fake-clock';

// What `dbus-monitor --system "type='signal',interface='org.fedoraproject.FirewallD1',member='Reloaded'"` prints.
const RELOADED = "signal time=1733338000.123 sender=:1.7 -> destination=(null destination) serial=211 path=/org/fedoraproject/FirewallD1; interface=org.fedoraproject.FirewallD1; member=Reloaded";
const ACQUIRED = 'signal time=1733338000.001 sender=org.freedesktop.DBus -> destination=:1.42 serial=2 path=/org/freedesktop/DBus; interface=org.freedesktop.DBus; member=NameAcquired';

/** Monitors the test drives: lines written and exits by hand. */
class FakeMonitors implements LineProcesses {
  readonly started: { argv: readonly string[]; line: (l: string) => void; exit: (p: string) => void; stopped: boolean }[] = [];
  start(argv: readonly string[], onLine: (line: string) => void, onExit: (problem: string) => void): LineProcess {
    const entry = { argv, line: onLine, exit: onExit, stopped: false };
    this.started.push(entry);
    return { stop: () => (entry.stopped = true) };
  }
}

describe('firewall reload triggers', () => {
  it('recognises the Reloaded signal and nothing else', () => {
    assert.ok(isReloadLine(RELOADED));
    assert.ok(!isReloadLine(ACQUIRED));
    assert.ok(!isReloadLine('   string "member=ReloadedNot"'));
  });

  it('a reload: a trigger at once and after each follow-up delay; the monitor restarted with backoff when it ends; stopped on unsubscribe', async () => {
    const clock = new FakeClock();
    const monitors = new FakeMonitors();
    const seen: Trigger[] = [];
    const problems: [string, number][] = [];
    const subscription = firewallReloadTriggers(monitors, ['dbus-monitor', '--system'], clock, (p, ms) => problems.push([p, ms])).subscribe((t) => seen.push(t));
    assert.equal(monitors.started.length, 1);
    monitors.started[0]?.line(ACQUIRED);
    assert.equal(seen.length, 0);
    monitors.started[0]?.line(RELOADED);
    assert.deepEqual(seen.map((t) => t.kind), ['firewall']);
    await clock.advance(Math.max(...FOLLOW_UP_MS));
    assert.equal(seen.length, 1 + FOLLOW_UP_MS.length);

    monitors.started[0]?.exit('dbus-monitor ended (exit code 1)');
    assert.deepEqual(problems, [['dbus-monitor ended (exit code 1)', 500]]);
    await clock.advance(499);
    assert.equal(monitors.started.length, 1);
    await clock.advance(1);
    assert.equal(monitors.started.length, 2);
    monitors.started[1]?.exit('again');
    assert.equal(problems[1]?.[1], 1000, 'the delay doubles');
    await clock.advance(1000);
    assert.equal(monitors.started.length, 3);

    subscription.unsubscribe();
    assert.ok(monitors.started[2]?.stopped);
    monitors.started[2]?.line(RELOADED);
    assert.equal(seen.length, 1 + FOLLOW_UP_MS.length, 'nothing after unsubscribe');
  });

  it('the spawning adapter: lines of a real program, its end, and a missing program', async () => {
    const processes = new SpawnLineProcesses();
    const lines: string[] = [];
    const ended = await new Promise<string>((resolve) => processes.start(['printf', `${ACQUIRED}\\n${RELOADED}\\npartial`], (l) => lines.push(l), resolve));
    assert.deepEqual(lines, [ACQUIRED, RELOADED]);
    assert.match(ended, /printf ended \(exit code 0\)/);
    const missing = await new Promise<string>((resolve) => processes.start(['/nonexistent/dbus-monitor'], () => undefined, resolve));
    assert.match(missing, /ENOENT/);
  });
});
