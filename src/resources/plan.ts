/** Types shared by every resource kind: what observe() saw, what plan() wants, what apply() did. */

import type { FilePath } from '../host/file-system';

/** Observed value for the status file: one port, several, none, or a short text (a fingerprint, a file count). */
export type ObservedValue = number | string | number[] | null;

/**
 * A file to write (atomically). `before` is null when the file does not exist yet. A string is a
 * byte string (one character per byte, core/bytes): files are edited as bytes, never through a
 * UTF-8 round trip.
 */
export interface FileChange {
  /** A configured host path, or a ConfinedPath (inside a volume or a mirrored tree: written through the confined walk). */
  path: FilePath;
  before: string | Buffer | null;
  after: string | Buffer;
  /** Mode for a file that is created (an existing file keeps its own). */
  mode?: number;
  /** The content holds a secret: never shown in diffs, logs or status. */
  sensitive?: boolean;
  /** Overwrite keeping the inode (a single-file bind mount) instead of a rename: see FileSystem.writeFileInPlace. */
  inPlace?: boolean;
}

/**
 * A change whose content is made of parts the check can judge one by one (Template: one part
 * per container). When the check fails, the command phase looks for the parts that make it
 * fail by writing the content without some of them (fewest check runs: a bisection), applies
 * the rest, and tells the resource (`Resource.partsRefused`).
 */
export interface PartedChange {
  /** The FileChange (by path) whose content this is. */
  path: string;
  /** The parts that may make the check fail (`id` identifies a part, `name` is shown). */
  suspects: readonly { id: string; name: string }[];
  /** The file's bytes (a byte string) without these parts (by id), or null when that cannot be rendered. Pure. */
  without(excluded: readonly string[]): string | null;
}

/** A file to delete (DirectoryMirror with `prune`). */
export interface FileRemoval {
  /** As for FileChange. */
  path: FilePath;
  /** The bytes it had (so that a failed check can put it back); unknown when absent. */
  before?: Buffer;
}

/** Which configured command a step runs (`commands.systemctl`, `commands.firewallCmd`, `commands.semanage`, `commands.iptablesRestore`, `commands.ip6tablesRestore`, `commands.nft`). */
export type Tool = 'systemctl' | 'firewallCmd' | 'semanage' | 'iptablesRestore' | 'ip6tablesRestore' | 'nft';

/**
 * A command that must exit 0 after the files are written and before the step runs (`nginx -t`):
 * in a container through the Docker exec API, or on the host through `commands.prefix`. When it
 * fails, the files of the pass are put back and the step does not run (reason CheckFailed).
 */
export type CheckStep = { exec: { container: string; argv: string[] } } | { host: { argv: string[] } };

/** A host command to run after the file changes, in order. */
export interface ToolStep {
  tool: Tool;
  args: string[];
  /** Run only when this check exits 0 (e.g. `firewall-cmd --state`); otherwise skipped. */
  onlyIf?: { args: string[]; otherwise: string };
  check?: CheckStep;
  /** Bytes for the command's standard input (an `iptables-restore` or `nft -f -` transaction). */
  input?: string;
  /** What the step changes, one line each, for dry-run output (e.g. `+ -A CHAIN ...`). */
  preview?: string[];
}

/** A command run inside a container through the Docker exec API (argv, no shell). */
export interface ExecStep {
  exec: { container: string; argv: string[] };
  /** Values in argv that must never be shown (they are replaced by `***` in every label). */
  secrets?: string[];
  check?: CheckStep;
}

export type CommandStep = ToolStep | ExecStep;

/** What a resource wants done. Empty changes and commands mean "in sync". */
export interface Plan {
  changes: FileChange[];
  /** Files to delete; none when absent. */
  removals?: FileRemoval[];
  commands: CommandStep[];
  /**
   * Where this resource may write besides `changes` and `removals`: a file (HostPath or
   * ConfinedPath), or a tree (a ConfinedPath: anything below it). A recorded undo image is put
   * back only at a path inside the plan's own files or scope (see controller/pending-commands).
   */
  scope?: FilePath[];
  /** Set when the resource cannot converge whatever is written (reason CannotConverge, or problemReason). */
  problem?: string;
  problemReason?: 'SourceUnreadable' | 'UnsafePath' | 'PortInUse';
  /** Set when the resource does not apply to this host (reason NotApplicable, Ready True). */
  notApplicable?: string;
  /** Set when there is nothing to manage (reason TargetAbsent). */
  absent?: string;
  /** Set when the plan leaves parts of the desired state out (invalid or refused by the check): applied, reported with this reason, Ready False. */
  leftOut?: { reason: 'InvalidDesiredValue' | 'CheckFailed'; message: string };
  /** See PartedChange; at most one per plan. */
  parts?: PartedChange;
  /**
   * Set when part of the desired state was refused (one container's bad label) and the plan
   * closes that part instead: the plan is applied, and Ready is False with InvalidDesiredValue.
   */
  invalidDesired?: string;
}

/** A condition besides Ready that a resource reports on every pass (e.g. `Listening`). */
export interface ExtraCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** What observe() returns: the kind's own state, plus what the status shows and where to watch. */
export interface Observation<S> {
  state: S;
  /**
   * The files and directories whose changes should start a pass, as this observation found
   * them: a function of the spec and of what observe() saw, nothing else (e.g. the unit file and
   * the drop-in directory from the spec; a volume's file once the container's mount told where
   * it is). Empty when nothing on the host is known yet. See resources/resource.ts.
   */
  watch: readonly string[];
  value: ObservedValue;
  /** Short human description, e.g. `ListenStream=9090`. */
  summary: string;
  /** For resources without a source: what they want, as shown in the status (e.g. `3 files`). */
  desired?: number | string;
  /** Conditions besides Ready (shown in the status file and by `reconcile status`). */
  conditions?: ExtraCondition[];
  /**
   * For a resource that reads what it enforces itself (PublishedPortFirewall: the running
   * containers): what it read, only ever compared. When it differs between the observation
   * before an apply and the one after, the host moved on during the pass (a container started):
   * new drift (DriftDetected), not a change that did not take (ApplyFailed).
   */
  inputs?: string;
}

export interface PlanOptions {
  /** Re-run the commands even when the files are already right (the last apply failed). */
  retryCommands: boolean;
}

/** The plan with `scope` when it runs commands (only then can a check put files back). */
export function withScope(plan: Plan, scope: readonly FilePath[]): Plan {
  return plan.commands.length > 0 ? { ...plan, scope: [...scope] } : plan;
}

/** Every path a plan may write: its files, its removals and its scope (where an undo image may be put back). */
export function ownPaths(plan: Plan): FilePath[] {
  return [...plan.changes.map((c) => c.path), ...(plan.removals ?? []).map((r) => r.path), ...(plan.scope ?? [])];
}

/** Helper for plans: no changes, no commands. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.changes.length === 0 && plan.commands.length === 0 && (plan.removals?.length ?? 0) === 0;
}

/** `[]` → null, `[x]` → x, else the list. */
export function observedValue(ports: readonly number[]): ObservedValue {
  if (ports.length === 0) return null;
  if (ports.length === 1) return ports[0] as number;
  return [...ports];
}
