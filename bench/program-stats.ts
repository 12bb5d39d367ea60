import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const STATS_SWITCH = '/proc/sys/kernel/bpf_stats_enabled';

/** What bpftool tells of a pinned program: its size and, while the kernel keeps stats, its run time. */
export interface ProgramStats {
  /** Instructions after the verifier's rewriting (what runs, before JIT). */
  readonly instructions: number;
  readonly bytesJited: number;
  /** Nanoseconds spent in the program since stats were enabled (0 when they never were). */
  readonly runTimeNs: number;
  readonly runCount: number;
}

/** Reads bpftool's JSON for one program. */
export function parseProgramStats(json: string): ProgramStats {
  const raw = JSON.parse(json) as {
    bytes_xlated?: number;
    bytes_jited?: number;
    run_time_ns?: number;
    run_cnt?: number;
  };
  if (raw.bytes_xlated === undefined) throw new Error('bpftool printed no program');
  return {
    instructions: raw.bytes_xlated / 8,
    bytesJited: raw.bytes_jited ?? 0,
    runTimeNs: raw.run_time_ns ?? 0,
    runCount: raw.run_cnt ?? 0,
  };
}

export function programStats(pin: string): ProgramStats {
  return parseProgramStats(
    execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', pin], { encoding: 'utf8' }),
  );
}

/**
 * Runs `work` with the kernel timing every BPF program run (kernel.bpf_stats_enabled), and puts
 * the switch back as it was. The timing itself costs a little per run, so other figures are never
 * taken while it is on.
 */
export function withProgramStats<T>(work: () => T): T {
  const before = readFileSync(STATS_SWITCH, 'utf8').trim();
  writeFileSync(STATS_SWITCH, '1');
  try {
    return work();
  } finally {
    writeFileSync(STATS_SWITCH, before);
  }
}
