import { readFile } from 'node:fs/promises';

export interface ConditionJson {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface ResourceStatusJson {
  name: string;
  kind: string;
  desired: number | null;
  lastKnownDesired: number | null;
  observed: unknown;
  inSync: boolean;
  consecutiveFailures: number;
  nextRetryAt: string | null;
  conditions: ConditionJson[];
}

export interface StatusJson {
  schemaVersion: number;
  controller: { mode: string; pid: number; resyncIntervalMs: number; docker?: { connected: boolean } };
  lastPass: { result: string; triggers: string[]; finishedAt: string } | null;
  stats: { passes: number; changes: number; failures: number };
  resources: ResourceStatusJson[];
}

/** The status file, or null while it does not exist or is not JSON. */
export async function readStatusJson(path: string): Promise<StatusJson | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StatusJson;
  } catch {
    return null;
  }
}

/** The Ready condition of a resource, or undefined. */
export function readyOf(status: StatusJson | null, name: string): ConditionJson | undefined {
  return status?.resources.find((r) => r.name === name)?.conditions.find((c) => c.type === 'Ready');
}

/**
 * How long a wait may take by default: generous, because the machine may be busy (CI has seen a
 * load of 5–8 on 2 cores). A wait bounds a hang; how fast things are is measured by `bench/`.
 */
const WAIT_MS = 60_000;

/** Poll `check` every 20 ms until it returns a truthy value, or fail after `timeoutMs` (default 60 s). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}
