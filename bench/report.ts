import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gunzipSync } from 'node:zlib';

const root = new URL('../', import.meta.url);

/** Where and on what a benchmark ran, recorded with its figures. */
export function machine() {
  const charged = interruptsCharged();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString(),
    ...(charged === undefined ? {} : { interruptsCharged: charged }),
  };
}

/**
 * Whether the kernel charges the time of interrupts and softirqs (a load's packets) to whichever
 * process is running then, as it does without CONFIG_IRQ_TIME_ACCOUNTING; unknown without
 * /proc/config.gz.
 */
function interruptsCharged(): boolean | undefined {
  try {
    return !/^CONFIG_IRQ_TIME_ACCOUNTING=y$/m.test(gunzipSync(readFileSync('/proc/config.gz')).toString());
  } catch {
    return undefined;
  }
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

/** Prints a progress line for long benchmark steps. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
