import type { PassResult, ResourceOutcome } from '../controller/outcome';
import { VERSION } from '../core/version';
import { applyFailedNames, iso, lastPassOf, resourceStatus } from './build-status';
import { everyInSync } from './in-sync';
import type { ResourceStatus, StatusFile } from './status-file';

/** A resource's retry state after a pass, as the status file shows it. */
export interface RetryShown {
  consecutiveFailures: number;
  nextRetryAt: number | null;
}

export interface ControllerInfo {
  mode: StatusFile['controller']['mode'];
  pid: number;
  /** When the controller started (`--once`: when its pass started). */
  startedAt: number;
  resyncIntervalMs: number;
  /** `--once`: `status.maxAge` (recorded so that `status` judges staleness without the configuration). */
  maxAgeMs?: number;
  /** The configured (enabled) resources, in configuration order. */
  resources: readonly string[];
}

/**
 * The one status assembler, for the daemon and `--once`: resource statuses carried from pass to
 * pass (from the previous status file for `--once`), stats, the last pass and `lastSuccessAt`
 * (the one rule of status/in-sync.ts over the latest status of every configured resource).
 */
export class ControllerStatus {
  private readonly statuses = new Map<string, ResourceStatus>();
  private readonly stats = { passes: 0, changes: 0, failures: 0 };
  private lastPass: StatusFile['lastPass'] = null;
  private lastSuccessAt: string | null;
  private docker: { connected: boolean; since: string } | null = null;

  constructor(private info: ControllerInfo, previous: StatusFile | null = null) {
    for (const r of previous?.resources ?? []) this.statuses.set(r.name, r);
    this.lastSuccessAt = previous?.lastSuccessAt ?? null;
  }

  /** A reloaded configuration: statuses of resources no longer configured are dropped. */
  configure(resources: readonly string[], resyncIntervalMs: number): void {
    this.info = { ...this.info, resources, resyncIntervalMs };
    for (const name of [...this.statuses.keys()]) if (!resources.includes(name)) this.statuses.delete(name);
  }

  /** Daemon only: the Docker event stream's state (`controller.docker`). */
  setDocker(docker: { connected: boolean; since: string }): void {
    this.docker = { ...docker };
  }

  /** Resources whose last apply failed: the next pass runs their commands again. */
  applyFailed(): Set<string> {
    return applyFailedNames(this.statuses.values());
  }

  /** A finished pass, with each reported resource's retry state after it. */
  recordPass(result: PassResult, retry: (outcome: ResourceOutcome, previous: ResourceStatus | undefined) => RetryShown): void {
    this.stats.passes++;
    this.stats.changes += result.resources.filter((r) => r.changed).length;
    if (result.resources.some((r) => r.failed)) this.stats.failures++;
    for (const outcome of result.resources) {
      const previous = this.statuses.get(outcome.name);
      this.statuses.set(outcome.name, resourceStatus(outcome, previous, result.finishedAt, retry(outcome, previous)));
    }
    this.lastPass = lastPassOf(result);
    if (everyInSync(this.info.resources, (name) => this.statuses.get(name))) this.lastSuccessAt = iso(result.finishedAt);
  }

  /** A pass abandoned after `timing.passTimeout`: a failed pass with no outcomes. */
  recordAbandoned(triggers: string[], timeoutMs: number, now: number): void {
    this.lastPass = { startedAt: iso(now - timeoutMs), finishedAt: iso(now), durationMs: timeoutMs, triggers, result: 'abandoned' };
    this.stats.passes++;
    this.stats.failures++;
  }

  /** The status document as it stands (what the status file, `/readyz` and systemd's STATUS= show). */
  document(): StatusFile {
    const { mode, pid, startedAt, resyncIntervalMs, maxAgeMs, resources } = this.info;
    return {
      schemaVersion: 1,
      controller: { version: VERSION, pid, mode, startedAt: iso(startedAt), resyncIntervalMs, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), ...(this.docker ? { docker: { ...this.docker } } : {}) },
      lastPass: this.lastPass,
      lastSuccessAt: this.lastSuccessAt,
      stats: { ...this.stats },
      resources: resources.map((name) => this.statuses.get(name)).filter((s): s is ResourceStatus => s !== undefined),
    };
  }
}
