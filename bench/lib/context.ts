import { createEmulatedHost, type EmulatedHost, type EmulatedHostOptions } from '../../test/support/emulated-host';
import type { CleanupRegistry } from './cleanup';

export interface BenchContext {
  quick: boolean;
  runId: string;
  cleanup: CleanupRegistry;
  /** Progress lines (stderr), so that stdout holds only the results. */
  log(line: string): void;
}

/** An emulated host (test/support) whose cleanup is registered; `dispose()` removes it now. */
export async function newHost(ctx: BenchContext, options: EmulatedHostOptions = {}): Promise<{ host: EmulatedHost; dispose: () => Promise<void> }> {
  const host = await createEmulatedHost(options);
  const dispose = ctx.cleanup.add(`emulated host ${host.id}`, () => host.cleanup());
  return { host, dispose };
}
