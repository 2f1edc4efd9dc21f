import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BOX_CONFIG_PATH,
  RECONCILER_UNIT,
  boxConfig,
  boxStatus,
  cockpitAnswersInBox,
  eventually,
  installProject,
  startBoxApphub,
  writeBoxApphubPort,
} from '../../harness/box';
import { bootedBox } from '../support/booted-box';

/**
 * The shipped unit (deploy/reconciler.service, unchanged) under the real systemd of the box:
 * readiness, status line, reload, journald, Restart=always, the watchdog and a clean stop.
 */

const WAIT_MS = 90_000;
/** A systemctl that hangs in `daemon-reload` while /run/box-hang-reload exists (a pass that hangs). */
const HANGING_SYSTEMCTL = '/usr/local/bin/box-systemctl';
const HANG_FLAG = '/run/box-hang-reload';
const HANGING_SCRIPT = `#!/bin/sh\nif [ "$1" = daemon-reload ] && [ -e ${HANG_FLAG} ]; then sleep 600; fi\nexec systemctl "$@"\n`;
/** Commands and passes bounded far beyond the watchdog, so that the watchdog is what ends a hang. */
const CONFIG = boxConfig(`timing: { resyncInterval: 5s, passTimeout: 10m }\ncommands: { systemctl: [${HANGING_SYSTEMCTL}], timeout: 10m }`);

describe('the shipped unit under the real systemd of the box', { timeout: 30 * 60_000 }, () => {
  const b = bootedBox(async (box) => {
    await box.writeFile(HANGING_SYSTEMCTL, HANGING_SCRIPT, '0755');
    await startBoxApphub(box, 9000);
    await installProject(box, { config: CONFIG, start: false });
  });
  const healthy = async (): Promise<boolean> => (await boxStatus(b()))?.healthy === true;
  const service = (): Promise<Record<string, string>> => b().unitProperties(RECONCILER_UNIT, ['MainPID', 'NRestarts', 'ActiveState', 'Result', 'StatusText']);

  it('READY=1 only after the first pass: when `systemctl start` returns, the pass is in the status file and STATUS= says in sync', async () => {
    assert.equal(await b().probeTcp(9000), false, 'Cockpit starts on the package’s port');
    // A Type=notify start returns once READY=1 arrives; the first pass moves Cockpit (seconds of
    // daemon-reload), so a READY sent before it would leave no status file here.
    await b().run(['systemctl', 'enable', '--now', RECONCILER_UNIT], { timeoutMs: 180_000 });
    const props = await service();
    const report = await boxStatus(b());
    assert.ok(report, 'the status file exists when the start returns');
    assert.equal(report.status.controller.pid, Number(props.MainPID));
    assert.ok((report.status.stats.passes ?? 0) >= 1 && report.status.lastPass !== undefined, JSON.stringify(report.status.lastPass));
    assert.match(props.StatusText ?? '', /^in sync/);
    assert.equal(await cockpitAnswersInBox(b(), 9000), true);
  });

  it('logs to journald: JSON lines of this process, the pass’s changes among them', async () => {
    const pid = Number((await service()).MainPID);
    const lines = (await b().journal(RECONCILER_UNIT)).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { pid?: number; msg?: string; resource?: string });
    assert.ok(lines.some((l) => l.pid === pid && l.msg === 'controller started'), 'controller started');
    assert.ok(lines.some((l) => l.pid === pid && l.msg === 'applied' && l.resource === 'cockpit-socket'), 'applied');
  });

  it('`systemctl reload` with a broken configuration keeps the old one; the journal names the key', async () => {
    const before = await service();
    const cursor = await b().journalCursor();
    await b().writeFile(BOX_CONFIG_PATH, CONFIG.replace('resyncInterval: 5s', 'resyncInterval: banana'), '0640');
    await b().run(['systemctl', 'reload', RECONCILER_UNIT]);
    await eventually('the journal names timing.resyncInterval', async () => (await b().journal(RECONCILER_UNIT, cursor)).some((l) => l.includes('timing.resyncInterval')), WAIT_MS);
    const afterReload = await service();
    assert.deepEqual([afterReload.MainPID, afterReload.ActiveState], [before.MainPID, 'active']);
    // The old configuration still works: a new port in apphub reaches Cockpit.
    await writeBoxApphubPort(b(), 9100);
    await eventually('Cockpit on 9100', () => cockpitAnswersInBox(b(), 9100), WAIT_MS);
    await b().writeFile(BOX_CONFIG_PATH, CONFIG, '0640');
    await b().run(['systemctl', 'reload', RECONCILER_UNIT]);
  });

  it('kill -9 in the middle of a change: Restart=always starts it again and the owed commands run', async () => {
    const before = await service();
    await b().run(['touch', HANG_FLAG]);
    await writeBoxApphubPort(b(), 9200);
    // The drop-in is written and daemon-reload hangs: Cockpit still listens on the old port.
    await eventually('the drop-in names 9200', async () => (await b().exec(['grep', '-qx', 'ListenStream=9200', '/etc/systemd/system/cockpit.socket.d/listen.conf'])).code === 0, WAIT_MS);
    await eventually('daemon-reload hangs', async () => (await b().exec(['pgrep', '-f', 'sleep 600'])).code === 0, WAIT_MS);
    await b().run(['rm', HANG_FLAG]);
    await b().run(['kill', '-9', before.MainPID ?? '']);
    await eventually('a new process', async () => {
      const now = await service();
      return now.ActiveState === 'active' && now.MainPID !== before.MainPID && Number(now.NRestarts) === Number(before.NRestarts) + 1;
    }, WAIT_MS);
    await eventually('Cockpit on 9200', () => cockpitAnswersInBox(b(), 9200), WAIT_MS);
    await eventually('healthy', healthy, WAIT_MS);
  });

  it('the watchdog (WatchdogSec= shortened by a drop-in) restarts a daemon whose pass hangs', async () => {
    await b().writeFile('/etc/systemd/system/reconciler.service.d/watchdog.conf', '[Service]\nWatchdogSec=6s\n');
    await b().run(['systemctl', 'daemon-reload']);
    await b().run(['systemctl', 'restart', RECONCILER_UNIT], { timeoutMs: 180_000 });
    const before = await service();
    const cursor = await b().journalCursor();
    await b().run(['touch', HANG_FLAG]);
    await writeBoxApphubPort(b(), 9300);
    await eventually('systemd’s watchdog fired', async () => (await b().journal(RECONCILER_UNIT, cursor)).some((l) => /watchdog timeout/i.test(l)), WAIT_MS);
    const lines = await b().journal(RECONCILER_UNIT, cursor);
    assert.ok(lines.some((l) => l.includes('pass hung; watchdog pings stopped')), lines.join('\n'));
    await b().run(['rm', HANG_FLAG]);
    await eventually('restarted', async () => {
      const now = await service();
      return now.ActiveState === 'active' && now.MainPID !== before.MainPID && Number(now.NRestarts) > Number(before.NRestarts);
    }, WAIT_MS);
    await eventually('Cockpit on 9300', () => cockpitAnswersInBox(b(), 9300), WAIT_MS);
    await b().run(['rm', '/etc/systemd/system/reconciler.service.d/watchdog.conf']);
    await b().run(['systemctl', 'daemon-reload']);
  });

  it('`systemctl stop` ends it cleanly within TimeoutStopSec: exit 0, no SIGKILL', async () => {
    await eventually('healthy', healthy, WAIT_MS);
    const cursor = await b().journalCursor();
    await b().run(['systemctl', 'stop', RECONCILER_UNIT], { timeoutMs: 120_000 });
    const props = await b().unitProperties(RECONCILER_UNIT, ['ActiveState', 'Result', 'ExecMainCode', 'ExecMainStatus']);
    assert.deepEqual([props.ActiveState, props.Result, props.ExecMainStatus], ['inactive', 'success', '0']);
    const lines = await b().journal(RECONCILER_UNIT, cursor);
    assert.ok(!lines.some((l) => /timed out|SIGKILL/i.test(l)), lines.join('\n'));
  });
});
