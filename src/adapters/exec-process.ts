import { readFile, readlink } from 'node:fs/promises';

/** The pid namespace of a process as the kernel names it (`pid:[4026532…]`), or null when it is gone or hidden. */
async function pidNamespace(pid: number | 'self'): Promise<string | null> {
  return readlink(`/proc/${pid}/ns/pid`).catch(() => null);
}

/** Every process below `pid` (children of each of its threads, recursively); bounded in count. */
async function descendants(pid: number, into: number[] = [], limit = 10_000): Promise<number[]> {
  const tasks = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const word of tasks.split(' ')) {
    const child = Number(word);
    if (!Number.isInteger(child) || child <= 0 || into.length >= limit) continue;
    into.push(child);
    await descendants(child, into, limit);
  }
  return into;
}

/**
 * Kill a Docker exec's process (`ExecInspect.Pid`, a pid of the Docker daemon's namespace) with
 * everything it started: the Docker API has no way to stop an exec. Only when that pid is a
 * process of the container (same pid namespace as its init, `State.Pid`) and not of ours: a
 * controller without the host's pid namespace (Swarm) sees other processes at those numbers, and
 * kills nothing. Returns whether it signalled anything.
 */
export async function killExecProcess(execPid: number, containerInitPid: number): Promise<boolean> {
  if (!(execPid > 0) || !(containerInitPid > 0)) return false;
  const [theirs, init, ours] = await Promise.all([pidNamespace(execPid), pidNamespace(containerInitPid), pidNamespace('self')]);
  if (theirs === null || theirs !== init || theirs === ours) return false;
  const below = await descendants(execPid);
  // Stopped first, so that nothing forks while the tree is being killed.
  for (const pid of [execPid, ...below]) signal(pid, 'SIGSTOP');
  for (const pid of [...below, execPid]) signal(pid, 'SIGKILL');
  signal(-execPid, 'SIGKILL'); // its process group (an exec is a session leader)
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
