import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where our programs' time goes in live traffic, from a sampling profile of the whole machine
 * (`perf record -a -g` on the cpu-clock, which needs no hardware counters): each sample taken
 * inside one of our programs counts for what the program was doing, by the function it had called.
 */
export interface LiveProfile {
  /** Samples of the whole machine, and of them those inside our programs (their callees included). */
  readonly samples: number;
  readonly inPrograms: number;
  /** Of the samples in our programs, the share of each part (0 to 1), largest first. */
  readonly parts: readonly { readonly part: string; readonly share: number }[];
}

/** The parts a program's time is shared into, by the kernel function the program called (the frame below it). */
const CALLED: readonly [RegExp, string][] = [
  [/^(lookup_nulls_elem_raw|__htab_map_lookup_elem|htab_map_hash|memcmp)$/, 'hash map lookups'],
  [/^(trie_lookup_elem|longest_prefix_match)/, 'prefix (LPM trie) lookups'],
  [/^htab_(lru_)?map_update_elem$/, 'conntrack insert (LRU hash)'],
  [/^bpf_ktime_get/, 'clock'],
  [/^(bpf_ringbuf_|__bpf_ringbuf_)/, 'flow event (ring buffer)'],
  [/^bpf_skb_load_bytes/, 'packet read through the helper'],
];
const OWN_CODE = 'their own instructions';
const PARSING = 'their own instructions: parse()';
const OTHER = 'other kernel work while they ran (interrupts included)';

/**
 * Shares the samples of `perf script -F ip,sym` output (one block of frames a sample, leaf first,
 * blocks apart by a blank line) among the parts of our programs, whose JIT symbols `isOurs` tells.
 */
export function programParts(script: string, isOurs: (symbol: string) => boolean): LiveProfile {
  const counts = new Map<string, number>();
  let samples = 0;
  let inPrograms = 0;
  for (const block of script.split(/\n\s*\n/)) {
    const frames = block
      .split('\n')
      .map((line) => /^\s*[0-9a-f]+ (\S+)/.exec(line)?.[1])
      .filter((symbol): symbol is string => symbol !== undefined);
    if (frames.length === 0) continue;
    samples++;
    const at = frames.findIndex(isOurs);
    if (at < 0) continue;
    inPrograms++;
    const called = frames[at - 1];
    const part =
      called === undefined
        ? (frames[at] ?? '').endsWith('_parse')
          ? PARSING
          : OWN_CODE
        : (CALLED.find(([pattern]) => pattern.test(called))?.[1] ?? OTHER);
    counts.set(part, (counts.get(part) ?? 0) + 1);
  }
  const parts = [...counts]
    .map(([part, count]) => ({ part, share: count / Math.max(inPrograms, 1) }))
    .sort((a, b) => b.share - a.share);
  return { samples, inPrograms, parts };
}

/** The JIT symbol of a program or subprogram of ours: bpf_prog_TAG_NAME, NAME palisade_* or parse. */
export const isPalisadeProgram = (symbol: string) => /^bpf_prog_[0-9a-f]+_(palisade_\w+|parse)$/.test(symbol);

/**
 * Profiles the whole machine while `work` runs (synchronously), 4999 samples a second on each CPU,
 * and shares the samples in our programs among their parts. Needs `perf` (Debian: linux-perf).
 */
export async function profileLive(work: () => void): Promise<LiveProfile> {
  try {
    execFileSync('perf', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'the live profile needs perf: apt-get install linux-perf (scripts/setup.sh installs it as root)',
    );
  }
  const folder = mkdtempSync(join(tmpdir(), 'palisade-profile-'));
  const data = join(folder, 'perf.data');
  try {
    const recorder = spawn(
      'perf',
      ['record', '-a', '-g', '-F', '4999', '-e', 'cpu-clock', '-q', '-o', data],
      {
        stdio: 'ignore',
      },
    );
    const exited = once(recorder, 'exit');
    // perf needs a moment to set up its sampling on every CPU before the work starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      work();
    } finally {
      recorder.kill('SIGINT');
    }
    await exited;
    const script = execFileSync('perf', ['script', '-i', data, '-F', 'ip,sym'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return programParts(script, isPalisadeProgram);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
