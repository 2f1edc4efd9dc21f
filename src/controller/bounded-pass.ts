import type { Clock } from '../host/clock';
import { PassAbandonedError } from './outcome';

/**
 * `pass` within `limitMs` (no bound when undefined): on time its result; otherwise
 * PassAbandonedError('timeout'), after aborting `controller`. The pass itself may still run
 * until its next step, or forever when stuck in the kernel: `unsettled` holds it until it ends.
 */
export async function boundedPass<T>(pass: Promise<T>, limitMs: number | undefined, clock: Clock, controller: AbortController, unsettled: Set<Promise<void>>): Promise<T> {
  const done = pass.then(() => undefined, () => undefined);
  unsettled.add(done);
  void done.then(() => unsettled.delete(done));
  if (limitMs === undefined) return pass;
  let cancel: () => void = () => undefined;
  const abandon = (reject: (e: Error) => void) => () => (controller.abort(new PassAbandonedError('timeout', limitMs)), reject(controller.signal.reason as Error));
  const timeout = new Promise<never>((_, reject) => (cancel = clock.setTimer(abandon(reject), limitMs)));
  try {
    return await Promise.race([pass, timeout]);
  } finally {
    cancel();
  }
}
