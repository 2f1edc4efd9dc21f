import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration';
import { UsageError } from '../core/errors';

export const USAGE = `Usage:
  reconcile [options]                  run the controller until SIGTERM/SIGINT
  reconcile --once [--dry-run] [opts]  one pass, then exit (0 in sync, 1 not, 2 drift in a dry run)
  reconcile status [options]           summarise the status file (0 healthy, 1 not)
  reconcile history [--resource NAME] [--since 2h] [--json]
                                       the correction journal, newest first
  reconcile config check [--config F]  validate the configuration (0 valid, 64 with every problem)
  reconcile config print [--config F]  the effective configuration (defaults merged) as YAML
  reconcile config schema              the JSON Schema of configuration files

Options:
  --config FILE        YAML configuration merged over the defaults (Websoft9 host profile)
  --status-file FILE   status file (default: status.file of the configuration)
  --json               machine-readable output on stdout
  --log-level LEVEL    trace, debug, info, warn, error, fatal or silent (default: info)
  --metrics-addr H:P   serve /metrics, /healthz and /readyz (controller only; off by default)
  --dry-run            with --once: plan and print the diff, change nothing
  --detailed-exitcodes with --once: 0 in sync and unchanged, 2 changed, 4 not converged, 6 both
  --resource NAME      with history: only this resource
  --since DURATION     with history: only entries this recent (e.g. 30m, 2h) or since an ISO time
  -h, --help           this text
  --version            print the version
`;

const CONFIG_ACTIONS = ['check', 'print', 'schema'] as const;
export type ConfigAction = (typeof CONFIG_ACTIONS)[number];

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface CliArgs {
  command: 'run' | 'once' | 'status' | 'history' | 'config' | 'help' | 'version';
  /** With `config`: what to do. */
  configAction?: ConfigAction;
  dryRun: boolean;
  /** --detailed-exitcodes (with --once). */
  detailedExitCodes: boolean;
  /** history --resource */
  resource?: string;
  /** history --since, as a time (ms since the epoch) computed from `now`. */
  since?: number;
  json: boolean;
  config?: string;
  statusFile?: string;
  logLevel: string;
  metricsAddr?: { host: string; port: number };
}

/** Parse argv (without node and script). Throws UsageError (exit 64) on anything unexpected. */
export function parseCliArgs(argv: string[], now: number = Date.now()): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        once: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'detailed-exitcodes': { type: 'boolean' },
        resource: { type: 'string' },
        since: { type: 'string' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        'status-file': { type: 'string' },
        'log-level': { type: 'string' },
        'metrics-addr': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals[0] === 'config') return parseConfigCommand(positionals.slice(1), values);
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'status' && positionals[0] !== 'history')) {
    throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
  const isHistory = positionals[0] === 'history';
  if (!isHistory && (values.resource !== undefined || values.since !== undefined)) throw new UsageError('--resource and --since go with history');
  if (isHistory && values.once) throw new UsageError('history does not take --once');
  if (values['detailed-exitcodes'] && !values.once) throw new UsageError('--detailed-exitcodes goes with --once');
  const logLevel = values['log-level'] ?? 'info';
  if (!LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  const isStatus = positionals[0] === 'status';
  if (values['dry-run'] && !values.once) throw new UsageError('--dry-run goes with --once');
  if (isStatus && values.once) throw new UsageError('status does not take --once');
  const command = values.help ? 'help' : values.version ? 'version' : isStatus ? 'status' : isHistory ? 'history' : values.once ? 'once' : 'run';
  if (values['metrics-addr'] !== undefined && command !== 'run') throw new UsageError('--metrics-addr goes with the controller (no --once)');
  return {
    command,
    dryRun: values['dry-run'] ?? false,
    detailedExitCodes: values['detailed-exitcodes'] ?? false,
    ...(values.resource !== undefined ? { resource: values.resource } : {}),
    ...(values.since !== undefined ? { since: parseSince(values.since, now) } : {}),
    json: values.json ?? false,
    logLevel,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values['status-file'] !== undefined ? { statusFile: values['status-file'] } : {}),
    ...(values['metrics-addr'] !== undefined ? { metricsAddr: parseAddr(values['metrics-addr']) } : {}),
  };
}

/** `config check|print|schema`: only --config (and --log-level, ignored) go with it. */
function parseConfigCommand(rest: string[], values: { [key: string]: string | boolean | undefined }): CliArgs {
  const action = rest[0];
  if (rest.length !== 1 || !CONFIG_ACTIONS.includes(action as ConfigAction)) {
    throw new UsageError(`config needs one of ${CONFIG_ACTIONS.join(', ')}${rest.length > 0 ? `, got: ${rest.join(' ')}` : ''}`);
  }
  const extra = Object.keys(values).filter((k) => !['config', 'log-level', 'help', 'version'].includes(k));
  if (extra.length > 0) throw new UsageError(`config ${action} does not take --${extra.join(', --')}`);
  const config = typeof values.config === 'string' ? values.config : undefined;
  return { command: values.help ? 'help' : 'config', configAction: action as ConfigAction, dryRun: false, detailedExitCodes: false, json: false, logLevel: 'info', ...(config !== undefined ? { config } : {}) };
}

function parseAddr(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new UsageError(`--metrics-addr must be HOST:PORT, got ${JSON.stringify(value)}`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

/** `--since 2h` (a duration back from now) or `--since 2026-12-01T08:00:00Z` (a time). */
function parseSince(value: string, now: number): number {
  const ms = parseDuration(value);
  if (ms !== undefined) return now - ms;
  const time = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new UsageError(`--since must be a duration (30m, 2h) or an ISO time, got ${JSON.stringify(value)}`);
  return time;
}
