import { escapeControl } from '../core/terminal';
import type { OnceResult } from '../app/run-once';
import type { CommandSettings } from '../resources/apply-plan';
import { EXIT, onceExitCode } from './exit-codes';
import { formatPlanDiff, formatSummary, passToJson } from './format-pass';

/**
 * `--once`'s output and exit code for what the pass did (`--json`, `--dry-run`'s diff,
 * `--detailed-exitcodes`); `color` for a terminal (the summary's results and verdict).
 */
export function onceOutput(result: OnceResult, options: { json: boolean; detailedExitCodes: boolean; commands: CommandSettings; color?: boolean }): { exitCode: number; stdout: string } {
  if (result.kind === 'abandoned') {
    // Not converged (4 with --detailed-exitcodes).
    const exitCode = options.detailedExitCodes ? 4 : EXIT.notConverged;
    const stdout = options.json ? `${JSON.stringify({ result: 'abandoned', exitCode, message: result.message }, null, 2)}\n` : `${escapeControl(result.message)}\n`;
    return { exitCode, stdout };
  }
  const { pass } = result;
  const exitCode = onceExitCode(pass, { detailed: options.detailedExitCodes, statusWritten: result.statusWritten });
  if (options.json) return { exitCode, stdout: `${JSON.stringify(passToJson(pass, options.commands, exitCode), null, 2)}\n` };
  const diff = pass.dryRun ? formatPlanDiff(pass, options.commands) : '';
  return { exitCode, stdout: diff + formatSummary(pass, options.color ?? false) };
}
