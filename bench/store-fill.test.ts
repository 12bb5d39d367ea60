import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FlowStore } from '../server/flows/flow-store.ts';
import { fillStore } from './store-fill.ts';

test('a filled store holds the flows asked for, of as many pods, older than what comes next', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-fill-')), 'flows.sqlite');
  new FlowStore(path).close();
  const until = 1_800_000_000_000;
  fillStore(path, 5000, 100, until);
  const store = new FlowStore(path);
  assert.equal(store.count(), 5000);
  const newest = store.query({ limit: 5000 });
  assert.equal(new Set(newest.map((flow) => flow.pod)).size, 100);
  assert.ok(newest.every((flow) => flow.time < until && flow.time >= until - 3_600_000));
  assert.equal(store.query({ verdict: 'deny', limit: 5000 }).length, 500);
  store.close();
});
