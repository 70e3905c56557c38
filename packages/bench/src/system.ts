// What the benchmark needs from the operating system, Linux first: starting processes with
// enough open files for 10,000 sockets, and reading a process's (or the machine's) CPU time
// and memory from /proc, the same numbers `top` and `ps` show.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { FatalError } from '@socket-lab/common';

/** Clock ticks per second, the unit of CPU times in /proc (`getconf CLK_TCK`, 100 on Linux). */
export const CLOCK_TICKS =
  Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** Every process the bench has started and not yet seen exit, for stopAll(). */
const children = new Set<ChildProcess>();

/** Stops every server and load generator still running (Ctrl+C on the bench). */
export function stopAll(): void {
  for (const child of children) child.kill('SIGTERM');
}

/**
 * Open files (sockets) allowed to a process: [soft, hard], from /proc/self/limits, or null
 * where there is no /proc. What `ulimit -Sn` and `ulimit -Hn` print.
 */
export function fileLimits(): [number, number] | null {
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(
      readFileSync('/proc/self/limits', 'utf8'),
    );
    if (!m) return null;
    const n = (s: string | undefined) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return [n(m[1]), n(m[2])];
  } catch {
    return null;
  }
}

/**
 * Spawns `command`, first raising the soft limit on open files when `fdsNeeded` is above it
 * (a process may raise its own soft limit up to the hard one: `ulimit -n` in a shell, then
 * exec). Throws a FatalError when even the hard limit is too low, saying what to do.
 */
export function spawnWithFdLimit(
  command: string,
  args: readonly string[],
  fdsNeeded: number,
  options: Parameters<typeof spawn>[2],
  cpu: number | null = null,
): ChildProcess {
  // Pinned to one CPU: `taskset -c N` sets the affinity, then runs the command in its place.
  if (cpu !== null) [command, args] = ['taskset', ['-c', String(cpu), command, ...args]];
  const limits = fileLimits();
  let child: ChildProcess;
  if (!limits || limits[0] >= fdsNeeded) {
    child = spawn(command, args, options);
  } else {
    const [soft, hard] = limits;
    if (hard < fdsNeeded) {
      throw new FatalError(
        `this needs about ${fdsNeeded} open files per process, and the limit is ${soft} (hard ${hard}): ` +
          `raise it as root (ulimit -Hn ${fdsNeeded}) or in /etc/security/limits.conf`,
      );
    }
    const raise = `ulimit -n ${fdsNeeded} && exec "$0" "$@"`;
    child = spawn('sh', ['-c', raise, command, ...args], options);
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * The CPUs to pin the server and the load generator to, [server, load], when this machine
 * can: two cores or more, and `taskset` (util-linux) to set the affinity. Otherwise null.
 */
export function pinnableCpus(): [number, number] | null {
  if (availableParallelism() < 2) return null;
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? [0, 1] : null;
}

/** Resident memory of a process in bytes (VmRSS in /proc/PID/status). */
export function readRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Peak resident memory of a process in bytes: VmHWM in /proc/PID/status, the kernel's own
 * high-water mark, so a peak between two samples is not missed. Throws once the process is gone.
 */
export function readPeakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU time of a process, all threads, user + system, in clock ticks (/proc/PID/stat). */
export function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, inside parentheses).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of stat
}

/** CPU time of the whole machine (/proc/stat), busy and in all, in clock ticks; null without /proc. */
export function readMachineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}
