import { TEST_LABEL_PAIR, docker, dockerQuiet } from '../../harness/docker-cli';

/** What {@link removeLabelled} should remove besides containers and volumes. */
export interface RemoveLabelledOptions {
  /** Also remove images labelled `reconciler.test=true` (the busybox test image). Default false. */
  images?: boolean;
  /** Narrow the selection with further labels, e.g. `{ 'reconciler.test.host': id }`. */
  labels?: Record<string, string>;
}

/** Counts of what {@link removeLabelled} removed. */
export interface RemovedCounts {
  containers: number;
  volumes: number;
  images: number;
}

/**
 * Removes every container (`docker rm -f`), volume (`docker volume rm`) and, optionally, image
 * labelled `reconciler.test=true`. Without `labels` this also removes what other, concurrently
 * running test files created: use it in a global teardown or `.ci/run`, and prefer
 * `EmulatedHost.cleanup()` in per-file `after()` hooks.
 */
export async function removeLabelled(options: RemoveLabelledOptions = {}): Promise<RemovedCounts> {
  const filters = [TEST_LABEL_PAIR, ...Object.entries(options.labels ?? {}).map(([key, value]) => `${key}=${value}`)].flatMap(
    (label) => ['--filter', `label=${label}`],
  );
  const ids = async (args: string[]): Promise<string[]> =>
    (await docker([...args, ...filters])).stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');

  const containers = await ids(['ps', '-aq']);
  if (containers.length > 0) await dockerQuiet(['rm', '-f', '-v', ...containers]);
  const volumes = await ids(['volume', 'ls', '-q']);
  for (const volume of volumes) await dockerQuiet(['volume', 'rm', '-f', volume]);
  let images: string[] = [];
  if (options.images === true) {
    images = [...new Set(await ids(['image', 'ls', '-aq']))];
    if (images.length > 0) await dockerQuiet(['image', 'rm', '-f', ...images]);
  }
  return { containers: containers.length, volumes: volumes.length, images: images.length };
}
