/** Small statistics for benchmark samples. */

/** The nearest-rank percentile `p` (0–100) of `samples`; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/**
 * An interval that holds the median of what `samples` were drawn from with at least `confidence`
 * (0 to 1), whatever their distribution: the k-th lowest and k-th highest sample, k as large as
 * the confidence allows (the number of samples below the median is binomial, n and one half).
 * With too few samples for the confidence, the lowest and highest; NaN when there are none.
 */
export function medianInterval(
  samples: readonly number[],
  confidence: number,
): { readonly low: number; readonly high: number; readonly confidence: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { low: Number.NaN, high: Number.NaN, confidence: 0 };
  // coverage(k) = 1 - 2 * P(Binomial(n, 1/2) < k)
  let below = 0;
  let choose = 1;
  let k = 1;
  let coverage = 1 - 2 * 0.5 ** n;
  for (let next = 2; next <= Math.floor((n + 1) / 2); next++) {
    choose = (choose * (n - (next - 2))) / (next - 1);
    below += choose;
    const nextCoverage = 1 - 2 * (1 + below) * 0.5 ** n;
    if (nextCoverage < confidence) break;
    k = next;
    coverage = nextCoverage;
  }
  return { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN, confidence: coverage };
}

/** The arithmetic mean; NaN when there are no samples. */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  return samples.reduce((sum, sample) => sum + sample, 0) / samples.length;
}

/** Runs `work` `runs` times and returns each run's milliseconds. */
export function timeRuns(runs: number, work: () => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Numbers in [0, 1) that are the same for the same seed (mulberry32), so runs draw the same samples. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));
