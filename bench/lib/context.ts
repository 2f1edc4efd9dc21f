import { createEmulatedHost, type EmulatedHost, type EmulatedHostOptions } from '../../harness/websoft9-host';
import { benchLabels, type CleanupRegistry } from './cleanup';

export interface BenchContext {
  quick: boolean;
  runId: string;
  cleanup: CleanupRegistry;
  /** Progress lines (stderr), so that stdout holds only the results. */
  log(line: string): void;
}

/** An emulated host (harness/websoft9-host) with the bench's labels, whose cleanup is registered; `dispose()` removes it now. */
export async function newHost(ctx: BenchContext, options: EmulatedHostOptions = {}): Promise<{ host: EmulatedHost; dispose: () => Promise<void> }> {
  const host = await createEmulatedHost({ labels: benchLabels(ctx.runId), ...options });
  const dispose = ctx.cleanup.add(`emulated host ${host.id}`, () => host.cleanup());
  return { host, dispose };
}
