import { didYouMean } from '../core/closest';
import { UsageError } from '../core/errors';
import type { Config } from '../config/schema';

/**
 * `--once --resource NAME...` (Terraform's `-target`): the enabled resources named, in
 * configuration order. A name the configuration does not have, or a resource switched off, is
 * a usage error (exit 64) naming it.
 */
export function selectResources(config: Config, targets: readonly string[]): Set<string> {
  const names = config.resources.map((r) => r.name);
  for (const target of targets) {
    const spec = config.resources.find((r) => r.name === target);
    if (!spec) throw new UsageError(`--resource ${target}: no such resource${didYouMean(target, names)}; the configuration has ${names.join(', ')}`, 'resource');
    if (!spec.enabled) throw new UsageError(`--resource ${target}: switched off (enabled: false)`, 'resource');
  }
  return new Set(targets);
}
