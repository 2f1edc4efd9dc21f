/** Types shared by every resource kind: what observe() saw, what plan() wants, what apply() did. */

/** Observed value for the status file: one port, several, or none. */
export type ObservedValue = number | number[] | null;

/** A file to write (atomically). `before` is null when the file does not exist yet. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string;
}

/** Which configured command a step runs (`commands.systemctl` or `commands.firewallCmd`). */
export type Tool = 'systemctl' | 'firewallCmd';

/** A command to run after the file changes, in order. */
export interface CommandStep {
  tool: Tool;
  args: string[];
  /** Run only when this check exits 0 (e.g. `firewall-cmd --state`); otherwise skipped. */
  onlyIf?: { args: string[]; otherwise: string };
}

/** What a resource wants done. Empty changes and commands mean "in sync". */
export interface Plan {
  changes: FileChange[];
  commands: CommandStep[];
  /** Set when the resource cannot converge whatever is written (reason CannotConverge). */
  problem?: string;
  /** Set when there is nothing to manage (reason TargetAbsent). */
  absent?: string;
}

/** What observe() returns: the kind's own state, plus what the status shows. */
export interface Observation<S> {
  state: S;
  value: ObservedValue;
  /** Short human description, e.g. `ListenStream=9090`. */
  summary: string;
}

export interface PlanOptions {
  /** Re-run the commands even when the files are already right (the last apply failed). */
  retryCommands: boolean;
}

/** Helper for plans: no changes, no commands. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.changes.length === 0 && plan.commands.length === 0;
}

/** `[]` → null, `[x]` → x, else the list. */
export function observedValue(ports: readonly number[]): ObservedValue {
  if (ports.length === 0) return null;
  if (ports.length === 1) return ports[0] as number;
  return [...ports];
}
