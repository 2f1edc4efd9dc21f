import { docker, dockerQuiet } from '../harness/docker-cli';
import { ownLabels } from '../harness/own-labels';
import { HOST_LABEL } from '../harness/websoft9-host';

/** The demo's label (not the tests' `reconciler.test`: CI's clean-up must not remove a running demo). */
export const DEMO_LABEL_PAIR = 'reconciler.demo=true';
/** Labels of every demo object: its own, and `reconciler.test=false` over the image's label. */
export const DEMO_LABELS = ownLabels(DEMO_LABEL_PAIR);

/**
 * Removes every container and volume that carries the demo's label and this host's id: the last
 * sweep on exit, for whatever a failed step left behind (never another demo's or a test's objects).
 */
export async function removeDemoObjects(hostId: string): Promise<number> {
  const filters = ['--filter', `label=${DEMO_LABEL_PAIR}`, '--filter', `label=${HOST_LABEL}=${hostId}`];
  const lines = (text: string): string[] => text.split('\n').filter((s) => s.trim() !== '');
  const ids = lines((await docker(['ps', '-aq', ...filters])).stdout);
  if (ids.length > 0) await dockerQuiet(['rm', '-f', '-v', ...ids]);
  const vols = lines((await docker(['volume', 'ls', '-q', ...filters])).stdout);
  if (vols.length > 0) await dockerQuiet(['volume', 'rm', '-f', ...vols]);
  return ids.length + vols.length;
}
