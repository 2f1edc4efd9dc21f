import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One datagram received on the notify socket. */
export interface NotifyMessage {
  /** Receive time, ms since the epoch. */
  at: number;
  fields: Record<string, string>;
}

/** A real AF_UNIX SOCK_DGRAM listener standing in for systemd's NOTIFY_SOCKET. */
export interface NotifyListener {
  socketPath: string;
  messages(): NotifyMessage[];
  /** Resolves with the first message (after index `from`) that has `key` (and `value`, when given). */
  waitFor(key: string, value?: string, options?: { from?: number; timeoutMs?: number }): Promise<NotifyMessage>;
  stop(): Promise<void>;
}

// Python's socket module does what Node cannot: bind a unix datagram socket. Each datagram is
// printed as one JSON line; ancillary data (the barrier's fd) is not accepted, so the kernel
// closes it, which is what ends systemd-notify's barrier wait.
const SCRIPT = `
import json, os, socket, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print(json.dumps({"ready": True}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"at": int(time.time() * 1000), "text": data.decode("utf-8", "replace")}), flush=True)
`;

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export async function startNotifyListener(dir: string): Promise<NotifyListener> {
  const socketPath = join(dir, 'notify.sock');
  const child: ChildProcess = spawn(PYTHON, ['-c', SCRIPT, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received: NotifyMessage[] = [];
  let buffer = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as { ready?: boolean; at: number; text: string };
      buffer = buffer.slice(newline + 1);
      if (line.ready) {
        onReady();
        continue;
      }
      const fields: Record<string, string> = {};
      for (const assignment of line.text.split('\n')) {
        const eq = assignment.indexOf('=');
        if (eq > 0) fields[assignment.slice(0, eq)] = assignment.slice(eq + 1);
      }
      received.push({ at: line.at, fields });
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([ready, exited.then(() => Promise.reject(new Error(`${PYTHON} notify listener exited`)))]);
  return {
    socketPath,
    messages: () => received.filter((m) => !('BARRIER' in m.fields)),
    async waitFor(key, value, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      for (;;) {
        const found = received.filter((m) => !('BARRIER' in m.fields)).slice(options.from ?? 0).find((m) => key in m.fields && (value === undefined || m.fields[key] === value));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${key}${value === undefined ? '' : `=${value}`} on the notify socket; got ${JSON.stringify(received.map((m) => m.fields))}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
