import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIXED_WIDTHS, type FlowColumns, flowColumns } from './flow-columns.ts';

const fixed = FIXED_WIDTHS.time + FIXED_WIDTHS.direction + FIXED_WIDTHS.verdict + FIXED_WIDTHS.count;
const decidedBy = (columns: FlowColumns, width: number) =>
  width - fixed - columns.pod - columns.peer - columns.source - columns.destination - columns.tier;

test('short values leave the room to "decided by", and no column is cut', () => {
  // 2,000 pods: ns-46/search-22, 10.64.1.100:30297, 10.64.6.247:8080/TCP, no tier.
  const columns = flowColumns({ pod: 15, peer: 15, source: 17, destination: 20, tier: 0 }, 1036, true);
  assert.deepEqual(columns, { pod: 115, peer: 115, source: 130, destination: 150, tier: 0 });
  assert.ok(decidedBy(columns, 1036) >= 240);
});

test('long values give way, the addresses first, then the longer pod name, and "decided by" keeps 200 pixels', () => {
  // The lab: default/demo-app from another-ns/another-client-one, in the NetworkPolicy tier.
  const columns = flowColumns({ pod: 16, peer: 29, source: 16, destination: 17, tier: 13 }, 1036, true);
  assert.equal(decidedBy(columns, 1036), 200);
  assert.equal(columns.source, 88);
  assert.equal(columns.destination, 112);
  assert.equal(columns.pod, 122, 'the shorter name whole');
  assert.ok(columns.peer > columns.pod && columns.peer < 208);
  // Narrower still: both names give way alike, down to 96 pixels.
  const narrow = flowColumns({ pod: 40, peer: 40, source: 16, destination: 17, tier: 13 }, 700, true);
  assert.deepEqual([narrow.pod, narrow.peer], [96, 96]);
});

test('a wide table draws every value whole', () => {
  const columns = flowColumns({ pod: 16, peer: 29, source: 16, destination: 17, tier: 13 }, 1400, false);
  assert.deepEqual(columns, { pod: 122, peer: 208, source: 124, destination: 130, tier: 102 });
});
