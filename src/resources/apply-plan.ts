import { describeError } from '../core/errors';
import { describeCommandFailure, type CommandRunner } from '../host/command-runner';
import type { FileSystem } from '../host/file-system';
import type { CommandStep, Plan, Tool } from './plan';

/** How configured commands are run (configuration `commands`). */
export interface CommandSettings {
  prefix: string[];
  systemctl: string[];
  firewallCmd: string[];
  timeoutMs: number;
}

export interface ApplyDeps {
  files: FileSystem;
  runner: CommandRunner;
  commands: CommandSettings;
}

/** What one action did (controller-runtime's `unchanged | updated`, plus skipped/failed). */
export interface ActionResult {
  action: string;
  result: 'updated' | 'skipped' | 'failed';
  message?: string;
}

export interface ApplyReport {
  actions: ActionResult[];
  /** Set when an action failed; later actions were not attempted. */
  failure?: string;
}

/** The argv of a step: prefix + the configured tool + the step's arguments. */
export function commandArgv(settings: CommandSettings, tool: Tool, args: readonly string[]): string[] {
  return [...settings.prefix, ...settings[tool], ...args];
}

/** A short label for a step, e.g. `systemctl restart cockpit.socket`. */
export function describeStep(settings: CommandSettings, step: CommandStep): string {
  return [...settings[step.tool], ...step.args].join(' ');
}

/** Write the plan's files (atomically), then run its commands in order; stop at the first failure. */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyReport> {
  const actions: ActionResult[] = [];
  for (const change of plan.changes) {
    const action = `write ${change.path}`;
    try {
      await deps.files.writeFileAtomic(change.path, change.after);
      actions.push({ action, result: 'updated' });
    } catch (error) {
      const message = describeError(error);
      actions.push({ action, result: 'failed', message });
      return { actions, failure: message };
    }
  }
  for (const step of plan.commands) {
    const action = describeStep(deps.commands, step);
    if (step.onlyIf) {
      const checkArgv = commandArgv(deps.commands, step.tool, step.onlyIf.args);
      const check = await deps.runner.run(checkArgv, { timeoutMs: deps.commands.timeoutMs });
      if (check.kind !== 'exited' || check.exitCode !== 0) {
        const why = check.kind === 'not-found' ? `${deps.commands[step.tool].join(' ')} not found; skipped` : step.onlyIf.otherwise;
        actions.push({ action, result: 'skipped', message: why });
        continue;
      }
    }
    const argv = commandArgv(deps.commands, step.tool, step.args);
    const result = await deps.runner.run(argv, { timeoutMs: deps.commands.timeoutMs });
    if (result.kind === 'exited' && result.exitCode === 0) {
      actions.push({ action, result: 'updated' });
      continue;
    }
    const message = describeCommandFailure(argv, result);
    actions.push({ action, result: 'failed', message });
    return { actions, failure: message };
  }
  return { actions };
}
