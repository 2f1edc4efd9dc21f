import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (getconf CLK_TCK, normally 100). */
export function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

export interface CpuTicks {
  utime: number;
  stime: number;
  /** CPU of waited-for children (the systemctl/firewall-cmd stand-ins a pass runs). */
  cutime: number;
  cstime: number;
}

/** utime/stime/cutime/cstime (fields 14–17) of /proc/<pid>/stat, in clock ticks. */
export function cpuTicks(pid: number): CpuTicks {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number): number => Number(fields[field - 3]);
  return { utime: at(14), stime: at(15), cutime: at(16), cstime: at(17) };
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM, …). */
export function statusKb(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The 1-minute load average. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
