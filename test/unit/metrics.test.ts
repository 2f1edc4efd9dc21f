import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/core/version';
import { Metrics } from '../../src/status/metrics';

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
