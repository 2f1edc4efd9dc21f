// Unit and drop-in paths come from the configuration (unitPath, dropInDir): host paths.
import { hostPath } from '../../host/file-system';
import { type CommandStep, type FileChange, type Plan, type PlanOptions } from '../plan';
import {
  classifyListen,
  effectiveListen,
  formatListen,
  listenInSync,
  listenPorts,
  type ListenValue,
} from './listen-stream';
import type { ListeningCondition } from './listening';
import type { RunningSocket } from './running-state';
import { appendToSection, listenStreamAssignments, parseUnitFile, replaceAssignments, type UnitAssignment } from './unit-file';

/** A unit or drop-in file as read from disk. */
export interface UnitText {
  path: string;
  text: string;
}

/** Everything systemd would read for the socket: the unit, then its drop-ins in lexical order. */
export interface SocketState {
  unit: UnitText | null;
  dropIns: UnitText[];
  /** What systemd runs now, when the host can tell. */
  running?: RunningSocket;
  /** Who listens on the desired port (absent when the port was not known at observe time). */
  listening?: ListeningCondition;
}

export interface SocketSettings {
  unit: string;
  service: string;
  mode: 'dropin' | 'inplace';
  /** Path of the drop-in this program owns (`<dropInDir>/listen.conf`). */
  dropInPath: string;
}

/** The effective ListenStream list of a socket state, as systemd computes it. */
export function effectiveOf(state: SocketState): ListenValue[] {
  const files = state.unit ? [state.unit, ...state.dropIns] : state.dropIns;
  return effectiveListen(files.flatMap((f) => listenStreamAssignments(parseUnitFile(f.text)).map((a) => a.value)));
}

/** Pure: the file writes and commands that make the socket listen on `port`. */
export function planSocket(port: number, state: SocketState, settings: SocketSettings, options: PlanOptions): Plan {
  if (!state.unit) return { changes: [], commands: [], absent: `${settings.unit} is not installed (no unit file)` };
  const restart = restartCommands(settings);
  // A restart would fail while another program holds the port: touch nothing until it is free.
  const blocked = (): Plan => ({ changes: [], commands: [], problem: `${state.listening?.message ?? ''}; not restarting ${settings.unit}`, problemReason: 'PortInUse' });
  const inUse = state.listening?.reason === 'PortInUse';
  if (listenInSync(effectiveOf(state), port)) {
    const commands = options.retryCommands ? restart : runningCommands(port, state.running, restart);
    if (commands.length > 0 && inUse) return blocked();
    return { changes: [], commands };
  }
  if (inUse) return blocked();
  const changes = settings.mode === 'dropin' ? planDropIn(port, state, settings) : planInPlace(port, state);
  const after = applyChanges(state, changes);
  if (!listenInSync(effectiveOf(after), port)) {
    return {
      changes: [],
      commands: [],
      problem: `cannot make ${settings.unit} listen only on ${port}: a later drop-in resets ListenStream without a port`,
    };
  }
  return { changes, commands: restart };
}

/** Files right, but systemd has not loaded them (daemon-reload and restarts) or still listens elsewhere (restarts). */
function runningCommands(port: number, running: RunningSocket | undefined, restart: CommandStep[]): CommandStep[] {
  if (running?.needDaemonReload === true) return restart;
  if (running?.listenPorts && running.listenPorts.some((p) => p !== port)) return restart.slice(1);
  return [];
}

function restartCommands(settings: SocketSettings): CommandStep[] {
  return [
    { tool: 'systemctl', args: ['daemon-reload'] },
    { tool: 'systemctl', args: ['restart', settings.unit] },
    { tool: 'systemctl', args: ['try-restart', settings.service] },
  ];
}

function planDropIn(port: number, state: SocketState, settings: SocketSettings): FileChange[] {
  const ownName = basename(settings.dropInPath);
  const earlier = state.dropIns.filter((d) => basename(d.path) < ownName);
  // Start from what systemd sees before our drop-in, so addresses and paths survive.
  const base = effectiveOf({ unit: state.unit, dropIns: earlier });
  const wanted = dedupe(base.map((v) => (v.kind === 'port' ? { ...v, port } : v)));
  if (!wanted.some((v) => v.kind === 'port')) wanted.push({ kind: 'port', port, host: '' });
  const text = ['[Socket]', 'ListenStream=', ...wanted.map((v) => `ListenStream=${formatListen(v)}`), ''].join('\n');
  const existing = state.dropIns.find((d) => d.path === settings.dropInPath);
  const changes: FileChange[] = [];
  if (existing?.text !== text) changes.push({ path: hostPath(settings.dropInPath), before: existing?.text ?? null, after: text });
  // Drop-ins sorting after ours still win; fix their ports where they name one.
  for (const later of state.dropIns.filter((d) => basename(d.path) > ownName)) {
    const rewritten = rewritePorts(later.text, port);
    if (rewritten !== later.text) changes.push({ path: hostPath(later.path), before: later.text, after: rewritten });
  }
  return changes;
}

function planInPlace(port: number, state: SocketState): FileChange[] {
  const files = [state.unit as UnitText, ...state.dropIns];
  const changes: FileChange[] = [];
  for (const file of files) {
    const rewritten = rewritePorts(file.text, port);
    if (rewritten !== file.text) changes.push({ path: hostPath(file.path), before: file.text, after: rewritten });
  }
  const after = applyChanges(state, changes);
  if (listenPorts(effectiveOf(after)).length === 0) {
    const unit = after.unit as UnitText;
    const text = appendToSection(parseUnitFile(unit.text), 'Socket', 'ListenStream', String(port));
    const index = changes.findIndex((c) => c.path === unit.path);
    if (index >= 0) (changes[index] as FileChange).after = text;
    else changes.push({ path: hostPath(unit.path), before: unit.text, after: text });
  }
  return changes;
}

/** The same text with the port of every port-valued ListenStream= set to `port`. */
export function rewritePorts(text: string, port: number): string {
  const unit = parseUnitFile(text);
  const replacements = new Map<UnitAssignment, string>();
  for (const assignment of listenStreamAssignments(unit)) {
    const value = classifyListen(assignment.value);
    if (value.kind === 'port' && value.port !== port) replacements.set(assignment, formatListen({ ...value, port }));
  }
  return replacements.size === 0 ? text : replaceAssignments(unit, replacements);
}

function applyChanges(state: SocketState, changes: FileChange[]): SocketState {
  const textOf = (file: UnitText): UnitText => {
    const change = changes.find((c) => c.path === file.path);
    return change ? { path: file.path, text: change.after.toString() } : file;
  };
  const dropIns = state.dropIns.map(textOf);
  for (const change of changes) {
    const known = change.path === state.unit?.path || dropIns.some((d) => d.path === change.path);
    if (!known) dropIns.push({ path: String(change.path), text: change.after.toString() });
  }
  dropIns.sort((a, b) => compareNames(basename(a.path), basename(b.path)));
  return { unit: state.unit ? textOf(state.unit) : null, dropIns };
}

function dedupe(values: ListenValue[]): ListenValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = formatListen(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** systemd orders drop-ins by strcmp of their names. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
