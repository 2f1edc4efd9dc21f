import { textToBytes } from '../core/bytes';
import { describeError } from '../core/errors';
import { maskSecrets } from '../core/secrets';
import { describeCommandFailure, type CommandResult, type CommandRunner } from '../host/command-runner';
import type { DockerHost } from '../host/docker-host';
import { fileErrorCode, UNSAFE_PATH, type FileSystem } from '../host/file-system';
import type { CommandStep, Plan, Tool } from './plan';

/** How configured commands are run (configuration `commands`). */
export interface CommandSettings {
  prefix: string[];
  systemctl: string[];
  firewallCmd: string[];
  /** SelinuxPortType only; `[semanage]` when not given. */
  semanage?: string[];
  /** SelinuxPortType only; `[selinuxenabled]` when not given. */
  selinuxenabled?: string[];
  timeoutMs: number;
}

export interface ApplyDeps {
  files: FileSystem;
  runner: CommandRunner;
  docker: DockerHost;
  commands: CommandSettings;
}

/** What one action did (controller-runtime's `unchanged | updated`, plus skipped/failed). */
export interface ActionResult {
  action: string;
  result: 'updated' | 'skipped' | 'failed';
  message?: string;
  /** Commands only: the exit code, when the command ran to an exit (for the journal). */
  exitCode?: number;
}

export interface ApplyReport {
  actions: ActionResult[];
  /** Set when an action failed; later actions were not attempted. */
  failure?: string;
  /** Set when the failure was a refused path (a link swapped in after observe): reason UnsafePath. */
  failureReason?: 'UnsafePath';
}

/** The argv of a host command: prefix + the configured tool + the step's arguments. */
export function commandArgv(settings: CommandSettings, tool: Tool, args: readonly string[]): string[] {
  return [...settings.prefix, ...toolArgv(settings, tool), ...args];
}

/** The configured argv of a tool (without the prefix). */
export function toolArgv(settings: CommandSettings, tool: Tool | 'selinuxenabled'): string[] {
  if (tool === 'semanage') return settings.semanage ?? ['semanage'];
  if (tool === 'selinuxenabled') return settings.selinuxenabled ?? ['selinuxenabled'];
  return settings[tool];
}

/** A short label for a step with secrets masked, e.g. `systemctl restart cockpit.socket`. */
export function describeStep(settings: CommandSettings, step: CommandStep): string {
  if ('exec' in step) return maskSecrets(`docker exec ${step.exec.container} ${step.exec.argv.join(' ')}`, step.secrets);
  return [...toolArgv(settings, step.tool), ...step.args].join(' ');
}

/** The full argv a step runs, secrets masked (for dry-run output and JSON). */
export function displayArgv(settings: CommandSettings, step: CommandStep): string[] {
  if ('exec' in step) return ['docker', 'exec', step.exec.container, ...step.exec.argv].map((a) => maskSecrets(a, step.secrets));
  return commandArgv(settings, step.tool, step.args);
}

/** Write the plan's files (atomically), delete its removals, then run its commands in order; stop at the first failure. */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyReport> {
  const actions: ActionResult[] = [];
  const fail = (action: string, message: string, detail: { error?: unknown; exitCode?: number } = {}): ApplyReport => {
    actions.push({ action, result: 'failed', message, ...(detail.exitCode === undefined ? {} : { exitCode: detail.exitCode }) });
    return { actions, failure: message, ...(fileErrorCode(detail.error) === UNSAFE_PATH ? { failureReason: 'UnsafePath' as const } : {}) };
  };
  for (const change of plan.changes) {
    const action = `write ${change.path}`;
    try {
      const data = typeof change.after === 'string' ? textToBytes(change.after) : change.after;
      await deps.files.writeFileAtomic(change.path, data, { ...(change.mode === undefined ? {} : { mode: change.mode }), ...(change.within === undefined ? {} : { within: change.within }) });
      actions.push({ action, result: 'updated' });
    } catch (error) {
      return fail(action, describeError(error), { error });
    }
  }
  for (const removal of plan.removals ?? []) {
    const action = `remove ${removal.path}`;
    try {
      await deps.files.remove(removal.path, removal.within === undefined ? {} : { within: removal.within });
      actions.push({ action, result: 'updated' });
    } catch (error) {
      return fail(action, describeError(error), { error });
    }
  }
  for (const step of plan.commands) {
    const action = describeStep(deps.commands, step);
    if (!('exec' in step) && step.onlyIf) {
      const check = await deps.runner.run(commandArgv(deps.commands, step.tool, step.onlyIf.args), { timeoutMs: deps.commands.timeoutMs });
      if (check.kind !== 'exited' || check.exitCode !== 0) {
        const why = check.kind === 'not-found' ? `${toolArgv(deps.commands, step.tool).join(' ')} not found; skipped` : step.onlyIf.otherwise;
        actions.push({ action, result: 'skipped', message: why });
        continue;
      }
    }
    const result = await runStep(step, deps);
    if (result.kind === 'exited' && result.exitCode === 0) {
      actions.push({ action, result: 'updated', exitCode: 0 });
      continue;
    }
    const secrets = 'exec' in step ? step.secrets : undefined;
    // A command carrying a secret may echo it in any encoding: its output is never shown.
    const shown = secrets && secrets.length > 0 ? withoutOutput(result) : result;
    const message = maskSecrets(describeCommandFailure(displayArgv(deps.commands, step), shown), secrets);
    return fail(action, message, result.kind === 'exited' ? { exitCode: result.exitCode } : {});
  }
  return { actions };
}

/**
 * What a command that carries a secret reports: its exit code (or how it ended) and a fixed
 * message; never a byte of its output. (`failed`/`not-found` messages are our own, not output.)
 */
function withoutOutput(result: CommandResult): CommandResult {
  if (result.kind === 'exited') return { ...result, stdout: '', stderr: '(output hidden: the command carries a secret)' };
  if (result.kind === 'timed-out') return { ...result, stderr: '' };
  return result;
}

function runStep(step: CommandStep, deps: ApplyDeps): Promise<CommandResult> {
  const options = { timeoutMs: deps.commands.timeoutMs };
  if ('exec' in step) return deps.docker.exec(step.exec.container, step.exec.argv, options);
  return deps.runner.run(commandArgv(deps.commands, step.tool, step.args), options);
}
