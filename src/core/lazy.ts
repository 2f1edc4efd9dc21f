/**
 * What is loaded on first use instead of at startup, and why. Loading a package costs every run
 * that starts the program (`reconcile --once` from cron, `reconcile status`), whether it needs the
 * package or not; these are needed only by some runs. Each site loads its package through
 * `lazy(() => require(...))`; test/unit/startup-modules.test.ts checks that an `--once` run loads
 * none of them, and scripts/build/build.mjs leaves them out of the one-file build (dist/reconcile.js).
 * cli/main.ts also loads each command's own modules with import() when it runs.
 * Figures: docs/benchmarks.md, "Footprint".
 */
export const LAZY_PACKAGES = {
  dockerode: 'exec in a container only (adapters/dockerode-host.ts); the other Docker calls use node:http (adapters/docker-api.ts). It loads gRPC, protobufjs and ssh2: ~120 ms, ~23 MB',
  'tar-stream': 'reading a container file (adapters/read-tar-file.ts)',
  chokidar: "the daemon's file watches (adapters/chokidar-directory-watcher.ts); --once watches nothing",
  liquidjs: 'Template resources only (resources/template/liquid-engine.ts)',
  diff: 'a journal entry that shows a change (status/journal/line-diff.ts)',
  rxjs: 'the daemon (app/run-daemon.ts, loaded by cli/main.ts with import())',
  'prom-client': 'the daemon with --metrics-addr only (status/create-metrics.ts): without a server nobody reads the metrics',
} as const;

/** `load()` run on the first call, its value kept for the later ones. */
export function lazy<T>(load: () => T): () => T {
  let loaded: { value: T } | null = null;
  return () => (loaded ??= { value: load() }).value;
}
