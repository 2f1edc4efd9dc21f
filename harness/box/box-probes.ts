import { delay } from '../docker-cli';
import type { Box } from './box';

/** One HTTP answer inside the box (curl; plain HTTP on 127.0.0.1). */
export interface BoxHttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A GET inside the box with curl (bounded: 5 s); null when nothing answered. */
export async function boxHttpGet(box: Box, port: number, path = '/', headers: Record<string, string> = {}): Promise<BoxHttpAnswer | null> {
  if (!Number.isInteger(port) || !path.startsWith('/')) throw new Error(`bad request target ${port} ${path}`);
  const extra = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const result = await box.exec(['curl', '-sS', '-m', '5', '-D', '/dev/stdout', ...extra, `http://127.0.0.1:${port}${path}`], { timeoutMs: 30_000 });
  if (result.code !== 0) return null;
  const split = result.stdout.indexOf('\r\n\r\n');
  const head = result.stdout.slice(0, split < 0 ? undefined : split).split('\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  const parsed: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers: parsed, body: split < 0 ? '' : result.stdout.slice(split + 4) };
}

/**
 * Whether Cockpit's real login page answers on 127.0.0.1:port in the box: status 200, the login
 * form's user field, and a Content-Security-Policy naming that very port (cockpit-ws derives it
 * from the request it served).
 */
export async function cockpitAnswersInBox(box: Box, port: number): Promise<boolean> {
  const answer = await boxHttpGet(box, port);
  return (
    answer !== null &&
    answer.status === 200 &&
    answer.body.includes('id="login-user-input"') &&
    (answer.headers['content-security-policy'] ?? '').includes(`127.0.0.1:${port}`)
  );
}

/** One HTTPS answer inside the box (curl -k: self-signed certificates are not verified). */
export interface BoxHttpsAnswer {
  status: number;
  body: string;
  /** The CN of the certificate the server presented. */
  certificateCn: string;
}

/** A GET of https://127.0.0.1:port/path inside the box (bounded: 5 s); null when nothing answered. */
export async function boxHttpsGet(box: Box, port: number, path = '/'): Promise<BoxHttpsAnswer | null> {
  if (!Number.isInteger(port) || !path.startsWith('/')) throw new Error(`bad request target ${port} ${path}`);
  const result = await box.exec(['curl', '-k', '-sS', '-m', '5', '-v', `https://127.0.0.1:${port}${path}`], { timeoutMs: 30_000 });
  if (result.code !== 0) return null;
  const status = Number(/^< HTTP\/[\d.]+ (\d{3})/m.exec(result.stderr)?.[1] ?? 0);
  const certificateCn = /^\*\s+subject:.*?CN\s*=\s*([^,\n]+)/m.exec(result.stderr)?.[1]?.trim() ?? '';
  return { status, body: result.stdout, certificateCn };
}

/**
 * The status line's code of a WebSocket upgrade of `<base>/cockpit/socket` with the given `Origin`
 * inside the box: 101 when cockpit-ws accepts the origin (it then says `no-session` and keeps the
 * socket open: curl's 3 s bound ends it), 403 when it refuses it, 0 when nothing answered.
 * `base` is `http://127.0.0.1:<port>` (Cockpit itself) or `https://127.0.0.1:<port>` (a proxy).
 */
export async function cockpitSocketStatus(box: Box, base: string, origin: string): Promise<number> {
  if (!/^https?:\/\/127\.0\.0\.1:\d{1,5}$/.test(base) || !/^[\x21-\x7e]+$/.test(origin)) throw new Error(`bad probe ${base} ${origin}`);
  const headers = ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: cockpit1', `Origin: ${origin}`];
  const result = await box.exec(['curl', '-N', '-k', '-sS', '-m', '3', '-i', ...headers.flatMap((h) => ['-H', h]), `${base}/cockpit/socket`], { timeoutMs: 30_000 });
  return Number(/^HTTP\/[\d.]+ (\d{3})/.exec(result.stdout)?.[1] ?? 0);
}

/** Polls `check` every 500 ms until it resolves true; rejects after `timeoutMs` with `what`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await delay(500);
  }
}

/**
 * `reconcile status --json` in the box (or `argv`, e.g. the same command in the Compose service):
 * the health rule's verdict and the status file; null when there is none.
 */
export async function boxStatus(box: Box, argv: readonly string[] = ['reconcile', 'status', '--json']): Promise<BoxStatusReport | null> {
  const result = await box.exec(argv);
  try {
    return JSON.parse(result.stdout) as BoxStatusReport;
  } catch {
    return null;
  }
}

/** What `reconcile status --json` prints. */
export interface BoxStatusReport {
  healthy: boolean;
  problems: string[];
  status: BoxControllerStatus;
}

/** The parts of the status file the box tests read. */
export interface BoxControllerStatus {
  controller: { pid: number; startedAt: string };
  lastPass?: { result: string; finishedAt: string };
  stats: { passes: number };
  resources: {
    name: string;
    inSync: boolean;
    desired: unknown;
    observed: unknown;
    conditions: { type: string; status: string; reason: string; message: string }[];
  }[];
}

/** The condition `type` of resource `name` in a status, or undefined. */
export function conditionOf(report: BoxStatusReport | null, name: string, type: string): { status: string; reason: string; message: string } | undefined {
  return report?.status.resources.find((r) => r.name === name)?.conditions.find((c) => c.type === type);
}
