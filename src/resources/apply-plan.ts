import { textToBytes } from '../core/bytes';
import { describeError } from '../core/errors';
import { maskSecrets } from '../core/secrets';
import { describeCommandFailure, type CommandResult, type CommandRunner, type RunOptions } from '../host/command-runner';
import type { DockerHost } from '../host/docker-host';
import { fileErrorCode, UNSAFE_PATH, type FileSystem } from '../host/file-system';
import type { CheckStep, CommandStep, FileChange, Plan, Tool } from './plan';

/** How configured commands are run (configuration `commands`). */
export interface CommandSettings {
  prefix: string[];
  systemctl: string[];
  firewallCmd: string[];
  /** SelinuxPortType only; `[semanage]` when not given. */
  semanage?: string[];
  /** SelinuxPortType only; `[selinuxenabled]` when not given. */
  selinuxenabled?: string[];
  /** PublishedPortFirewall only; `[iptables-save]`, `[iptables-restore]`, `[ip6tables-save]`, `[ip6tables-restore]` when not given. */
  iptablesSave?: string[];
  iptablesRestore?: string[];
  ip6tablesSave?: string[];
  ip6tablesRestore?: string[];
  /** PublishedPortFirewall only (its nftables backend, and reading what it left); `[nft]` when not given. */
  nft?: string[];
  timeoutMs: number;
}

export interface ApplyDeps {
  files: FileSystem;
  runner: CommandRunner;
  docker: DockerHost;
  commands: CommandSettings;
  /** Aborted when the pass is abandoned: running commands are killed. */
  signal?: AbortSignal;
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
export function toolArgv(settings: CommandSettings, tool: Tool | 'selinuxenabled' | 'iptablesSave' | 'ip6tablesSave'): string[] {
  if (tool === 'systemctl' || tool === 'firewallCmd') return settings[tool];
  return settings[tool] ?? [DEFAULT_PROGRAM[tool]];
}

const DEFAULT_PROGRAM = {
  semanage: 'semanage',
  selinuxenabled: 'selinuxenabled',
  iptablesSave: 'iptables-save',
  iptablesRestore: 'iptables-restore',
  ip6tablesSave: 'ip6tables-save',
  ip6tablesRestore: 'ip6tables-restore',
  nft: 'nft',
} as const;

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
  const written = await writeFiles(plan, deps.files);
  if (written.failure) return written;
  const actions = [...written.actions];
  for (const step of plan.commands) {
    const action = await runCommandStep(step, deps);
    actions.push(action);
    if (action.result === 'failed') return { actions, failure: action.message ?? action.action };
  }
  return { actions };
}

/** Write the plan's files (atomically) and delete its removals; stop at the first failure. */
export async function writeFiles(plan: Pick<Plan, 'changes' | 'removals'>, files: FileSystem): Promise<ApplyReport> {
  const actions: ActionResult[] = [];
  const fail = (action: string, message: string, error: unknown): ApplyReport => {
    actions.push({ action, result: 'failed', message });
    return { actions, failure: message, ...(fileErrorCode(error) === UNSAFE_PATH ? { failureReason: 'UnsafePath' as const } : {}) };
  };
  for (const change of plan.changes) {
    const action = `write ${change.path}${change.inPlace ? ' (in place)' : ''}`;
    try {
      await writeChange(change, files);
      actions.push({ action, result: 'updated' });
    } catch (error) {
      return fail(action, describeError(error), error);
    }
  }
  for (const removal of plan.removals ?? []) {
    const action = `remove ${removal.path}`;
    try {
      await files.remove(removal.path);
      actions.push({ action, result: 'updated' });
    } catch (error) {
      return fail(action, describeError(error), error);
    }
  }
  return { actions };
}

/** Write one change: atomically (a rename), or in place when it asks for it. */
export async function writeChange(change: FileChange, files: FileSystem): Promise<void> {
  const data = typeof change.after === 'string' ? textToBytes(change.after) : change.after;
  // In place only for host paths (Template's targets); a ConfinedPath goes through the confined walk.
  if (change.inPlace && typeof change.path === 'string') return files.writeFileInPlace(change.path, data);
  await files.writeFileAtomic(change.path, data, change.mode === undefined ? {} : { mode: change.mode });
}

/** Run one step (its `onlyIf` first). A failure's message has the exit code and stderr, secrets masked. */
export async function runCommandStep(step: CommandStep, deps: ApplyDeps): Promise<ActionResult> {
  const action = describeStep(deps.commands, step);
  if (!('exec' in step) && step.onlyIf) {
    const check = await deps.runner.run(commandArgv(deps.commands, step.tool, step.onlyIf.args), runOptions(deps));
    if (check.kind !== 'exited' || check.exitCode !== 0) {
      const why = check.kind === 'not-found' ? `${toolArgv(deps.commands, step.tool).join(' ')} not found; skipped` : step.onlyIf.otherwise;
      return { action, result: 'skipped', message: why };
    }
  }
  const result = await runStep(step, deps);
  if (result.kind === 'exited' && result.exitCode === 0) return { action, result: 'updated', exitCode: 0 };
  const secrets = 'exec' in step ? step.secrets : undefined;
  // A command carrying a secret may echo it in any encoding: its output is never shown.
  const shown = secrets && secrets.length > 0 ? withoutOutput(result) : result;
  const message = maskSecrets(describeCommandFailure(displayArgv(deps.commands, step), shown), secrets);
  return { action, result: 'failed', message, ...(result.kind === 'exited' ? { exitCode: result.exitCode } : {}) };
}

/** A line of a check's output that names an error (nginx's `[emerg]`, `error:`, `failed`, …). */
const ERROR_LINE = /\[(emerg|alert|crit|error)\]|\berror\b|\bfailed\b|\binvalid\b|\bdenied\b/i;

/** A check's label: `nginx -t in websoft9-proxy`, or the host argv. */
export function describeCheck(settings: CommandSettings, check: CheckStep): string {
  if ('exec' in check) return `${check.exec.argv.join(' ')} in ${check.exec.container}`;
  return [...settings.prefix, ...check.host.argv].join(' ');
}

/** Run a check; null when it exited 0, else why not: the exit code and the first line of its output (masked; none when the step carries a secret). */
export async function runCheck(check: CheckStep, deps: ApplyDeps, secrets: readonly string[] = []): Promise<string | null> {
  const options = runOptions(deps);
  const result = 'exec' in check
    ? await deps.docker.exec(check.exec.container, check.exec.argv, options)
    : await deps.runner.run([...deps.commands.prefix, ...check.host.argv], options);
  const label = describeCheck(deps.commands, check);
  if (result.kind === 'exited' && result.exitCode === 0) return null;
  const shown = secrets.length > 0 ? withoutOutput(result) : result;
  if (shown.kind !== 'exited') return maskSecrets(describeCommandFailure([label], shown), secrets);
  // nginx -t writes to stderr; other checks may use stdout. The first line naming an error says
  // why (nginx prints "syntax is ok" before an [emerg] about the pid file or the log); else the first.
  const lines = `${shown.stderr}\n${shown.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines.find((l) => ERROR_LINE.test(l)) ?? lines[0] ?? '';
  return maskSecrets(`\`${label}\` exited with code ${shown.exitCode}${first ? `: ${first.slice(0, 300)}` : ''}`, secrets);
}

function runOptions(deps: ApplyDeps): RunOptions {
  return deps.signal ? { timeoutMs: deps.commands.timeoutMs, signal: deps.signal } : { timeoutMs: deps.commands.timeoutMs };
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
  const options = runOptions(deps);
  if ('exec' in step) return deps.docker.exec(step.exec.container, step.exec.argv, options);
  return deps.runner.run(commandArgv(deps.commands, step.tool, step.args), step.input === undefined ? options : { ...options, input: step.input });
}
