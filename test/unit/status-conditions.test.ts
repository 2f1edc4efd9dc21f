import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusReport } from '../../src/cli/status-command';
import type { ResourceOutcome } from '../../src/controller/outcome';
import { resourceStatus } from '../../src/status/build-status';
import type { StatusFile } from '../../src/status/status-file';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const listening = (status: 'True' | 'False', reason: string, message: string) => ({ type: 'Listening', status, reason, message });

function outcome(conditions: ResourceOutcome['conditions']): ResourceOutcome {
  return { name: 'cockpit-socket', kind: 'SystemdSocketPort', desired: 9000, observed: 9000, inSync: true, ready: 'True', reason: 'InSync', message: 'ok', changed: false, failed: false, plan: null, actions: [], ...(conditions ? { conditions } : {}) };
}

describe('extra conditions in the status', () => {
  it('are written after Ready, their lastTransitionTime moving only when their status changes', () => {
    const retry = { consecutiveFailures: 0, nextRetryAt: null };
    const first = resourceStatus(outcome([listening('True', 'Listening', 'TCP port 9000 (cockpit-ws)')]), undefined, NOW, retry);
    assert.deepEqual(first.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]), [['Ready', 'True', '2026-12-01T10:00:00.000Z'], ['Listening', 'True', '2026-12-01T10:00:00.000Z']]);
    const same = resourceStatus(outcome([listening('True', 'Listening', 'other text')]), first, NOW + 5000, retry);
    assert.equal(same.conditions[1]?.lastTransitionTime, '2026-12-01T10:00:00.000Z');
    const changed = resourceStatus(outcome([listening('False', 'PortInUse', 'TCP port 9000 is held by nginx (pid 7)')]), same, NOW + 9000, retry);
    assert.equal(changed.conditions[1]?.lastTransitionTime, '2026-12-01T10:00:09.000Z');
    assert.equal(changed.conditions[0]?.lastTransitionTime, '2026-12-01T10:00:00.000Z', 'Ready did not change');
  });

  it('reconcile status prints them under the table; they do not change health', () => {
    const resource = resourceStatus(outcome([listening('False', 'PortInUse', 'TCP port 9000 is held by nginx (pid 7)')]), undefined, NOW, { consecutiveFailures: 0, nextRetryAt: null });
    const status: StatusFile = {
      schemaVersion: 1,
      controller: { version: '0', pid: 1, mode: 'daemon', startedAt: '2026-12-01T09:00:00Z', resyncIntervalMs: 30_000 },
      lastPass: { startedAt: '2026-12-01T10:00:00Z', finishedAt: '2026-12-01T10:00:00Z', durationMs: 3, triggers: ['timer'], result: 'unchanged' },
      lastSuccessAt: null,
      stats: { passes: 1, changes: 0, failures: 0 },
      resources: [resource],
    };
    const report = statusReport({ ok: true, status }, NOW + 1000, false);
    assert.match(report.stdout, /^cockpit-socket: Listening=False PortInUse: TCP port 9000 is held by nginx \(pid 7\) \(since 1s ago\)$/m);
    assert.equal(report.exitCode, 0);
  });
});
