import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addon } from './addon.ts';
import { LAYOUT, MAX_PORT_RANGES } from './layout.ts';

test('the TypeScript codec states the same sizes and offsets as the C compiler made of palisade.h', () => {
  const compiled = addon().layout();
  assert.equal(compiled.maxPortRanges, MAX_PORT_RANGES);
  for (const [name, expected] of Object.entries(LAYOUT)) {
    const actual = compiled[name];
    assert.ok(actual, `the addon reports struct ${name}`);
    assert.equal(actual.size, expected.size, `sizeof(struct ${name})`);
    assert.deepEqual(actual.offsets, expected.offsets, `offsets of struct ${name}`);
  }
});
