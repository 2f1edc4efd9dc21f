import { dirname, join } from 'node:path';
import { describeError } from '../../core/errors';
import type { FileSystem } from '../../host/file-system';
import type { ExtraCondition } from '../plan';
import { parseProcNetTcp, type TcpListener } from './proc-net-tcp';
import type { RunningSocket } from './running-state';

/** A process holding a listening socket. */
export interface PortHolder {
  pid: number;
  /** `/proc/<pid>/comm`: the program's name (at most 15 bytes). */
  program: string;
}

/** The `Listening` condition of a socket resource; `reason` PortInUse stops restarts of the socket. */
export interface ListeningCondition extends ExtraCondition {
  type: 'Listening';
  reason: 'Listening' | 'NotListening' | 'PortInUse' | 'HolderUnknown' | 'ListenCheckFailed' | 'PortUnknown';
}

/** Bounds on the walk of /proc (a host with very many processes or descriptors is not walked further). */
const MAX_PROCESSES = 20_000;
const MAX_DESCRIPTORS = 200_000;

/** Programs allowed to hold Cockpit's port: systemd (the socket) and Cockpit itself (cockpit-ws, cockpit-tls). */
function isExpectedHolder(program: string): boolean {
  return program === 'systemd' || program.startsWith('cockpit');
}

/** What systemd says about the socket unit: it holds `port` when the unit is active and lists it. */
export interface SystemdListen {
  unit: string;
  running: RunningSocket;
}

/**
 * Pure: the condition for `port` from the listeners and the processes found holding them. When
 * /proc hides every holder (another user's process without CAP_SYS_PTRACE, another PID namespace),
 * systemd's word that its socket unit is active and listens on the port makes it True.
 */
export function listeningCondition(port: number, listeners: readonly TcpListener[], holders: readonly PortHolder[], systemd?: SystemdListen): ListeningCondition {
  const mine = listeners.filter((l) => l.port === port);
  if (mine.length === 0) return { type: 'Listening', status: 'False', reason: 'NotListening', message: `nothing listens on TCP port ${port}` };
  const where = [...new Set(mine.map((l) => l.address))].join(', ');
  const foreign = holders.filter((h) => !isExpectedHolder(h.program));
  if (foreign.length > 0) {
    const names = foreign.map((h) => `${h.program} (pid ${h.pid})`).join(', ');
    return { type: 'Listening', status: 'False', reason: 'PortInUse', message: `TCP port ${port} is held by ${names}, not by systemd or cockpit` };
  }
  if (holders.length === 0) {
    const running = systemd?.running;
    if (running?.activeState === 'active' && running.listenPorts?.includes(port)) {
      return { type: 'Listening', status: 'True', reason: 'Listening', message: `TCP port ${port} listening on ${where} (systemd: ${systemd?.unit ?? ''} is active on it)` };
    }
    // Hidden from us (ProtectProc=, another PID namespace): listening, but maybe not Cockpit.
    return { type: 'Listening', status: 'Unknown', reason: 'HolderUnknown', message: `TCP port ${port} listening on ${where}, held by no process visible in /proc` };
  }
  const by = [...new Set(holders.map((h) => h.program))].join(', ');
  return { type: 'Listening', status: 'True', reason: 'Listening', message: `TCP port ${port} listening on ${where} (${by})` };
}

/**
 * The holders found by the last walk of /proc, for the listening sockets they were found for: a
 * pass whose listeners on the port are the same sockets (inodes) reuses them instead of walking
 * every process's descriptors again. A new socket (a restart, a foreign listener) is a new inode.
 */
export class HolderMemo {
  private key = '';
  private holders: PortHolder[] = [];
  /** How many walks of /proc were made (for tests). */
  walks = 0;

  async holdersOf(key: string, walk: () => Promise<PortHolder[]>): Promise<PortHolder[]> {
    if (key !== this.key) {
      this.walks += 1;
      this.holders = await walk();
      this.key = key;
    }
    return this.holders;
  }
}

/**
 * Reads `<procNet>/tcp` and `tcp6` (the host's network namespace with the default `/proc/1/net`;
 * the configuration only accepts `<proc root>/<pid>/net`) and, when something listens on `port`,
 * which processes hold those sockets: the walk of `<proc root>/<pid>/fd` stops once all are found,
 * and is skipped when `memo` holds a walk for the same sockets.
 */
export async function checkListening(
  files: FileSystem,
  procNet: string,
  port: number,
  options: { systemd?: SystemdListen; memo?: HolderMemo } = {},
): Promise<ListeningCondition> {
  let listeners: TcpListener[];
  try {
    const v4 = await files.readFile(join(procNet, 'tcp'));
    const v6 = await files.readFile(join(procNet, 'tcp6'));
    if (v4 === null && v6 === null) return failed(`${procNet}/tcp and tcp6 do not exist`);
    listeners = [...parseProcNetTcp(v4?.toString('latin1') ?? '', 4), ...parseProcNetTcp(v6?.toString('latin1') ?? '', 6)];
  } catch (error) {
    return failed(describeError(error));
  }
  const inodes = new Set(listeners.filter((l) => l.port === port).map((l) => l.inode));
  const walk = (): Promise<PortHolder[]> => findHolders(files, dirname(dirname(procNet)), inodes);
  const key = `${port} ${[...inodes].sort().join(' ')}`;
  const holders = inodes.size === 0 ? [] : options.memo ? await options.memo.holdersOf(key, walk) : await walk();
  return listeningCondition(port, listeners, holders, options.systemd);
}

function failed(message: string): ListeningCondition {
  return { type: 'Listening', status: 'Unknown', reason: 'ListenCheckFailed', message };
}

/** Processes with a descriptor on one of the socket inodes; processes that exit meanwhile are skipped. */
async function findHolders(files: FileSystem, procRoot: string, inodes: ReadonlySet<string>): Promise<PortHolder[]> {
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  const found = new Set<string>();
  const holders: PortHolder[] = [];
  let descriptors = 0;
  const pids = ((await quiet(() => files.listDir(procRoot))) ?? []).filter((n) => /^\d+$/.test(n)).slice(0, MAX_PROCESSES);
  for (const pid of pids) {
    const fds = (await quiet(() => files.listDir(join(procRoot, pid, 'fd')))) ?? [];
    let holds = false;
    for (const fd of fds) {
      if (++descriptors > MAX_DESCRIPTORS) return holders;
      const target = await quiet(() => files.readLink(join(procRoot, pid, 'fd', fd)));
      if (target !== null && wanted.has(target)) {
        holds = true;
        found.add(target);
      }
    }
    if (holds) {
      const comm = await quiet(() => files.readFile(join(procRoot, pid, 'comm'), { maxBytes: 4096 }));
      holders.push({ pid: Number(pid), program: comm === null ? '?' : comm.subarray(0, 64).toString('latin1').trim() });
      // Every socket has a holder: the walk can stop (the rest of /proc is not read).
      if (found.size === wanted.size) return holders;
    }
  }
  return holders;
}

/** A /proc entry that vanished or is not ours to read is "not there", not an error. */
async function quiet<T>(read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch {
    return null;
  }
}
