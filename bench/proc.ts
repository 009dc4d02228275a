// Linux /proc readers for the benchmark: a process's resident memory and CPU time, and the machine's
// CPU time, so a run can report peak RSS and how much CPU *other* processes used meanwhile (noise).
import { readFileSync } from 'node:fs';

/** VmRSS / VmHWM of a process in KiB; undefined when /proc is unavailable or the process is gone. */
export function readMemoryKiB(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  const rss = field('VmRSS');
  const hwm = field('VmHWM');
  if (rss === undefined || hwm === undefined) return undefined;
  return { rss, hwm };
}

/** Linux reports process CPU times in USER_HZ ticks, which is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) a process has used so far, in seconds; 0 when unreadable. */
export function processCpuSeconds(pid: number): number {
  return processTicks(pid) / TICKS_PER_SECOND;
}

/** utime + stime of a process in clock ticks (0 when unreadable). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; everything after its closing parenthesis is fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Busy and total clock ticks of the whole machine (all cores), from the first line of /proc/stat.
 * Busy is user + nice + system + steal (a hypervisor's other guests disturb as much as local
 * processes); interrupt and softirq time (loopback networking, disk completions) is left out
 * because it is largely the benchmark's own traffic, which no process is charged for.
 */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { busy: user + nice + system + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return undefined;
  }
}

export interface CpuWindow {
  /**
   * Stop the window: machine CPU use in cores, split into ours (the given pids, plus
   * `extraOwnSeconds` of CPU a process that has already exited reported for the window) and everyone else's.
   */
  stop(extraOwnSeconds?: number): { machineCores: number; ownCores: number; foreignCores: number } | undefined;
}

/**
 * Start measuring CPU use over a window. `pids` are the processes that belong to the benchmark
 * (this process and the servers it started); the rest of the machine's busy time is "foreign" load:
 * other test runs, kernel I/O threads, and so on.
 */
export function startCpuWindow(pids: readonly number[], cores: number): CpuWindow {
  const machineStart = machineTicks();
  const ownStart = pids.reduce((sum, pid) => sum + processTicks(pid), 0);
  return {
    stop(extraOwnSeconds = 0) {
      const machineEnd = machineTicks();
      if (machineStart === undefined || machineEnd === undefined) return undefined;
      const totalDelta = machineEnd.total - machineStart.total;
      if (totalDelta <= 0) return undefined;
      const busyDelta = machineEnd.busy - machineStart.busy;
      const ownDelta = pids.reduce((sum, pid) => sum + processTicks(pid), 0) - ownStart + extraOwnSeconds * TICKS_PER_SECOND;
      const toCores = (ticks: number) => (ticks / totalDelta) * cores;
      return { machineCores: toCores(busyDelta), ownCores: toCores(ownDelta), foreignCores: toCores(Math.max(0, busyDelta - ownDelta)) };
    },
  };
}

/** Sample a process's RSS every `intervalMs` until stopped; reports the largest sample and VmHWM. */
export function sampleMemory(pid: number, intervalMs = 50): { stop(): { peakRssKiB: number; hwmKiB: number } | undefined } {
  let peak = 0;
  let hwm = 0;
  const take = () => {
    const memory = readMemoryKiB(pid);
    if (memory === undefined) return;
    peak = Math.max(peak, memory.rss);
    hwm = Math.max(hwm, memory.hwm);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return hwm === 0 ? undefined : { peakRssKiB: peak, hwmKiB: hwm };
    },
  };
}
