import { execFile } from 'node:child_process';
import type { NotifyResult, ServiceNotifier } from '../host/service-notifier';

/**
 * ServiceNotifier through systemd's own `systemd-notify` (Node has no unix datagram sockets).
 * Without `--no-block` it ends each message with a barrier (sd_notify_barrier, systemd >= 246)
 * and exits only after the manager has read it, so systemd can attribute the message to the
 * unit although the sender is a short-lived child: the unit needs `NotifyAccess=all`.
 */
export class SystemdNotify implements ServiceNotifier {
  constructor(
    private readonly socket: string,
    private readonly program: string = 'systemd-notify',
    private readonly timeoutMs: number = 5000,
  ) {}

  notify(fields: Readonly<Record<string, string>>): Promise<NotifyResult> {
    // Values are one line each: a newline would start another assignment.
    const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/[\r\n]+/g, ' ')}`);
    return new Promise((resolve) => {
      execFile(
        this.program,
        args,
        { timeout: this.timeoutMs, killSignal: 'SIGKILL', env: { NOTIFY_SOCKET: this.socket, PATH: process.env.PATH ?? '/usr/bin:/bin' } },
        (error, _stdout, stderr) => {
          if (!error) return resolve({ ok: true });
          const why = String(stderr).trim().split('\n').pop() || error.message.split('\n')[0] || 'failed';
          resolve({ ok: false, problem: `${this.program}: ${error.killed ? `timed out after ${this.timeoutMs}ms` : why}` });
        },
      );
    });
  }
}
