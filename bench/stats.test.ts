import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mean, median, medianInterval, percentile, round, seededRandom } from './stats.ts';

test('nearest-rank percentiles, median and mean', () => {
  const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(samples, 50), 5);
  assert.equal(percentile(samples, 99), 10);
  assert.equal(percentile(samples, 0), 1);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(mean([1, 2, 3, 6]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(mean([])));
  assert.equal(round(1.23456, 2), 1.23);
});

test('the median’s interval takes the k-th lowest and highest samples for the confidence asked', () => {
  const seven = [70, 10, 60, 20, 50, 30, 40];
  // 7 samples: k = 1 holds the median with 1 - 2/128, k = 2 with 1 - 2 * 8/128, k = 3 with 1 - 2 * 29/128.
  assert.deepEqual(medianInterval(seven, 0.85), { low: 20, high: 60, confidence: 0.875 });
  assert.deepEqual(medianInterval(seven, 0.95), { low: 10, high: 70, confidence: 1 - 2 / 128 });
  assert.deepEqual(medianInterval(seven, 0.5), { low: 30, high: 50, confidence: 1 - 58 / 128 });
  // More samples narrow it: 21 of them hold the median between the 7th and the 15th at 0.85 or more.
  const twentyOne = Array.from({ length: 21 }, (_, i) => i + 1);
  const interval = medianInterval(twentyOne, 0.85);
  assert.deepEqual([interval.low, interval.high], [7, 15]);
  assert.ok(interval.confidence >= 0.85 && interval.confidence < 0.95, String(interval.confidence));
  assert.deepEqual(medianInterval([5], 0.85), { low: 5, high: 5, confidence: 0 });
  assert.ok(Number.isNaN(medianInterval([], 0.85).low));
});

test('a seeded generator repeats itself and spreads over [0, 1)', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const draws = Array.from({ length: 10_000 }, () => a());
  assert.deepEqual(
    draws.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  assert.ok(draws.every((value) => value >= 0 && value < 1));
  const buckets = new Array(10).fill(0);
  for (const value of draws) buckets[Math.floor(value * 10)]++;
  assert.ok(
    buckets.every((bucket) => bucket > 800 && bucket < 1200),
    `buckets ${buckets}`,
  );
  assert.notEqual(seededRandom(8)(), seededRandom(7)());
});
