import type { FilePath } from '../../host/file-system';
import { utf8ToByteString } from '../../core/bytes';
import { setIniValue } from '../../files/set-ini-value';
import type { Credentials } from '../../sources/desired';
import type { CommandStep, Plan, PlanOptions } from '../plan';

/** apphub's config.ini as observed, with the two values (undefined when absent). */
export type CredentialsState =
  | {
      found: true;
      /** config.ini: a ConfinedPath inside its volume, or the HostPath of an explicit `path`. */
      path: FilePath;
      /** The file as validated UTF-8 text (decoding and encoding it again gives the same bytes). */
      text: string;
      username: string | undefined;
      password: string | undefined;
    }
  | { found: false; message: string; /** refused: a symlink inside the volume (reason UnsafePath) */ unsafe?: boolean };

export interface CredentialsSettings {
  container: string;
  section: string;
  userKey: string;
  passwordKey: string;
  /** `cli`: apphub's own CLI through the Docker exec API; `ini`: an atomic edit of the file. */
  method: 'cli' | 'ini';
  /** The CLI's argv before `--section S --key K --value V`. */
  cli: string[];
}

/** White space at either end, as Python's `str.strip()` sees it. */
const EDGE_SPACE = /^[\s\u0085\u001c-\u001f]|[\s\u0085\u001c-\u001f]$/;

/** Pure: make `[section] userKey/passwordKey` equal the credentials. Secrets are marked, never shown. */
export function planCredentials(desired: Credentials, state: CredentialsState, settings: CredentialsSettings, options: PlanOptions): Plan {
  if (!state.found) return state.unsafe ? { changes: [], commands: [], problem: state.message, problemReason: 'UnsafePath' } : { changes: [], commands: [], absent: state.message };
  // configparser strips values, so these would never read back as written: rewritten on every pass.
  if (EDGE_SPACE.test(desired.username) || EDGE_SPACE.test(desired.password)) {
    return { changes: [], commands: [], problem: 'the user name or password begins or ends with white space, which config.ini cannot keep' };
  }
  const wrong: [string, string][] = [];
  if (state.username !== desired.username) wrong.push([settings.userKey, desired.username]);
  if (state.password !== desired.password) wrong.push([settings.passwordKey, desired.password]);
  if (wrong.length === 0 && !options.retryCommands) return { changes: [], commands: [] };
  const pairs: [string, string][] = wrong.length > 0 ? wrong : [[settings.userKey, desired.username], [settings.passwordKey, desired.password]];
  if (settings.method === 'ini') {
    if (wrong.length === 0) return { changes: [], commands: [] };
    const after = pairs.reduce((text, [key, value]) => setIniValue(text, settings.section, key, value), state.text);
    // FileChange contents are byte strings: the UTF-8 bytes of the text (validated when read).
    return { changes: [{ path: state.path, before: utf8ToByteString(state.text), after: utf8ToByteString(after), sensitive: true }], commands: [] };
  }
  const commands: CommandStep[] = pairs.map(([key, value]) => ({
    exec: { container: settings.container, argv: [...settings.cli, '--section', settings.section, '--key', key, '--value', value] },
    secrets: [desired.password],
  }));
  return { changes: [], commands };
}
