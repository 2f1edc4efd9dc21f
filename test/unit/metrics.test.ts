import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/core/version';
import { Metrics } from '../../src/status/metrics';
import { passResultOf, type PassResult, type ResourceOutcome } from '../../src/controller/outcome';

describe('metrics', () => {
  it('reconciler_build_info{version} and the default process metrics, prefixed', async () => {
    const text = await new Metrics(['a']).text();
    assert.match(text, new RegExp(`^reconciler_build_info\\{version="${VERSION.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
    for (const name of ['reconciler_process_cpu_user_seconds_total', 'reconciler_process_resident_memory_bytes', 'reconciler_process_open_fds', 'reconciler_nodejs_eventloop_lag_seconds', 'reconciler_nodejs_heap_size_used_bytes']) {
      assert.match(text, new RegExp(`^${name} `, 'm'), name);
    }
    assert.doesNotMatch(text, /^process_cpu/m, 'no unprefixed default metric');
    assert.match(text, /^reconciler_journal_webhook_failures_total 0$/m);
  });

  it('two instances in one process do not clash (each has its own registry)', async () => {
    const [a, b] = [new Metrics([]), new Metrics([])];
    a.webhookFailure();
    assert.match(await a.text(), /^reconciler_journal_webhook_failures_total 1$/m);
    assert.match(await b.text(), /^reconciler_journal_webhook_failures_total 0$/m);
  });
});

describe('reconciler_last_success_timestamp_seconds', () => {
  const outcome = (name: string, inSync: boolean): ResourceOutcome => ({
    name, kind: 'FileLine', desired: 1, observed: inSync ? 1 : null, inSync, ready: inSync ? 'True' : 'Unknown',
    reason: inSync ? 'InSync' : 'DesiredStateUnavailable', message: '', changed: false, failed: !inSync, plan: null, actions: [],
  });
  const pass = (finishedAt: number, resources: ResourceOutcome[]): PassResult => ({ startedAt: finishedAt - 5, finishedAt, triggers: ['retry'], dryRun: false, result: passResultOf(resources), resources });
  const lastSuccess = async (metrics: Metrics): Promise<number> => Number(/^reconciler_last_success_timestamp_seconds (\S+)$/m.exec(await metrics.text())?.[1]);

  it('is not set by a retry pass of one resource while another is still failing', async () => {
    const metrics = new Metrics(['a', 'b']);
    metrics.pass(pass(10_000, [outcome('a', false), outcome('b', false)]));
    metrics.pass(pass(20_000, [outcome('a', true)])); // a retry pass: only `a` was due
    assert.equal(await lastSuccess(metrics), 0, 'b is still failing: the configuration is not in sync');
    metrics.pass(pass(30_000, [outcome('b', true)])); // b's retry: now every resource is in sync
    assert.equal(await lastSuccess(metrics), 30);
    metrics.pass(pass(40_000, [outcome('a', false)]));
    metrics.pass(pass(50_000, [outcome('b', true)]));
    assert.equal(await lastSuccess(metrics), 30, 'a failed since: not in sync again until a is');
  });
});
