import type { Logger } from '../core/logger';
import type { PassResult } from '../controller/outcome';

/** A log line per resource that changed or failed; quiet when nothing happened. */
export function logPass(logger: Logger, pass: PassResult): void {
  for (const o of pass.resources) {
    const fields = { resource: o.name, desired: o.desired, observed: o.observed, reason: o.reason, triggers: pass.triggers };
    if (o.failed) logger.warn(fields, o.message);
    else if (o.changed) logger.info({ ...fields, actions: o.actions.map((a) => a.action) }, 'applied');
  }
}
