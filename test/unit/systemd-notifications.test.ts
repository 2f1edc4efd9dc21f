import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { SystemdNotify } from '../../src/adapters/systemd-notify';
import type { NotifyResult, ServiceNotifier } from '../../src/host/service-notifier';
import { notifySettingsFromEnv, SystemdNotifications } from '../../src/app/systemd-notifications';
import { FakeClock, flushPromises } from '../support/fake-clock';
import { startNotifyListener, type NotifyListener } from '../support/notify-listener';

class Recorder implements ServiceNotifier {
  readonly sent: { at: number; fields: Record<string, string> }[] = [];
  constructor(private readonly clock: FakeClock) {}
  async notify(fields: Readonly<Record<string, string>>): Promise<NotifyResult> {
    this.sent.push({ at: this.clock.now(), fields: { ...fields } });
    return { ok: true };
  }
}

const silent = pino({ level: 'silent' });

describe('systemd notifications (logic, fake clock)', () => {
  it('READY=1 once after the first pass, STATUS= only when it changes, STOPPING=1 at the end', async () => {
    const clock = new FakeClock();
    const notifier = new Recorder(clock);
    const n = new SystemdNotifications({ notifier, clock, logger: silent, watchdogMs: null, passStartedAt: () => null });
    n.start();
    n.passDone('in sync (2/2)');
    n.passDone('in sync (2/2)');
    n.passDone('not in sync (1/2): a DesiredStateUnavailable');
    await n.stopping();
    assert.deepEqual(notifier.sent.map((s) => s.fields), [
      { READY: '1', STATUS: 'in sync (2/2)' },
      { STATUS: 'not in sync (1/2): a DesiredStateUnavailable' },
      { STOPPING: '1', STATUS: 'stopping' },
    ]);
    assert.equal(clock.pendingTimers, 0, 'no watchdog timer without WATCHDOG_USEC');
  });

  it('WATCHDOG=1 every half WatchdogSec; none while a pass runs longer than WatchdogSec; again after it', async () => {
    const clock = new FakeClock();
    const notifier = new Recorder(clock);
    let started: number | null = null;
    const n = new SystemdNotifications({ notifier, clock, logger: silent, watchdogMs: 1000, passStartedAt: () => started });
    const t0 = clock.now();
    n.start();
    await clock.advance(2000);
    started = clock.now(); // a pass starts at t0+2000 and hangs
    await clock.advance(4000);
    started = null; // it ends at t0+6000
    await clock.advance(1000);
    await n.stopping();
    await flushPromises();
    const pings = notifier.sent.filter((s) => s.fields.WATCHDOG === '1').map((s) => s.at - t0);
    assert.deepEqual(pings, [0, 500, 1000, 1500, 2000, 2500, 3000, 6500, 7000]);
    const before = notifier.sent.length;
    await clock.advance(5000);
    assert.equal(notifier.sent.length, before, 'no ping after STOPPING=1');
  });

  it('reads the environment as sd_watchdog_enabled does', () => {
    assert.equal(notifySettingsFromEnv({}, 1), null);
    assert.deepEqual(notifySettingsFromEnv({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '30000000' }, 7), { socket: '/run/s', watchdogMs: 30_000 });
    assert.deepEqual(notifySettingsFromEnv({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7), { socket: '/run/s', watchdogMs: null });
    assert.deepEqual(notifySettingsFromEnv({ NOTIFY_SOCKET: '@abstract', WATCHDOG_USEC: 'x' }, 7), { socket: '@abstract', watchdogMs: null });
  });
});

describe('SystemdNotify against a real NOTIFY_SOCKET datagram listener', () => {
  let dir: string;
  let listener: NotifyListener;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notify-'));
    listener = await startNotifyListener(dir);
  });
  after(async () => {
    await listener?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers each message as one datagram, values kept on one line', async () => {
    const notify = new SystemdNotify(listener.socketPath);
    assert.deepEqual(await notify.notify({ READY: '1', STATUS: 'in sync (7/7)' }), { ok: true });
    assert.deepEqual(await notify.notify({ STATUS: 'two\nlines' }), { ok: true });
    const got = await listener.waitFor('STATUS', 'two lines');
    assert.ok(got);
    assert.deepEqual(listener.messages().map((m) => m.fields), [{ READY: '1', STATUS: 'in sync (7/7)' }, { STATUS: 'two lines' }]);
  });

  it('reports a missing socket or program instead of throwing', async () => {
    const missing = await new SystemdNotify(join(dir, 'nope.sock')).notify({ READY: '1' });
    assert.equal(missing.ok, false);
    const noProgram = await new SystemdNotify(listener.socketPath, join(dir, 'no-such-program')).notify({ READY: '1' });
    assert.equal(noProgram.ok, false);
  });
});
