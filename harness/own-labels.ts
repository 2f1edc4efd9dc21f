import { TEST_LABEL } from './docker-cli';

/**
 * Labels for objects of a long-running harness (demo, bench) that CI's clean-up of test objects
 * must leave alone: its own `pair` (`reconciler.demo=true`) and `reconciler.test=false`, which
 * overrides the `reconciler.test=true` that containers inherit from the busybox test image, so
 * that `--filter label=reconciler.test=true` misses them.
 */
export function ownLabels(pair: string): string[] {
  return [pair, `${TEST_LABEL}=false`];
}
