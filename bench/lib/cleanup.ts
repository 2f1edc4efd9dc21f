import { docker, dockerQuiet } from '../../harness/docker-cli';
import { ownLabels } from '../../harness/own-labels';

/** The bench's label (not the tests' `reconciler.test`: CI's clean-up must not remove a running bench's objects). */
export const BENCH_LABEL_PAIR = 'reconciler.bench=true';
/** Label on every container and volume the bench creates, value = run id. */
export const BENCH_RUN_LABEL = 'reconciler.bench.run';

/** Labels of every object of bench run `runId`: the bench's own, `reconciler.test=false` over the image's, the run's. */
export function benchLabels(runId: string): string[] {
  return [...ownLabels(BENCH_LABEL_PAIR), `${BENCH_RUN_LABEL}=${runId}`];
}

type Task = { name: string; run: () => Promise<unknown> };

/**
 * Cleanup that runs whatever happens: after the last scenario, on an error, and on Ctrl-C
 * (SIGINT/SIGTERM). Tasks run newest first (daemons stop before their host is removed), each
 * at most once, each bounded in time.
 */
export class CleanupRegistry {
  private tasks: Task[] = [];
  private running: Promise<void> | null = null;

  constructor(readonly runId: string) {}

  /** Registers a task; returns a function that runs it now (and removes it from the registry). */
  add(name: string, run: () => Promise<unknown>): () => Promise<void> {
    const task: Task = { name, run };
    this.tasks.push(task);
    return async () => {
      if (!this.tasks.includes(task)) return;
      this.tasks = this.tasks.filter((t) => t !== task);
      await this.runTask(task);
    };
  }

  /** Runs every registered task, then removes any container or volume left with this run's label. */
  async runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.tasks.length > 0) {
        const task = this.tasks.pop() as Task;
        await this.runTask(task);
      }
      await removeRunContainers(this.runId);
    })();
    return this.running;
  }

  /** Ctrl-C / SIGTERM: clean up, then exit 130 / 143. A second signal exits at once. */
  installSignalHandlers(log: (line: string) => void): void {
    let signalled = false;
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.on(signal, () => {
        if (signalled) process.exit(code);
        signalled = true;
        log(`\n${signal}: cleaning up (press Ctrl-C again to exit at once)…`);
        void this.runAll().finally(() => process.exit(code));
      });
    }
  }

  private async runTask(task: Task): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        task.run(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out after 30 s')), 30_000))),
      ]);
    } catch (error) {
      process.stderr.write(`cleanup "${task.name}" failed: ${error instanceof Error ? error.message : String(error)}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Removes the containers and volumes this run created (selected by the bench's and the run's label; never other runs' or tests'). */
export async function removeRunContainers(runId: string): Promise<number> {
  const filters = ['--filter', `label=${BENCH_LABEL_PAIR}`, '--filter', `label=${BENCH_RUN_LABEL}=${runId}`];
  const lines = (text: string): string[] => text.split('\n').filter((s) => s.trim() !== '');
  let ids: string[];
  let volumes: string[];
  try {
    ids = lines((await docker(['ps', '-aq', ...filters])).stdout);
    volumes = lines((await docker(['volume', 'ls', '-q', ...filters])).stdout);
  } catch {
    return 0;
  }
  if (ids.length > 0) await dockerQuiet(['rm', '-f', '-v', ...ids]);
  if (volumes.length > 0) await dockerQuiet(['volume', 'rm', '-f', ...volumes]);
  return ids.length + volumes.length;
}
