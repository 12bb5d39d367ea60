import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mean, median, percentile, round, seededRandom } from './stats.ts';

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
