import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { COCKPIT_WS } from '../../harness/websoft9-host/cockpit-ws';
import { delay } from '../../harness/docker-cli';

const execFileAsync = promisify(execFile);

/** Where the hook keeps systemd's state, relative to the emulated root. */
export const SYSTEMD_STATE_DIR = 'systemd';

/** Options of {@link systemdSocketHook}. */
export interface SystemdSocketHookOptions {
  /** The socket unit's file, relative to the emulated root (e.g. `lib/systemd/system/cockpit.socket`). */
  unitPath: string;
  /** Its drop-in directory, relative to the emulated root (e.g. `etc/systemd/system/cockpit.socket.d`). */
  dropInDir: string;
  /** Unit name the hook answers for. Default `cockpit.socket`. */
  unit?: string;
  /** Safety net: each cockpit-ws runs under `timeout` and dies after this many seconds. Default 120. */
  lifetimeSeconds?: number;
}

const SAFE_PATH = /^[A-Za-z0-9._/@-]+$/;

/**
 * A `systemctl` stand-in hook (for `EmulatedHost.setCommandHook('systemctl', …)`) that does what
 * systemd does for a socket unit served by the real cockpit-ws:
 * - `daemon-reload` loads the effective `ListenStream=` list: the unit's `[Socket]` section, then
 *   `<dropInDir>/*.conf` in lexical order, an empty value resetting the list;
 * - `start|restart|reload-or-restart <unit>` stops what runs and starts
 *   `cockpit-ws --no-tls --address 127.0.0.1 --port P` for every loaded TCP port (loading the files
 *   first when nothing was loaded yet, as at boot); a restart without daemon-reload keeps the
 *   old configuration, as systemd does;
 * - `stop <unit>` stops cockpit-ws. Anything else is accepted and ignored.
 * The unit parsing is a separate awk implementation on purpose: the test grades the controller's
 * files by what an independent reading makes of them, not by the controller's own parser.
 * State (loaded values, pids, cockpit-ws's log) lives in `<root>/systemd/`.
 */
export function systemdSocketHook(options: SystemdSocketHookOptions): string {
  const unit = options.unit ?? 'cockpit.socket';
  for (const value of [options.unitPath, options.dropInDir, unit]) {
    if (!SAFE_PATH.test(value)) throw new Error(`unsupported characters in ${JSON.stringify(value)}`);
  }
  const lifetime = Math.max(1, Math.floor(options.lifetimeSeconds ?? 120));
  return `#!/bin/sh
# systemd stand-in for ${unit}, served by the real cockpit-ws (test/support/systemd-socket-hook.ts).
set -u
LC_ALL=C
export LC_ALL
state="$RECORD_ROOT/${SYSTEMD_STATE_DIR}"
unit_file="$RECORD_ROOT/${options.unitPath}"
dropin_dir="$RECORD_ROOT/${options.dropInDir}"
loaded="$state/${unit}.listen"
pids="$state/cockpit-ws.pids"
mkdir -p "$state"

# Prints the effective ListenStream= values, one a line.
effective() {
  if [ ! -f "$unit_file" ]; then
    echo "Unit ${unit} not found." >&2
    return 5
  fi
  set -- "$unit_file"
  for f in "$dropin_dir"/*.conf; do
    [ -f "$f" ] && set -- "$@" "$f"
  done
  awk '
    FNR == 1 { section = "" }
    /^[ \\t]*[#;]/ { next }
    /^[ \\t]*\\[/ { section = $0; gsub(/[ \\t\\r]/, "", section); next }
    section == "[Socket]" && /^[ \\t]*ListenStream[ \\t]*=/ {
      value = $0
      sub(/^[^=]*=[ \\t]*/, "", value)
      sub(/[ \\t\\r]+$/, "", value)
      if (value == "") n = 0
      else list[++n] = value
    }
    END { for (i = 1; i <= n; i++) print list[i] }
  ' "$@"
}

# The TCP port of a ListenStream= value (9090, 0.0.0.0:9090, [::]:9090); fails for paths.
port_of() {
  case "$1" in
    /* | @*) return 1 ;;
    *:*) p=\${1##*:} ;;
    *) p=$1 ;;
  esac
  case "$p" in '' | *[!0-9]*) return 1 ;; esac
  echo "$p"
}

load() {
  values=$(effective) || return $?
  printf '%s\\n' "$values" > "$loaded.tmp" && mv "$loaded.tmp" "$loaded"
}

# Alive and not a zombie (nobody may reap orphans here).
alive() {
  s=$(sed -n 's/^State:[[:space:]]*\\([A-Z]\\).*/\\1/p' "/proc/$1/status" 2>/dev/null)
  [ -n "$s" ] && [ "$s" != Z ]
}

stop() {
  [ -f "$pids" ] || return 0
  for pid in $(cat "$pids"); do
    case "$(tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" in
      # The pid is timeout's, leader of its own process group: the group holds cockpit-ws.
      *cockpit-ws*) kill -TERM "-$pid" 2>/dev/null ;;
    esac
  done
  for pid in $(cat "$pids"); do
    i=0
    while [ "$i" -lt 50 ] && alive "$pid"; do
      sleep 0.1
      i=$((i + 1))
    done
  done
  rm -f "$pids"
}

start() {
  [ -f "$loaded" ] || load || return $?
  for value in $(cat "$loaded"); do
    port=$(port_of "$value") || continue
    timeout ${lifetime} ${COCKPIT_WS} --no-tls --address 127.0.0.1 --port "$port" \\
      < /dev/null >> "$state/cockpit-ws.log" 2>&1 &
    echo "$!" >> "$pids"
    echo "$(date +%s) started cockpit-ws on 127.0.0.1:$port (pid $!)" >> "$state/events.log"
  done
}

case "\${1:-} \${2:-}" in
  "daemon-reload "*) load ;;
  "start ${unit}" | "restart ${unit}" | "reload-or-restart ${unit}") stop; start ;;
  "stop ${unit}") stop ;;
  *) exit 0 ;;
esac
`;
}

/** Runs the installed hook directly (not recorded), as a package's maintainer script would call systemctl. */
export async function runSystemctlHook(root: string, args: readonly string[]): Promise<void> {
  await execFileAsync(path.join(root, 'hooks', 'systemctl'), [...args], {
    env: { ...process.env, RECORD_ROOT: root },
    timeout: 30_000,
  });
}

/** The ports the hook loaded at its last daemon-reload (or boot), [] before any. */
export async function loadedListenStreams(root: string, unit = 'cockpit.socket'): Promise<string[]> {
  try {
    return (await fs.readFile(path.join(root, SYSTEMD_STATE_DIR, `${unit}.listen`), 'utf8')).split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

async function isCockpitWs(pid: number): Promise<boolean> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    if (/^State:\s*Z/m.test(status)) return false;
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('cockpit-ws');
  } catch {
    return false;
  }
}

async function recordedPids(root: string): Promise<number[]> {
  try {
    const text = await fs.readFile(path.join(root, SYSTEMD_STATE_DIR, 'cockpit-ws.pids'), 'utf8');
    return text
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

/**
 * Stops every cockpit-ws the hook started under `root` (its recorded pids, checked to still be
 * cockpit-ws): SIGTERM, then SIGKILL after 3 s. Resolves to the pids that were still running.
 */
export async function stopRecordedCockpitWs(root: string): Promise<number[]> {
  const running: number[] = [];
  for (const pid of await recordedPids(root)) if (await isCockpitWs(pid)) running.push(pid);
  // Each recorded pid is `timeout`'s, leader of its own process group (cockpit-ws is in it).
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 3000;
  for (const pid of running) {
    while ((await isCockpitWs(pid)) && Date.now() < deadline) await delay(50);
    if (await isCockpitWs(pid)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return running;
}

/** The cockpit-ws processes the hook started under `root` that are still running. */
export async function runningCockpitWs(root: string): Promise<number[]> {
  const running: number[] = [];
  for (const pid of await recordedPids(root)) if (await isCockpitWs(pid)) running.push(pid);
  return running;
}

/**
 * Teardown of a test that booted Cockpit through the hook: `systemctl stop cockpit.socket`, then
 * any cockpit-ws still left; returns the ones running after that (a test asserts there are none).
 */
export async function stopCockpitSocket(root: string): Promise<number[]> {
  await runSystemctlHook(root, ['stop', 'cockpit.socket']).catch(() => undefined);
  await stopRecordedCockpitWs(root);
  return runningCockpitWs(root);
}

/** The hook's event log and cockpit-ws's output (for failure messages). */
export async function hookLogs(root: string): Promise<string> {
  const read = (name: string): Promise<string> => fs.readFile(path.join(root, SYSTEMD_STATE_DIR, name), 'utf8').catch(() => '');
  return `events:\n${await read('events.log')}cockpit-ws:\n${await read('cockpit-ws.log')}`;
}
