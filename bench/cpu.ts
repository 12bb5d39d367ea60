import { readdirSync, readFileSync } from 'node:fs';

/** The machine's CPU time by kind, in seconds since boot (the `cpu` line of /proc/stat). */
export interface MachineCpu {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  /** Time the hypervisor ran something else while this machine wanted to run: not work done here. */
  readonly steal: number;
}

/** USER_HZ: /proc/stat counts in hundredths of a second on Linux. */
const TICKS_PER_SECOND = 100;

/** Parses the aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): MachineCpu {
  const line = text.split('\n').find((candidate) => /^cpu\s/.test(candidate));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 8 || fields.slice(0, 8).some((field) => !Number.isFinite(field)))
    throw new Error(`/proc/stat cpu line has too few numbers: ${line}`);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(
    (ticks) => ticks / TICKS_PER_SECOND,
  ) as [number, number, number, number, number, number, number, number];
  return { user, nice, system, idle, iowait, irq, softirq, steal };
}

/** CPU-seconds spent working (user, system, interrupts), neither idle nor stolen. */
export function busySeconds(cpu: MachineCpu): number {
  return cpu.user + cpu.nice + cpu.system + cpu.irq + cpu.softirq;
}

/** The machine's CPU time now. */
export function machineCpu(): MachineCpu {
  return parseProcStat(readFileSync('/proc/stat', 'utf8'));
}

/** CPU seconds the whole machine has spent busy since boot. */
export function machineCpuSeconds(): number {
  return busySeconds(machineCpu());
}

/** Parses /proc/PID/stat: the CPU seconds (user + system) the process has used. */
export function parseProcessCpu(text: string): number {
  // Fields after the command name (which may hold spaces and parentheses): utime and stime are
  // the 12th and 13th.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc/PID/stat line');
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Parses /proc/PID/stat: the parent's pid. */
export function parseParentPid(text: string): number {
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

/** CPU seconds (user + system) the process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  return parseProcessCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU seconds the threads named `name` of the process `pid` have run so far, as the scheduler
 * counts it (schedstat, in ns): a thread that runs in short bursts between the clock's ticks shows
 * little or no user and system time, which the kernel samples at each tick.
 */
export function threadCpuSeconds(pid: number, name: string): number {
  let seconds = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== name) continue;
      seconds += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return seconds;
}

/** CPU seconds the process `pid` and every process below it use now (a server and its workers). */
export function treeCpuSeconds(pid: number): number {
  const stats = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.set(Number(name), readFileSync(`/proc/${name}/stat`, 'utf8'));
    } catch {
      // Gone meanwhile.
    }
  }
  const children = new Map<number, number[]>();
  for (const [child, text] of stats) {
    const parent = parseParentPid(text);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  let total = 0;
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.pop() as number;
    const text = stats.get(next);
    if (text) total += parseProcessCpu(text);
    queue.push(...(children.get(next) ?? []));
  }
  return total;
}

/** Parses /proc/PID/io: bytes the process handed to write-like calls (files, pipes and sockets). */
export function parseWrittenBytes(text: string): number {
  const value = /^wchar:\s+(\d+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error('/proc/PID/io has no wchar line');
  return Number(value);
}

/** Bytes the process `pid` has written so far (to files and sockets alike). */
export function writtenBytes(pid: number): number {
  return parseWrittenBytes(readFileSync(`/proc/${pid}/io`, 'utf8'));
}

/** Parses /proc/PID/status: the most resident memory the process has held, in MB. */
export function parsePeakMemoryMb(text: string): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(text)?.[1];
  if (kb === undefined) throw new Error('/proc/PID/status has no VmHWM line');
  return Math.round(Number(kb) / 1024);
}

/** The most resident memory a process has held, in MB (the kernel's high-water mark). */
export function peakMemoryMb(pid: number): number {
  return parsePeakMemoryMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
