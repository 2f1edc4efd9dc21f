import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailedChecks } from '../../src/controller/failed-checks';
import type { ResourceOutcome } from '../../src/controller/outcome';
import type { RetryState } from '../../src/controller/retry-state';
import { hostPath } from '../../src/host/file-system';
import type { Plan } from '../../src/resources/plan';

const plan = (after: string): Plan => ({ changes: [{ path: hostPath('/etc/nginx/conf.d/site.conf'), before: null, after }], commands: [] });
const outcome = (reason: ResourceOutcome['reason'], changed = false): ResourceOutcome =>
  ({ name: 'site', kind: 'Template', reason, message: 'nginx: [emerg] bad line', changed, failed: reason !== 'InSync', inSync: reason === 'InSync', ready: 'False', actions: [], desired: null, observed: null, plan: null }) as unknown as ResourceOutcome;
const retryAt = (at: number | null): ReadonlyMap<string, RetryState> => new Map([['site', { consecutiveFailures: 1, nextRetryAt: at }]]);

describe('FailedChecks', () => {
  it('the same change after a failed check waits for its retry; the message says so', () => {
    const memo = new FailedChecks();
    memo.view(new Map()).record('site', plan('bad'), outcome('CheckFailed'));
    const again = memo.view(retryAt(5_000)).repeat('site', plan('bad'), 1_000);
    assert.match(again?.message ?? '', /^nginx: \[emerg\] bad line \(the same change is tried again at its retry, in 4s/);
  });

  it('a different change, a due retry, or no retry at all: tried', () => {
    const memo = new FailedChecks();
    memo.view(new Map()).record('site', plan('bad'), outcome('CheckFailed'));
    assert.equal(memo.view(retryAt(5_000)).repeat('site', plan('good'), 1_000), null);
    assert.equal(memo.view(retryAt(5_000)).repeat('site', plan('bad'), 5_000), null);
    assert.equal(memo.view(retryAt(null)).repeat('site', plan('bad'), 1_000), null);
    assert.equal(memo.view(retryAt(5_000)).repeat('other', plan('bad'), 1_000), null);
  });

  it('a repeat keeps what was remembered; any other outcome forgets it', () => {
    const memo = new FailedChecks();
    memo.view(new Map()).record('site', plan('bad'), outcome('CheckFailed'));
    memo.view(new Map()).record('site', null, outcome('CheckFailed'));
    assert.notEqual(memo.view(retryAt(5_000)).repeat('site', plan('bad'), 1_000), null);
    memo.view(new Map()).record('site', null, outcome('InSync'));
    assert.equal(memo.view(retryAt(5_000)).repeat('site', plan('bad'), 1_000), null);
  });

  it('a check that failed with the rest applied (changed) is not remembered: its next plan differs anyway', () => {
    const memo = new FailedChecks();
    memo.view(new Map()).record('site', plan('bad'), outcome('CheckFailed', true));
    assert.equal(memo.view(retryAt(5_000)).repeat('site', plan('bad'), 1_000), null);
  });
});
