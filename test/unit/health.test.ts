import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHealth } from '../../src/status/health';
import type { StatusFile } from '../../src/status/status-file';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const MIN = 60_000;

function status(mode: 'once' | 'daemon', finishedAgoMs: number, maxAgeMs?: number): StatusFile {
  const finished = new Date(NOW - finishedAgoMs).toISOString();
  return {
    schemaVersion: 1,
    controller: { version: '0.1.0', pid: 1, mode, startedAt: finished, resyncIntervalMs: 30_000, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) },
    lastPass: { startedAt: finished, finishedAt: finished, durationMs: 5, triggers: ['once'], result: 'unchanged' },
    lastSuccessAt: finished,
    stats: { passes: 1, changes: 0, failures: 0 },
    resources: [],
  };
}
const stale = (s: StatusFile): boolean => assessHealth(s, NOW).problems.some((p) => p.startsWith('stale'));

describe('health: staleness judged by how the status was written', () => {
  it('a daemon status: stale past 3 × the resync interval (unchanged)', () => {
    assert.equal(stale(status('daemon', 89_000)), false);
    assert.equal(stale(status('daemon', 91_000)), true);
    assert.match(assessHealth(status('daemon', 91_000), NOW).problems[0] ?? '', /limit 1\.5m, 3 × the resync interval/);
  });
  it('a --once status (cron): fresh until the status.maxAge it recorded, stale after', () => {
    assert.equal(stale(status('once', 91_000, 35 * MIN)), false, 'the 90 s daemon rule does not apply');
    assert.equal(stale(status('once', 34 * MIN, 35 * MIN)), false);
    assert.equal(stale(status('once', 36 * MIN, 35 * MIN)), true);
    assert.match(assessHealth(status('once', 36 * MIN, 35 * MIN), NOW).problems[0] ?? '', /status\.maxAge of a --once run/);
  });
  it('a --once status written before maxAge existed: the default 24 h', () => {
    assert.equal(stale(status('once', 23 * 60 * MIN)), false);
    assert.equal(stale(status('once', 25 * 60 * MIN)), true);
  });
});

describe('reconcile status: problems one a line', () => {
  it('one problem on the unhealthy line; several, each on a line of its own', async () => {
    const { statusReport } = await import('../../src/cli/status-command');
    const failing = (name: string) => ({
      name,
      kind: 'Fake',
      desired: null,
      lastKnownDesired: 9000,
      observed: 9090,
      inSync: false,
      lastChangeAt: null,
      consecutiveFailures: 1,
      nextRetryAt: null,
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'DesiredStateUnavailable', message: 'container websoft9-apphub is not running', lastTransitionTime: new Date(NOW).toISOString() }],
    });
    const one = { ...status('daemon', 1000), resources: [failing('a')] } as StatusFile;
    assert.match(statusReport({ ok: true, status: one }, NOW, false).stdout, /\nunhealthy: a: DesiredStateUnavailable: container websoft9-apphub is not running\n$/);
    const three = { ...status('daemon', 100_000), resources: [failing('a'), failing('b')] } as StatusFile;
    const out = statusReport({ ok: true, status: three }, NOW, false).stdout;
    assert.match(out, /\nunhealthy, 3 problems:\n  stale: last pass 1\.7m ago \(limit 1\.5m, 3 × the resync interval\)\n  a: DesiredStateUnavailable: .*\n  b: DesiredStateUnavailable: .*\n$/);
  });
});
