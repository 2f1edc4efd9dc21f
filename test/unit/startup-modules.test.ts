import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LAZY_PACKAGES } from '../../src/core/lazy';

/** Packages in the module cache of this process (node_modules/<name>/...). */
function loadedPackages(): Set<string> {
  const names = Object.keys(require.cache).map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]);
  return new Set(names.filter((n): n is string => n !== undefined));
}

// This file runs in its own process (node --test): nothing else has loaded anything yet.
describe('what a run loads at startup (src/core/lazy.ts)', () => {
  it('the `--once` path builds its runtime from the packaged profile without loading any lazy package', async () => {
    const { createHostDeps, createRuntime, createJournal, loadConfig } = await import('../../src/app/create-runtime');
    await import('../../src/cli/main');
    const { createLogger } = await import('../../src/app/create-logger');
    const config = loadConfig(undefined);
    assert.ok(config.resources.length >= 10, 'the packaged profile has its resources');
    const host = createHostDeps(config);
    const runtime = createRuntime(config, host, createLogger('silent'));
    createJournal(config, '/nonexistent/status.json', host, runtime.logger);
    const loaded = loadedPackages();
    // The check sees packages: the configuration's own are loaded.
    assert.ok(loaded.has('zod') && loaded.has('yaml'), `zod and yaml loaded: ${[...loaded].join(', ')}`);
    const early = Object.keys(LAZY_PACKAGES).filter((name) => loaded.has(name));
    assert.deepEqual(early, [], `loaded at startup although listed as lazy in src/core/lazy.ts: ${early.join(', ')}`);
  });

  it('each lazy package is loaded where it is needed', async () => {
    await import('../../src/app/run-daemon');
    assert.equal(loadedPackages().has('prom-client'), false, 'no metrics without --metrics-addr');
    const { createMetrics } = await import('../../src/status/create-metrics');
    assert.equal(createMetrics(['a'], false), null);
    assert.match(await createMetrics(['a'], true)?.text() ?? '', /reconciler_passes_total/);
    const { ChokidarDirectoryWatcher } = await import('../../src/adapters/chokidar-directory-watcher');
    const watch = new ChokidarDirectoryWatcher().watch(__dirname, () => false, { event: () => undefined, ready: () => undefined, error: () => undefined });
    watch.close();
    const { createEngine } = await import('../../src/resources/template/liquid-engine');
    createEngine();
    const { boundedPatch, DiffBudget } = await import('../../src/status/journal/line-diff');
    assert.match(boundedPatch('/x', 'a\n', 'b\n', new DiffBudget()), /\+b/);
    const loaded = loadedPackages();
    for (const name of ['rxjs', 'prom-client', 'chokidar', 'liquidjs', 'diff']) assert.ok(loaded.has(name), `${name} loaded by its user`);
  });
});
