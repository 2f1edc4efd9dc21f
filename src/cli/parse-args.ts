import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration';
import { didYouMean } from '../core/closest';
import { UsageError } from '../core/errors';

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
  /** --once --resource (repeatable): only these resources. */
  targets?: string[];
  /** history --since, as a time (ms since the epoch) computed from `now`. */
  since?: number;
  /** status --watch: redraw at least this often (ms). */
  watchIntervalMs?: number;
  json: boolean;
  config?: string;
  statusFile?: string;
  logLevel: string;
  metricsAddr?: { host: string; port: number };
}

const OPTIONS = {
  once: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'detailed-exitcodes': { type: 'boolean' },
  resource: { type: 'string', multiple: true },
  since: { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  json: { type: 'boolean' },
  config: { type: 'string' },
  'status-file': { type: 'string' },
  'log-level': { type: 'string' },
  'metrics-addr': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type Command = Exclude<CliArgs['command'], 'help' | 'version'>;

/** The options each command takes (`--once` itself marks the command; help and version go anywhere). */
const TAKES: Record<Command, readonly string[]> = {
  run: ['config', 'status-file', 'log-level', 'metrics-addr'],
  once: ['once', 'config', 'status-file', 'log-level', 'json', 'dry-run', 'detailed-exitcodes', 'resource'],
  status: ['config', 'status-file', 'json', 'watch', 'interval'],
  history: ['config', 'status-file', 'json', 'resource', 'since'],
  config: ['config', 'log-level'],
};

const NAMES = Object.keys(OPTIONS);
const SHORT = Object.entries(OPTIONS).flatMap(([long, o]) => ('short' in o ? [[o.short, long] as const] : []));

/** Our own words for an unknown option, before node's parser (whose message names node's API). */
function checkOptionNames(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === '--') return;
    if (!arg.startsWith('-') || arg === '-') continue;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0] ?? '';
      if (!NAMES.includes(name)) throw new UsageError(`unknown option --${name}${didYouMean(name, NAMES).replace(/"([^"]+)"/, '--$1')}`);
    } else {
      for (const letter of arg.slice(1)) if (!SHORT.some(([short]) => short === letter)) throw new UsageError(`unknown option -${letter} (-h: help, -V: version)`);
    }
  }
}

/** Which command the arguments name, before the options are checked against it. */
function commandOf(positionals: readonly string[], once: boolean): Command {
  const [first] = positionals;
  if (first === 'config') return 'config';
  if (positionals.length > 1 || (first !== undefined && first !== 'status' && first !== 'history')) {
    throw new UsageError(`unknown command: ${positionals.join(' ')}${didYouMean(first ?? '', ['status', 'history', 'config'])}`);
  }
  if (first === 'status' || first === 'history') return first;
  return once ? 'once' : 'run';
}

/** `--json`, `--dry-run`, ... name the commands they go with; the controller is told why. */
function refuseStrays(command: Command, given: readonly string[]): void {
  const stray = given.filter((name) => !TAKES[command].includes(name) && name !== 'help' && name !== 'version');
  if (stray.length === 0) return;
  const goesWith = (name: string): string => {
    const with_ = (Object.keys(TAKES) as Command[]).filter((c) => TAKES[c].includes(name)).map((c) => (c === 'once' ? '--once' : c === 'run' ? 'the controller' : c));
    return `--${name} goes with ${with_.join(' or ')}`;
  };
  const what = command === 'run' ? 'the controller (no --once)' : command === 'once' ? '--once' : command;
  throw new UsageError(`${what} does not take ${stray.map((n) => `--${n}`).join(', ')}: ${stray.map(goesWith).join('; ')}`);
}

/** Parse argv (without node and script). Throws UsageError (exit 64) on anything unexpected. */
export function parseCliArgs(argv: string[], now: number = Date.now()): CliArgs {
  checkOptionNames(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    // e.g. `--config` without a value, or a value given to a flag: say it without node's jargon.
    const message = (error as Error).message;
    const option = /'(-[^' ]+)/.exec(message)?.[1];
    if (!option) throw new UsageError(message.split('\n')[0] ?? message);
    throw new UsageError(/does not take an argument/.test(message) ? `${option} takes no value` : `${option} needs a value (one that starts with - is written ${option}=-VALUE)`);
  }
  const { values, positionals } = parsed;
  const command = commandOf(positionals, values.once ?? false);
  if (command === 'config') return parseConfigCommand(positionals.slice(1), values);
  refuseStrays(command, Object.keys(values));
  const logLevel = values['log-level'] ?? 'info';
  if (!LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  if (values.interval !== undefined && !values.watch) throw new UsageError('--interval goes with status --watch');
  if (command === 'history' && (values.resource?.length ?? 0) > 1) throw new UsageError('history takes one --resource');
  const resources = values.resource ?? [];
  return {
    command: values.help ? 'help' : values.version ? 'version' : command,
    dryRun: values['dry-run'] ?? false,
    detailedExitCodes: values['detailed-exitcodes'] ?? false,
    ...(command === 'history' && resources[0] !== undefined ? { resource: resources[0] } : {}),
    ...(command === 'once' && resources.length > 0 ? { targets: [...new Set(resources)] } : {}),
    ...(values.since !== undefined ? { since: parseSince(values.since, now) } : {}),
    ...(values.watch ? { watchIntervalMs: parseInterval(values.interval ?? '2s') } : {}),
    json: values.json ?? false,
    logLevel,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values['status-file'] !== undefined ? { statusFile: values['status-file'] } : {}),
    ...(values['metrics-addr'] !== undefined ? { metricsAddr: parseAddr(values['metrics-addr']) } : {}),
  };
}

/** `config check|print|schema`: only --config (and --log-level, ignored) go with it. */
function parseConfigCommand(rest: string[], values: { [key: string]: string | boolean | string[] | undefined }): CliArgs {
  const action = rest[0];
  if (rest.length !== 1 || !CONFIG_ACTIONS.includes(action as ConfigAction)) {
    throw new UsageError(`config needs one of ${CONFIG_ACTIONS.join(', ')}${rest.length > 0 ? `, got: ${rest.join(' ')}${didYouMean(action ?? '', CONFIG_ACTIONS)}` : ''}`);
  }
  const extra = Object.keys(values).filter((k) => !['config', 'log-level', 'help', 'version'].includes(k));
  if (extra.length > 0) throw new UsageError(`config ${action} does not take --${extra.join(', --')}`);
  const config = typeof values.config === 'string' ? values.config : undefined;
  const command = values.help ? 'help' : values.version ? 'version' : 'config';
  return { command, configAction: action as ConfigAction, dryRun: false, detailedExitCodes: false, json: false, logLevel: 'info', ...(config !== undefined ? { config } : {}) };
}

function parseInterval(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 100 || ms > 3_600_000) throw new UsageError(`--interval must be a duration from 100ms to 1h, got ${JSON.stringify(value)}`);
  return ms;
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
