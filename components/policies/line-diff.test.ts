import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { changesAnything, lineDiff } from './line-diff.ts';

test('a changed line is shown removed then added, the rest kept', () => {
  assert.deepEqual(lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n'), [
    { kind: 'same', text: 'a' },
    { kind: 'removed', text: 'b' },
    { kind: 'added', text: 'B' },
    { kind: 'same', text: 'c' },
    { kind: 'added', text: 'd' },
  ]);
  assert.deepEqual(lineDiff('', 'x'), [{ kind: 'added', text: 'x' }]);
  assert.equal(changesAnything(lineDiff('same\n', 'same')), false);
});

test('any diff rebuilds both texts and keeps a longest common subsequence', () => {
  const text = fc
    .array(fc.constantFrom('a', 'b', 'c', 'port: 80', ''), { maxLength: 12 })
    .map((lines) => lines.join('\n'));
  fc.assert(
    fc.property(text, text, (before, after) => {
      const diff = lineDiff(before, after);
      const old = diff.filter((line) => line.kind !== 'added').map((line) => line.text);
      const next = diff.filter((line) => line.kind !== 'removed').map((line) => line.text);
      // A last newline ends the last line; it is not a line of its own.
      const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
      assert.deepEqual(old, lines(before));
      assert.deepEqual(next, lines(after));
      if (before === after) assert.equal(changesAnything(diff), false);
    }),
  );
});
