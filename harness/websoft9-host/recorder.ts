import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import type { EmulatedHost } from './emulated-host';
import { isErrno } from './host-files';

/** The recording stand-in; derives the root from its own path, so the script holds no paths. */
const RECORDER_SCRIPT = `#!/bin/sh
# Recording stand-in for systemctl / firewall-cmd, written by harness/websoft9-host/recorder.ts.
# Usage: record TOOL ARGS...  Appends "TOOL ARGS..." (tab/newline-free) to <root>/commands.log.
root=\${0%/bin/record}
tool=\${1:-}
line=$(printf '%s' "$*" | tr '\\t\\n' '  ')
printf '%s\\n' "$line" >> "$root/commands.log"
if [ -e "$root/fail-$tool" ]; then
  match=$(cat "$root/fail-$tool")
  fail=0
  if [ -z "$match" ]; then
    fail=1
  else
    case "$line" in *"$match"*) fail=1 ;; esac
  fi
  if [ "$fail" = 1 ]; then
    echo 'simulated failure' >&2
    exit 1
  fi
fi
if [ -n "$tool" ] && [ -x "$root/hooks/$tool" ]; then
  shift
  RECORD_ROOT=$root exec "$root/hooks/$tool" "$@"
fi
if [ "$tool" = firewall-cmd ]; then
  for arg in "$@"; do
    if [ "$arg" = --state ]; then
      if [ -e "$root/firewalld-not-running" ]; then
        echo 'not running' >&2
        exit 252
      fi
      echo running
      exit 0
    fi
  done
fi
exit 0
`;

/** The recorder's controls of {@link EmulatedHost}: failures, firewalld's state, hooks, the log. */
export type RecorderControls = Pick<
  EmulatedHost,
  'failCommand' | 'clearFailure' | 'setFirewalldRunning' | 'setCommandHook' | 'commands' | 'clearCommands'
>;

/** Writes `<root>/bin/record` and `<root>/hooks/`; returns the controls of that recorder. */
export async function installRecorder(root: string, recorderPath: string, commandsLogPath: string): Promise<RecorderControls> {
  await fs.mkdir(path.dirname(recorderPath), { recursive: true });
  await fs.writeFile(recorderPath, RECORDER_SCRIPT, { mode: 0o755 });
  await fs.mkdir(path.join(root, 'hooks'));
  const flagFile = (name: string): string => path.join(root, name);
  return {
    failCommand: (tool, match = '') => fs.writeFile(flagFile(`fail-${tool}`), match),
    clearFailure: (tool) => fs.rm(flagFile(`fail-${tool}`), { force: true }),
    setFirewalldRunning: (running) =>
      running ? fs.rm(flagFile('firewalld-not-running'), { force: true }) : fs.writeFile(flagFile('firewalld-not-running'), ''),
    setCommandHook: async (tool, script) => {
      const hook = path.join(root, 'hooks', tool);
      if (script === null) await fs.rm(hook, { force: true });
      else await fs.writeFile(hook, script.startsWith('#!') ? script : `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    },
    commands: async () => {
      try {
        return (await fs.readFile(commandsLogPath, 'utf8')).split('\n').filter((line) => line !== '' && !line.startsWith('systemctl show '));
      } catch (error: unknown) {
        if (isErrno(error, 'ENOENT')) return [];
        throw error;
      }
    },
    clearCommands: () => fs.rm(commandsLogPath, { force: true }),
  };
}
