import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { Flow } from './flow.ts';
import { FlowStore } from './flow-store.ts';

const T0 = 1_800_000_000_000;

/** Flows of two nodes whose times interleave, in batches of varied sizes. */
function interleaved(): Flow[][] {
  const batches: Flow[][] = [];
  let n = 0;
  for (let b = 0; b < 60; b++) {
    const node = b % 2 ? 'node-b' : 'node-a';
    const size = [1, 7, 300, 40, 2][b % 5] as number;
    batches.push(
      Array.from({ length: size }, (_, i) => {
        const k = n++;
        return {
          // Times go back and forth: a batch may hold flows older than the last batch's.
          time: T0 + ((k * 7919) % 5000),
          node,
          pod: `ns-${k % 3}/pod-${k % 5}`,
          direction: k % 2 ? 'egress' : 'ingress',
          verdict: k % 4 ? 'allow' : 'deny',
          kind: k % 4 ? 'new-flow' : 'denied',
          src: k % 9 ? `10.0.${k % 7}.${i % 250}` : `fd00::${(k % 65535).toString(16)}`,
          sport: k % 65536,
          dst: k % 9 ? '10.1.0.1' : 'fd00::1',
          dport: k % 6,
          protocol: 17,
          family: k % 9 ? 4 : 6,
          reason: 'policy',
          tier: 'NetworkPolicy',
          ...(k % 5 ? { peer: `ns-0/peer-${k % 4}` } : {}),
        } satisfies Flow;
      }),
    );
  }
  return batches;
}

/** The same flows, newest first, flows of one millisecond the last stored first. */
const newestFirst = (flows: readonly Flow[]) =>
  flows
    .map((flow, order) => ({ flow, order }))
    .sort((a, b) => b.flow.time - a.flow.time || b.order - a.order)
    .map(({ flow }) => flow);

test('flows in blocks of two nodes, stored in batches large and small, come back as a table of rows would give them', () => {
  const store = new FlowStore(':memory:');
  const batches = interleaved();
  for (const batch of batches) store.add(batch);
  const all = batches.flat();
  assert.equal(store.count(), all.length);
  const times = (flows: readonly Flow[]) => flows.map((flow) => flow.time);
  // Blocks are read newest first and the reading stops early: the answer is still the newest.
  for (const limit of [1, 10, 500, 10_000])
    assert.deepEqual(
      times(store.query({ limit })),
      times(newestFirst(all).slice(0, limit)),
      `limit ${limit}`,
    );
  const since = T0 + 1000;
  const until = T0 + 2000;
  const inRange = all.filter((flow) => flow.time >= since && flow.time <= until && flow.verdict === 'deny');
  assert.deepEqual(
    store.query({ since, until, verdict: 'deny', limit: 10_000 }).map((flow) => [flow.time, flow.sport]),
    newestFirst(inRange).map((flow) => [flow.time, flow.sport]),
  );
  assert.equal(
    store.query({ namespace: 'ns-1', limit: 10_000 }).length,
    all.filter((f) => f.pod?.startsWith('ns-1/')).length,
  );
  assert.equal(
    store.query({ family: 6, port: 0, limit: 10_000 }).length,
    all.filter((f) => f.family === 6 && f.dport === 0).length,
  );

  const buckets = store.histogram({ since: T0, until: T0 + 5000 }, 5);
  assert.deepEqual(
    buckets.map((bucket) => bucket.allowed + bucket.denied),
    [0, 1, 2, 3, 4].map((i) => all.filter((f) => Math.min(Math.floor((f.time - T0) / 1000), 4) === i).length),
  );
  assert.equal(
    buckets.reduce((sum, bucket) => sum + bucket.denied, 0),
    all.filter((f) => f.verdict === 'deny').length,
  );

  const pairs = store.topPairs({ verdict: 'deny' }, 3);
  const counted = new Map<string, number>();
  for (const f of all.filter((one) => one.verdict === 'deny')) {
    const peer = f.peer ?? (f.direction === 'egress' ? f.dst : f.src);
    const key = `${f.pod} ${peer} ${f.direction} ${f.dport}`;
    counted.set(key, (counted.get(key) ?? 0) + 1);
  }
  const top = [...counted.values()].sort((a, b) => b - a).slice(0, 3);
  assert.deepEqual(
    pairs.map((pair) => pair.count),
    top,
  );
  for (const pair of pairs)
    assert.equal(counted.get(`${pair.pod} ${pair.peer} ${pair.direction} ${pair.port}`), pair.count);
});

test('small batches of a node join its newest block; a block past the age limit keeps its newer flows', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const store = new FlowStore(path, { maxRows: 1000, maxAgeMs: 100 });
  const one = (i: number, node = 'node-a'): Flow => ({
    time: T0 + i,
    node,
    direction: 'ingress',
    verdict: 'allow',
    kind: 'new-flow',
    src: '10.0.0.1',
    sport: i,
    dst: '10.0.0.2',
    dport: 80,
    protocol: 6,
    family: 4,
    tier: 'None',
  });
  for (let i = 0; i < 200; i++) store.add([one(i), one(i, 'node-b')]);
  store.close();
  const db = new DatabaseSync(path, { readOnly: true });
  const blocks = db.prepare('SELECT node, count FROM blocks').all();
  db.close();
  assert.equal(blocks.length, 2, 'a block per node, not per batch');
  const reopened = new FlowStore(path, { maxRows: 1000, maxAgeMs: 100 });
  reopened.prune(T0 + 150);
  assert.equal(reopened.count(), 2 * 150, 'flows of the last 100 ms before 150, both nodes');
  assert.deepEqual(reopened.query({ limit: 1000 }).at(-1)?.sport, 50);
  reopened.prune(T0 + 1000);
  assert.equal(reopened.count(), 0);
  reopened.close();
});

test('a store of the last layout with a row per flow and names as ids opens with every flow in blocks', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const old = new DatabaseSync(path);
  old.exec(`
    CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE flows (
      id INTEGER PRIMARY KEY,
      time REAL NOT NULL, node INTEGER NOT NULL, pod INTEGER, direction INTEGER NOT NULL,
      verdict INTEGER NOT NULL, kind INTEGER NOT NULL, reason INTEGER, tier INTEGER NOT NULL DEFAULT 0,
      family INTEGER NOT NULL, src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL,
      protocol INTEGER NOT NULL, policy INTEGER, peer INTEGER, service INTEGER
    );
    CREATE INDEX flows_pod ON flows (pod);
    CREATE TABLE senders (node TEXT NOT NULL, sender TEXT NOT NULL, seq INTEGER NOT NULL,
      time REAL NOT NULL, PRIMARY KEY (node, sender)) WITHOUT ROWID;
    INSERT INTO names (id, name) VALUES (1, 'lab-node-1'), (2, 'default/demo-app'), (3, 'guard'), (4, 'default/client'), (5, 'default/web');
    INSERT INTO senders VALUES ('lab-node-1', 'agent-1', 7, ${T0});
    INSERT INTO flows VALUES
      (1, ${T0}, 1, 2, 1, 1, 1, 0, 1, 6, 'fd00::2', 1000, 'fd00::3', 80, 6, 3, 4, NULL),
      (2, ${T0 + 1}, 1, 2, 0, 0, 0, 2, 2, 4, '10.0.0.9', 2000, '10.96.0.10', 443, 17, NULL, 4, 5);`);
  old.close();
  const store = new FlowStore(path);
  assert.equal(store.count(), 2);
  assert.deepEqual(store.query(), [
    {
      time: T0 + 1,
      node: 'lab-node-1',
      pod: 'default/demo-app',
      direction: 'ingress',
      verdict: 'allow',
      kind: 'new-flow',
      src: '10.0.0.9',
      sport: 2000,
      dst: '10.96.0.10',
      dport: 443,
      protocol: 17,
      family: 4,
      reason: 'cut',
      tier: 'NetworkPolicy',
      peer: 'default/client',
      service: 'default/web',
    },
    {
      time: T0,
      node: 'lab-node-1',
      pod: 'default/demo-app',
      direction: 'egress',
      verdict: 'deny',
      kind: 'denied',
      src: 'fd00::2',
      sport: 1000,
      dst: 'fd00::3',
      dport: 80,
      protocol: 6,
      family: 6,
      reason: 'policy',
      tier: 'Admin',
      policy: 'guard',
      peer: 'default/client',
    },
  ]);
  // The batches already stored are still known: one sent again is not stored twice.
  assert.equal(store.add([], { node: 'lab-node-1', sender: 'agent-1', seq: 7 }), false);
  store.close();
  const db = new DatabaseSync(path, { readOnly: true });
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
  db.close();
  assert.deepEqual(
    tables.map((table) => table.name),
    ['blocks', 'names', 'senders'],
  );
});

test('past the row limit the oldest flows go, wherever they are: a block that spans a long time keeps its newer ones', () => {
  const store = new FlowStore(':memory:', { maxRows: 10, maxAgeMs: 365 * 24 * 3600 * 1000 });
  const at = (time: number, node: string): Flow => ({
    time: T0 + time,
    node,
    direction: 'ingress',
    verdict: 'allow',
    kind: 'new-flow',
    src: '10.0.0.1',
    sport: time,
    dst: '10.0.0.2',
    dport: 80,
    protocol: 6,
    family: 4,
    tier: 'None',
  });
  store.add([at(0, 'quiet')]);
  store.add(Array.from({ length: 10 }, (_, i) => at(i + 1, 'busy')));
  // Joins the quiet node's block, which then spans from 0 to 1000.
  store.add([at(1000, 'quiet')]);
  store.prune(T0 + 1000);
  assert.deepEqual(
    store.query().map((flow) => flow.sport),
    [1000, 10, 9, 8, 7, 6, 5, 4, 3, 2],
  );
});

test('a store whose rows were keyed past JavaScript’s exact integers opens; addresses it held that are none read as 0.0.0.0', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const old = new DatabaseSync(path);
  old.exec(`
    CREATE TABLE flows (id INTEGER PRIMARY KEY, time REAL NOT NULL, node TEXT NOT NULL, pod TEXT,
      direction INTEGER NOT NULL, verdict INTEGER NOT NULL, kind INTEGER NOT NULL, reason INTEGER,
      family INTEGER NOT NULL, src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL,
      dport INTEGER NOT NULL, protocol INTEGER NOT NULL, policy TEXT, peer TEXT, service TEXT);
    INSERT INTO flows VALUES
      (${T0} * 1048576, ${T0}, 'lab-node-1', 'default/a', 0, 0, 0, 0, 4, '10.0.0.1', 1, '10.0.0.2', 80, 6, NULL, NULL, NULL),
      (${T0 + 1} * 1048576, ${T0 + 1}, 'lab-node-1', 'default/a', 0, 1, 1, 0, 4, 'node-a', 2, '300.1.2.3', 80, 6, NULL, NULL, NULL);`);
  old.close();
  const store = new FlowStore(path);
  assert.deepEqual(
    store.query().map((flow) => [flow.sport, flow.src, flow.dst, flow.verdict]),
    [
      [2, '0.0.0.0', '0.0.0.0', 'deny'],
      [1, '10.0.0.1', '10.0.0.2', 'allow'],
    ],
  );
  store.close();
});
