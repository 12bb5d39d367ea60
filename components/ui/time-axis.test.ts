import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisLabels, clock, dayAndClock } from './time-axis.ts';

const start = new Date(2026, 11, 2, 15, 13, 0).getTime();
const slices = (count: number, stepMs: number) => Array.from({ length: count }, (_, i) => start + i * stepMs);

test('an axis of one-second slices reads seconds, and no two labels read the same', () => {
  const labels = axisLabels(slices(60, 1000), 40, 16, 1000);
  assert.ok(labels.length >= 5, `${labels.length} labels`);
  assert.equal(new Set(labels.map((label) => label.text)).size, labels.length);
  assert.equal(labels[0]?.text, clock(start, true));
  assert.notEqual(clock(start, true), clock(start));
});

test('times read on the 24-hour clock, hours and minutes with two digits each', () => {
  assert.equal(clock(start), '15:13');
  assert.equal(clock(start + 9_000, true), '15:13:09');
  assert.equal(clock(new Date(2026, 11, 2, 0, 5, 0).getTime()), '00:05');
  assert.equal(clock(new Date(2026, 11, 2, 23, 59, 59).getTime(), true), '23:59:59');
});

test('an axis of minute slices reads minutes, its labels never overlapping nor past its end', () => {
  const labels = axisLabels(slices(60, 60_000), 40, 10, 640);
  assert.equal(labels[0]?.text, '15:13');
  for (const [i, label] of labels.entries()) {
    if (i > 0) assert.ok(label.x - (labels[i - 1]?.x ?? 0) >= 72, `label ${i} overlaps the one before`);
    assert.ok(label.x + 48 <= 640, `label ${i} goes past the end`);
  }
  // A wider axis has room for more of them.
  assert.ok(axisLabels(slices(60, 60_000), 40, 20, 1240).length > labels.length);
});

test('an axis that spans days reads the day with each time; a title says the day unless it is today', () => {
  const labels = axisLabels(slices(48, 3_600_000), 40, 20, 1240);
  assert.equal(labels[0]?.text, '2 Dec 15:13');
  assert.ok(labels.some((label) => label.text.startsWith('3 Dec ')));
  for (const [i, label] of labels.entries())
    if (i > 0) assert.ok(label.x - (labels[i - 1]?.x ?? 0) >= 104, `label ${i} overlaps the one before`);
  assert.equal(dayAndClock(start, start + 3_600_000), '15:13');
  assert.equal(dayAndClock(start, start + 86_400_000), '2 Dec 15:13');
  assert.equal(dayAndClock(0, start).endsWith(clock(0)), true);
});
