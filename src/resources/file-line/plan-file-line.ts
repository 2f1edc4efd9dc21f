import type { FilePath } from '../../host/file-system';
import { withScope, type Plan, type PlanOptions, type CommandStep } from '../plan';

/**
 * The target file as observed: where it is (and the volume it must stay in), its bytes as a
 * byte string (core/bytes), or why it is not there (`unsafe`: refused, reason UnsafePath).
 */
export type FileLineState =
  | { found: true; /** A HostPath the configuration names, or a ConfinedPath inside the volume. */ path: FilePath; text: string }
  | { found: false; message: string; unsafe?: boolean };

export interface FileLineSettings {
  match: RegExp;
  /** Contains `{value}`. */
  template: string;
  after: CommandStep[];
}

/** The line the template gives for a value. */
export function renderLine(template: string, value: string): string {
  return template.split('{value}').join(value);
}

/**
 * Pure: every line matching `match` becomes the rendered line (its indentation kept); when no
 * line matches, the rendered line is appended. Line ends (LF or CRLF) are kept.
 */
export function planFileLine(value: string, state: FileLineState, settings: FileLineSettings, options: PlanOptions): Plan {
  if (!state.found) return state.unsafe ? { changes: [], commands: [], problem: state.message, problemReason: 'UnsafePath' } : { changes: [], commands: [], absent: state.message };
  if (/[\r\n]/.test(value)) return { changes: [], commands: [], problem: 'the value contains a line break' };
  const line = renderLine(settings.template, value);
  const after = setLine(state.text, settings.match, line);
  // A line that `match` does not find again would be added (or rewritten) on every pass.
  if (setLine(after, settings.match, line) !== after) return { changes: [], commands: [], problem: `\`match\` does not find the line the template gives (${line}); it would be written on every pass` };
  if (after === state.text) return withScope({ changes: [], commands: options.retryCommands ? settings.after : [] }, [state.path]);
  return withScope({ changes: [{ path: state.path, before: state.text, after }], commands: settings.after }, [state.path]);
}

/** The text with the matching lines set to `line` (or `line` appended). */
export function setLine(text: string, match: RegExp, line: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // Odd indexes are the line ends, each kept as it is (a file may mix LF and CRLF).
  const parts = text.split(/(\r?\n)/);
  let found = false;
  const out = parts.map((current, index) => {
    if (index % 2 === 1 || !match.test(current)) return current;
    found = true;
    const indent = /^\s*/.exec(current)?.[0] ?? '';
    return indent + line;
  });
  if (found) return out.join('');
  if (text === '') return `${line}${eol}`;
  const body = text.endsWith('\n') ? text : `${text}${eol}`;
  return `${body}${line}${eol}`;
}

/** The first matching line, trimmed, for the status (null when none). */
export function currentLine(text: string, match: RegExp): string | null {
  return text.split(/\r?\n/).find((l) => match.test(l))?.trim() ?? null;
}
