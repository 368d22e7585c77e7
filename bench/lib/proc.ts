/**
 * Per-process CPU and memory from Linux's own accounting (/proc/<pid>/stat and /status), so a benchmark can say
 * which process a cost lands in (Temporal server, worker, webhook) instead of one blurred wall-clock figure.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: split after its closing one
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process has exited
  }
}

/** CPU seconds (user + system) the process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // after the name: state(0) ppid(1) ... utime(11) stime(12)
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
}

/** Resident memory, bytes (VmRSS); 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** This process's own CPU seconds (user + system), finer-grained than /proc's 10 ms ticks. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU meters over named processes: `take()` before and after a run, `delta()` the seconds each used between. */
export type CpuSample = Record<string, number>;

export function sampleCpu(pids: Readonly<Record<string, number | undefined>>): CpuSample {
  const out: CpuSample = { bench: ownCpuSeconds() };
  for (const [name, pid] of Object.entries(pids)) out[name] = pid === undefined ? 0 : cpuSeconds(pid);
  return out;
}

export function cpuDelta(before: CpuSample, after: CpuSample): CpuSample {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
}

/**
 * CPU seconds per second each process uses while nothing is asked of it (pollers, the server's own timers and
 * housekeeping), over `ms` of quiet: subtracted from a run's figures so that a lifecycle that waits 10 s for its
 * expiry is not charged for 10 s of everybody's idling.
 */
export async function idleRates(
  pids: () => Readonly<Record<string, number | undefined>>,
  ms: number,
): Promise<CpuSample> {
  const before = sampleCpu(pids());
  await new Promise((r) => setTimeout(r, ms));
  const d = cpuDelta(before, sampleCpu(pids()));
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v / (ms / 1000)]));
}
