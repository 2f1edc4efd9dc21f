// The key file is named by the configuration (`path`): a host path.
import { hostPath } from '../../host/file-system';
import { withScope, type CommandStep, type Plan, type PlanOptions } from '../plan';
import { getKeyFileValue, parseKeyFile, setKeyFileValue } from './key-file';

/** Larger than any real cockpit.conf: a bigger file is refused, not edited. */
export const MAX_INI_VALUE_BYTES = 1024 * 1024;

/** The target file as observed: its bytes, or absent. */
export type IniValueState = { path: string; bytes: Buffer | null; /** Why the file was not read (not a regular file, too large). */ refused?: string };

export interface IniValueSettings {
  section: string;
  key: string;
  /** Contains `{value}`. */
  template: string;
  /** Create the file when it is missing (default false: TargetAbsent). */
  create: boolean;
  after: CommandStep[];
}

/** The value the template gives, as the bytes it will have in the file (a latin1 string). */
function renderValue(template: string, value: string): string {
  return Buffer.from(template.split('{value}').join(value), 'utf8').toString('latin1');
}

/** The effective value in the file, decoded for humans (null when absent or unreadable). */
export function observedIniValue(state: IniValueState, settings: Pick<IniValueSettings, 'section' | 'key'>): string | null {
  if (state.bytes === null) return null;
  const parsed = parseKeyFile(state.bytes.toString('latin1'));
  if (!parsed.ok) return null;
  const value = getKeyFileValue(parsed.lines, settings.section, settings.key);
  return value === null ? null : Buffer.from(value, 'latin1').toString('utf8');
}

/**
 * Pure: the write (and commands) that make `[section] key` of the file equal to the template
 * filled with `value`. A file GLib would not parse is not touched (CannotConverge): an edit
 * could not make Cockpit read it.
 */
export function planIniValue(value: string, state: IniValueState, settings: IniValueSettings, options: PlanOptions): Plan {
  if (state.refused !== undefined) return { changes: [], commands: [], problem: state.refused };
  if (state.bytes === null && !settings.create) return { changes: [], commands: [], absent: `${state.path} does not exist (set create: true to create it)` };
  const wanted = renderValue(settings.template, value);
  if (/[\r\n]/.test(wanted)) return { changes: [], commands: [], problem: 'the value contains a line break' };
  const before = state.bytes ?? Buffer.alloc(0);
  if (before.length > MAX_INI_VALUE_BYTES) return { changes: [], commands: [], problem: `${state.path} is larger than ${MAX_INI_VALUE_BYTES} bytes` };
  const parsed = parseKeyFile(before.toString('latin1'));
  if (!parsed.ok) return { changes: [], commands: [], problem: `${state.path} line ${parsed.line} ${parsed.problem}; not editing a file GLib would not read` };
  if (getKeyFileValue(parsed.lines, settings.section, settings.key) === wanted && state.bytes !== null) {
    return withScope({ changes: [], commands: options.retryCommands ? settings.after : [] }, [hostPath(state.path)]);
  }
  const after = Buffer.from(setKeyFileValue(parsed.lines, settings.section, settings.key, wanted), 'latin1');
  const path = hostPath(state.path);
  return withScope({ changes: [{ path, before: state.bytes, after, ...(state.bytes === null ? { mode: 0o644 } : {}) }], commands: settings.after }, [path]);
}
