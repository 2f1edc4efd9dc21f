import { promises as fs } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import type { EmulatedHost } from '../../harness/websoft9-host';
import { freePort } from './free-port';
import { readStatusJson, waitFor } from '../../harness/status';

/** Timings for trigger tests: the resync is minutes away, so only file (and Docker) events can explain a correction. */
export const EVENTS_ONLY = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };

const readOrNull = (file: string): Promise<string | null> => fs.readFile(file, 'utf8').catch(() => null);

/** `ListenStream=` values of a unit text's `[Socket]` sections, applied to `list` (an empty value resets it). */
function applyListen(text: string, list: string[]): string[] {
  let out = [...list];
  let inSocket = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (/^\[.*\]$/.test(line)) inSocket = line === '[Socket]';
    const m = /^ListenStream\s*=\s*(.*)$/.exec(line);
    if (inSocket && m) out = m[1] === '' ? [] : [...out, String(m[1])];
  }
  return out;
}

/**
 * What systemd would listen on, read independently of the controller: the vendor unit, then
 * `*.conf` in the drop-in directory in lexical order. Null when the unit is missing.
 */
export async function effectiveListen(host: EmulatedHost): Promise<string[] | null> {
  const unit = await readOrNull(host.unitPath);
  if (unit === null) return null;
  let list = applyListen(unit, []);
  const names = (await fs.readdir(host.dropInDir).catch(() => [] as string[])).filter((n) => n.endsWith('.conf')).sort();
  for (const name of names) list = applyListen((await readOrNull(path.join(host.dropInDir, name))) ?? '', list);
  return list;
}

/** Whether the host is what `port` asks for: systemd listens on it alone, and every existing cockpit.xml says it. */
export async function hostIsOn(host: EmulatedHost, port: number): Promise<boolean> {
  const listen = await effectiveListen(host);
  if (listen === null || listen.length !== 1 || listen[0] !== String(port)) return false;
  for (const file of host.firewalldFiles) {
    const xml = await readOrNull(file);
    if (xml === null) continue;
    const ports = [...xml.matchAll(/port="(\d+)"/g)].map((m) => m[1]);
    if (ports.length === 0 || ports.some((p) => p !== String(port))) return false;
  }
  return true;
}

/**
 * How long a correction may take in a test run with EVENTS_ONLY timings: far below the 10-minute
 * resync, so a correction within it was caused by events; generous, because the machine may be busy.
 * How fast corrections are is bench/'s figure (drift → corrected, docs/benchmarks.md).
 */
const EVENT_BOUND_MS = 60_000;

/** Polls `hostIsOn` every 5 ms; resolves with the time it took (for diagnostics), or throws after {@link EVENT_BOUND_MS} naming `what`. */
export async function convergesByEvents(host: EmulatedHost, port: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await hostIsOn(host, port)) return Date.now() - started;
    if (Date.now() - started > EVENT_BOUND_MS) {
      throw new Error(`${what}: not corrected within ${EVENT_BOUND_MS} ms (listen ${JSON.stringify(await effectiveListen(host))}, dropIns ${JSON.stringify(await fs.readdir(host.dropInDir).catch(() => null))})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Replaces a file by temp file + rename (how dpkg and editors write), creating its directory. */
export async function replaceByRename(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.dpkg-new`, text);
  await fs.rename(`${file}.dpkg-new`, file);
}

export const dropIn = (port: number): string => `[Socket]\nListenStream=\nListenStream=${port}\n`;
export const serviceXml = (port: number): string => `<?xml version="1.0" encoding="utf-8"?>\n<service>\n  <short>Cockpit</short>\n  <port protocol="tcp" port="${port}"/>\n</service>\n`;

/** A controller process with /metrics, on `host` (its config already written). */
export interface WatchedController {
  daemon: DaemonProcess;
  /** `reconciler_watch_repairs_total` from /metrics. */
  watchRepairs(): Promise<number>;
}

export async function startWatchedController(host: EmulatedHost): Promise<WatchedController> {
  const port = await freePort();
  const daemon = startDaemon(['--config', host.configPath, '--metrics-addr', `127.0.0.1:${port}`]);
  await waitFor('the first pass to converge', async () => (await readStatusJson(host.statusPath))?.resources.every((r) => r.inSync));
  const metrics = (): Promise<string> =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
  return {
    daemon,
    watchRepairs: async () => {
      const m = /^reconciler_watch_repairs_total (\d+)$/m.exec(await metrics());
      if (!m) throw new Error('reconciler_watch_repairs_total is not in /metrics');
      return Number(m[1]);
    },
  };
}
