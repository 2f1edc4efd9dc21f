import { describeError } from '../core/errors';
import type { ConditionStatus, PassResultKind, Reason } from '../controller/outcome';
import { hostPath, type FileSystem } from '../host/file-system';
import type { ObservedValue } from '../resources/plan';

/** Kubernetes metav1.Condition, as written to the status file. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: Reason | string;
  message: string;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  name: string;
  kind: string;
  desired: number | string | null;
  /** The last desired value that could be read, kept while the current one is unknown. */
  lastKnownDesired: number | string | null;
  observed: ObservedValue;
  inSync: boolean;
  lastChangeAt: string | null;
  consecutiveFailures: number;
  nextRetryAt: string | null;
  conditions: Condition[];
}

/** The status file (docs/design.md §6). Fields may be added; none renamed or dropped without a version bump. */
export interface StatusFile {
  schemaVersion: 1;
  controller: {
    version: string;
    pid: number;
    mode: 'once' | 'daemon';
    startedAt: string;
    resyncIntervalMs: number;
    /** `--once` only: `status.maxAge`, past which its status is stale (cron runs it between). */
    maxAgeMs?: number;
    /** Daemon only: whether the Docker event stream is connected. */
    docker?: { connected: boolean; since: string };
  };
  lastPass: {
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    triggers: string[];
    result: PassResultKind;
  } | null;
  /** Last pass in which every resource was in sync. */
  lastSuccessAt: string | null;
  stats: { passes: number; changes: number; failures: number };
  resources: ResourceStatus[];
}

export type StatusRead = { ok: true; status: StatusFile } | { ok: false; problem: string };

/** Read and sanity-check a status file. Never throws. */
export async function readStatusFile(files: FileSystem, path: string): Promise<StatusRead> {
  let bytes: Buffer | null;
  try {
    bytes = await files.readFile(path);
  } catch (error) {
    return { ok: false, problem: describeError(error) };
  }
  if (bytes === null) return { ok: false, problem: `status file ${path} does not exist (has the controller run?)` };
  try {
    const data = JSON.parse(bytes.toString('utf8')) as Partial<StatusFile>;
    if (data.schemaVersion !== 1 || !Array.isArray(data.resources) || typeof data.controller !== 'object') {
      return { ok: false, problem: `status file ${path} is not a schemaVersion 1 status file` };
    }
    return { ok: true, status: data as StatusFile };
  } catch {
    return { ok: false, problem: `status file ${path} is not valid JSON` };
  }
}

/** Mode of the status file: owner and group (monitoring) may read it, others may not. */
const STATUS_FILE_MODE = 0o640;

/** Write the status file atomically (readers never see half a file), mode 0640 whatever it was before. */
export async function writeStatusFile(files: FileSystem, path: string, status: StatusFile): Promise<void> {
  await files.writeFileAtomic(hostPath(path), `${JSON.stringify(status, null, 2)}\n`, { mode: STATUS_FILE_MODE });
}
