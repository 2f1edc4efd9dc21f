import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, type EmulatedHost } from '../../harness/websoft9-host';
import { freePort } from '../support/free-port';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';

function statusFile(options: { ready?: ('True' | 'False' | 'Unknown')[]; finishedAgoMs?: number; resyncMs?: number; reason?: string }) {
  const now = Date.now();
  const finished = new Date(now - (options.finishedAgoMs ?? 1000)).toISOString();
  return {
    schemaVersion: 1,
    controller: { version: '0.1.0', pid: 1, mode: 'daemon', startedAt: finished, resyncIntervalMs: options.resyncMs ?? 30_000 },
    lastPass: { startedAt: finished, finishedAt: finished, durationMs: 5, triggers: ['resync'], result: 'unchanged' },
    lastSuccessAt: finished,
    stats: { passes: 3, changes: 1, failures: 0 },
    resources: (options.ready ?? ['True', 'True']).map((status, i) => ({
      name: `r${i}`,
      kind: 'SystemdSocketPort',
      desired: status === 'True' ? 9000 : null,
      lastKnownDesired: 9000,
      observed: 9090,
      inSync: status === 'True',
      lastChangeAt: null,
      consecutiveFailures: status === 'True' ? 0 : 2,
      nextRetryAt: status === 'True' ? null : new Date(now + 4000).toISOString(),
      conditions: [{ type: 'Ready', status, reason: status === 'True' ? 'InSync' : (options.reason ?? 'ApplyFailed'), message: 'm', lastTransitionTime: finished }],
    })),
  };
}

describe('reconcile status', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reconciler-status-'));
  });

  // Contents are made when each test runs: freshness is measured against the clock.
  const cases: [string, () => object | string | null, number, RegExp][] = [
    ['in sync and fresh', () => statusFile({}), 0, /^healthy$/m],
    ['not in sync (desired unavailable)', () => statusFile({ ready: ['True', 'Unknown'], reason: 'DesiredStateUnavailable' }), 1, /r1: DesiredStateUnavailable/],
    ['failing', () => statusFile({ ready: ['False', 'True'] }), 1, /r0: ApplyFailed/],
    ['stale: no pass within 3 × resync', () => statusFile({ finishedAgoMs: 100_000, resyncMs: 30_000 }), 1, /stale: last pass/],
    ['stale against a short resync interval', () => statusFile({ finishedAgoMs: 4000, resyncMs: 1000 }), 1, /stale/],
    ['fresh against a long resync interval', () => statusFile({ finishedAgoMs: 80_000, resyncMs: 30_000 }), 0, /^healthy$/m],
    ['missing file', () => null, 1, /does not exist/],
    ['not JSON', () => '{"schemaVersion": 1, "controller"', 1, /not valid JSON/],
  ];
  for (const [what, make, code, pattern] of cases) {
    it(`${what} → exit ${code}`, async () => {
      const path = join(dir, `${what.replace(/\W+/g, '-')}.json`);
      const content = make();
      if (content !== null) await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
      const run = await runCli(['status', '--status-file', path]);
      assert.equal(run.code, code, run.stdout + run.stderr);
      assert.match(run.stdout, pattern);
    });
  }

  it('prints a table with desired, observed, reason, since and next retry', async () => {
    const path = join(dir, 'table.json');
    await writeFile(path, JSON.stringify(statusFile({ ready: ['True', 'False'] })));
    const run = await runCli(['status', '--status-file', path]);
    assert.match(run.stdout, /RESOURCE\s+DESIRED\s+OBSERVED\s+READY\s+REASON\s+SINCE\s+NEXT RETRY/);
    assert.match(run.stdout, /r1\s+\(9000\)\s+9090\s+False\s+ApplyFailed\s+\S+ ago\s+in \d/);
  });

  it('--json is machine-readable', async () => {
    const path = join(dir, 'json.json');
    await writeFile(path, JSON.stringify(statusFile({ ready: ['False'] })));
    const run = await runCli(['status', '--json', '--status-file', path]);
    const parsed = JSON.parse(run.stdout) as { healthy: boolean; problems: string[] };
    assert.equal(run.code, 1);
    assert.equal(parsed.healthy, false);
    assert.equal(parsed.problems.length, 1);
  });
});

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and probes', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess;
  let base: string;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    await host.writeConfig({ timing: { resyncInterval: '10m', backoffInitial: '200ms', backoffMax: '1s' } });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    daemon = startDaemon(['--config', host.configPath, '--metrics-addr', `127.0.0.1:${port}`]);
    await waitFor('in sync', async () => (await readStatusJson(host.statusPath))?.resources.every((r) => r.inSync));
  });
  after(async () => {
    await daemon?.stop();
    await host?.cleanup();
  });

  it('/metrics has every series, counters moved by the first pass', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const result of ['unchanged', 'converged', 'failed', 'unavailable']) {
      assert.notEqual(metricValue(text, `reconciler_passes_total{result="${result}"}`), undefined, result);
    }
    assert.ok((metricValue(text, 'reconciler_passes_total{result="converged"}') ?? 0) >= 1);
    assert.equal(metricValue(text, 'reconciler_passes_total{result="failed"}'), 0, 'present from start at 0');
    assert.ok((metricValue(text, 'reconciler_triggers_total{source="startup"}') ?? 0) >= 1);
    assert.equal(metricValue(text, 'reconciler_triggers_total{source="resync"}'), 0);
    assert.equal(metricValue(text, 'reconciler_changes_total{resource="cockpit-socket"}'), 1);
    assert.equal(metricValue(text, 'reconciler_resource_in_sync{resource="cockpit-socket"}'), 1);
    assert.ok((metricValue(text, 'reconciler_pass_duration_seconds_count') ?? 0) >= 1);
    assert.ok((metricValue(text, 'reconciler_last_success_timestamp_seconds') ?? 0) > Date.now() / 1000 - 60);
  });

  it('/healthz is 200 while the loop runs; /readyz follows the status rule', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    await host.stopApphub();
    await waitFor('unavailable', async () => readyOf(await readStatusJson(host.statusPath), 'cockpit-socket')?.reason === 'DesiredStateUnavailable');
    const readyz = await fetch(`${base}/readyz`);
    assert.equal(readyz.status, 503);
    assert.match(await readyz.text(), /DesiredStateUnavailable/);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.equal(metricValue(text, 'reconciler_resource_in_sync{resource="cockpit-socket"}'), 0);
    assert.ok((metricValue(text, 'reconciler_passes_total{result="unavailable"}') ?? 0) >= 1);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    await host.startApphub();
    await waitFor('ready again', async () => (await fetch(`${base}/readyz`)).status === 200);
  });
});
