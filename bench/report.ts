import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

const root = new URL('../', import.meta.url);

/** Where and on what a benchmark ran, recorded with its figures. */
export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/**
 * Writes a benchmark's results: `bench/results/NAME.json` (the figures), `NAME.svg` (the chart),
 * `NAME.md` (the table) and the same table into the README between `<!-- bench:NAME:start -->`
 * and `<!-- bench:NAME:end -->`.
 */
export function writeResults(name: string, figures: object, chart: string, markdown: string): void {
  writeFileSync(new URL(`bench/results/${name}.json`, root), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(new URL(`bench/results/${name}.svg`, root), chart);
  writeFileSync(new URL(`bench/results/${name}.md`, root), `${markdown.trim()}\n`);
  const readmeUrl = new URL('README.md', root);
  const readme = readFileSync(readmeUrl, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
  writeFileSync(
    readmeUrl,
    `${readme.slice(0, from + start.length)}\n${markdown.trim()}\n${readme.slice(to)}`,
  );
}

/** CPU seconds (user + system) the process `pid` has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the whole machine has spent busy (user, system, interrupts) since boot. */
export function machineCpuSeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).map(Number) ?? [];
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

/** The most resident memory a process has held, in MB (the kernel's high-water mark). */
export function peakMemoryMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024);
}

/** Prints a progress line for long benchmark steps. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
