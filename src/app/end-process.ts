/**
 * End the process now, even when a thread of Node's pool is blocked in the kernel (a read of a
 * FIFO, a hung network file system): `process.exit()` waits for those threads at exit and would
 * hang forever. The default action of SIGTERM does not wait: the status is "terminated by
 * SIGTERM" (143), which systemd counts as a clean stop.
 */
export function endProcessNow(): void {
  process.removeAllListeners('SIGTERM');
  process.kill(process.pid, 'SIGTERM');
}
