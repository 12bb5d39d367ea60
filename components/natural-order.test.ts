import assert from 'node:assert/strict';
import { test } from 'node:test';
import { naturalCompare } from './natural-order.ts';

test('names sort as people read them: numbers by value', () => {
  assert.deepEqual(['ns-10', 'ns-2', 'ns-1', 'api-1', 'ns-1a', 'ns'].sort(naturalCompare), [
    'api-1',
    'ns',
    'ns-1',
    'ns-1a',
    'ns-2',
    'ns-10',
  ]);
});
