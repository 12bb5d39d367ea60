import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { Flow } from './flow.ts';
import { parseFlowQuery } from './flow-query.ts';
import { FlowStore } from './flow-store.ts';

const flow = (i: number, overrides: Partial<Flow> = {}): Flow => ({
  time: 1_800_000_000_000 + i,
  node: 'lab-node-1',
  pod: i % 2 ? 'default/demo-app' : 'another-ns/client',
  direction: 'ingress',
  verdict: i % 3 ? 'allow' : 'deny',
  kind: i % 3 ? 'new-flow' : 'denied',
  src: '10.77.2.10',
  sport: 40000 + i,
  dst: '10.77.1.10',
  dport: i % 4 ? 80 : 53,
  protocol: 6,
  family: 4,
  reason: i % 5 === 4 ? 'node' : 'policy',
  tier: i % 5 === 4 ? 'None' : 'NetworkPolicy',
  ...(i % 3 ? { policy: 'default/allow' } : {}),
  ...overrides,
});

test('flows are kept on disk, survive reopening, and come back newest first by filter', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const store = new FlowStore(path);
  store.add(Array.from({ length: 30 }, (_, i) => flow(i)));
  store.close();
  const reopened = new FlowStore(path);
  assert.equal(reopened.count(), 30);
  const denied = reopened.query({ verdict: 'deny' });
  assert.equal(denied.length, 10);
  assert.ok(denied.every((item) => item.verdict === 'deny' && item.policy === undefined));
  assert.deepEqual(reopened.query({ limit: 1 })[0], flow(29));
  assert.equal(reopened.query({ namespace: 'another-ns', port: 53 }).length, 8);
  assert.equal(reopened.query({ pod: 'another-ns/client', since: flow(20).time }).length, 5);
  reopened.close();
});

test('the store is bounded by rows and by age', () => {
  const store = new FlowStore(':memory:', { maxRows: 100, maxAgeMs: 1000 });
  store.add(Array.from({ length: 250 }, (_, i) => flow(i)));
  store.prune(flow(0).time + 500);
  assert.equal(store.count(), 100);
  assert.equal(store.query({ limit: 10_000 }).at(-1)?.sport, 40150);
  store.prune(flow(249).time + 1001);
  assert.equal(store.count(), 0);
});

test('flow queries from URLs name the bad parameter', () => {
  assert.deepEqual(
    parseFlowQuery(new URLSearchParams('verdict=deny&port=80&namespace=default&service=a/b')),
    {
      verdict: 'deny',
      direction: undefined,
      reason: undefined,
      tier: undefined,
      family: undefined,
      namespace: 'default',
      pod: undefined,
      service: 'a/b',
      port: 80,
      since: undefined,
      until: undefined,
      limit: undefined,
    },
  );
  assert.throws(() => parseFlowQuery(new URLSearchParams('verdict=maybe')), /must be one of allow, deny/);
  assert.throws(
    () => parseFlowQuery(new URLSearchParams('port=99999')),
    (error: { field?: string }) => error.field === 'port',
  );
});

test('a store written before flows named their peer opens, keeps its rows, and takes peers from then on', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const old = new DatabaseSync(path);
  old.exec(`CREATE TABLE flows (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, node TEXT NOT NULL, pod TEXT,
    direction TEXT NOT NULL, verdict TEXT NOT NULL, kind TEXT NOT NULL, src TEXT NOT NULL,
    sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL, protocol INTEGER NOT NULL, policy TEXT)`);
  old.exec(`INSERT INTO flows (time, node, direction, verdict, kind, src, sport, dst, dport, protocol)
    VALUES (1, 'lab-node-1', 'ingress', 'deny', 'denied', '10.77.2.10', 40000, '10.77.1.10', 80, 6)`);
  old.close();
  const store = new FlowStore(path);
  store.add([flow(1, { peer: 'default/client-one', service: 'default/demo-app' })]);
  assert.deepEqual(
    store.query({}).map((stored) => [stored.peer, stored.service]),
    [
      ['default/client-one', 'default/demo-app'],
      [undefined, undefined],
    ],
  );
  assert.equal(
    store.query({ service: 'default/demo-app' }).length,
    1,
    'flows through a Service, by its name',
  );
  store.close();
});

test('a large batch is stored whole, every field of every flow in place', () => {
  const store = new FlowStore(':memory:');
  const flows = Array.from({ length: 150 }, (_, i) =>
    flow(i, i === 149 ? { peer: 'default/client-one', service: 'default/demo-app' } : {}),
  );
  store.add(flows);
  assert.equal(store.count(), 150);
  const stored = store.query({ limit: 1000 });
  assert.deepEqual(
    stored.map((one) => ({ ...one })).sort((a, b) => a.time - b.time),
    flows,
  );
});

test('a stored flow to a ClusterIP gets the backend learnt after it, and only that flow', () => {
  const store = new FlowStore(':memory:');
  const toService = (i: number) =>
    flow(i, {
      direction: 'egress',
      verdict: 'allow',
      kind: 'new-flow',
      dst: '10.96.0.80',
      service: 'default/demo-app',
    });
  store.add([toService(1), toService(2)]);
  store.nameBackends([{ ...toService(1), peer: 'default/demo-app' }]);
  assert.deepEqual(
    store.query({ service: 'default/demo-app' }).map((stored) => [stored.sport, stored.peer]),
    [
      [40002, undefined],
      [40001, 'default/demo-app'],
    ],
  );
});

test('each flow keeps why the kernel decided and its family, and both filter', () => {
  const store = new FlowStore(':memory:');
  store.add([
    ...Array.from({ length: 10 }, (_, i) => flow(i)),
    flow(12, { reason: 'cut' }),
    flow(10, { reason: 'icmp', protocol: 1, sport: 0, dport: 0 }),
    flow(11, { family: 6, src: 'fd00:77::2:10', dst: 'fd00:77::1:10', reason: 'deny-all' }),
  ]);
  assert.deepEqual(
    store.query({ reason: 'node' }).map((one) => one.sport),
    [40009, 40004],
  );
  assert.deepEqual(store.query({ reason: 'cut' }), [flow(12, { reason: 'cut' })]);
  assert.equal(store.query({ reason: 'icmp' })[0]?.protocol, 1);
  assert.deepEqual(
    store.query({ family: 6 }).map((one) => [one.src, one.reason]),
    [['fd00:77::2:10', 'deny-all']],
  );
  assert.equal(store.query({ family: 4 }).length, 12);
  assert.deepEqual(parseFlowQuery(new URLSearchParams('reason=fragment&family=6')), {
    ...parseFlowQuery(new URLSearchParams()),
    reason: 'fragment',
    family: 6,
  });
  assert.throws(() => parseFlowQuery(new URLSearchParams('reason=luck')), /reason.*policy, node, cut/s);
  assert.throws(() => parseFlowQuery(new URLSearchParams('family=5')), /family/);
});

test('a store written before rows were keyed by time is rewritten, every flow kept, without a reason', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const old = new DatabaseSync(path);
  old.exec(`CREATE TABLE flows (id INTEGER PRIMARY KEY, time REAL NOT NULL, node TEXT NOT NULL, pod TEXT,
    direction TEXT NOT NULL, verdict TEXT NOT NULL, kind TEXT NOT NULL, src TEXT NOT NULL, sport INTEGER NOT NULL,
    dst TEXT NOT NULL, dport INTEGER NOT NULL, protocol INTEGER NOT NULL, policy TEXT, peer TEXT, service TEXT);
    CREATE INDEX flows_time ON flows (time); CREATE INDEX flows_pod ON flows (pod, time);`);
  const insert = old.prepare(
    'INSERT INTO flows (time, node, pod, direction, verdict, kind, src, sport, dst, dport, protocol, policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  insert.run(
    1_800_000_000_000,
    'n',
    'default/a',
    'egress',
    'allow',
    'new-flow',
    '10.0.0.1',
    1,
    '10.0.0.2',
    80,
    6,
    'default/p',
  );
  insert.run(
    1_800_000_000_000,
    'n',
    'default/a',
    'ingress',
    'deny',
    'denied',
    'fd00::1',
    2,
    'fd00::2',
    80,
    6,
    null,
  );
  old.close();
  const store = new FlowStore(path);
  assert.deepEqual(store.query(), [
    {
      time: 1_800_000_000_000,
      node: 'n',
      pod: 'default/a',
      direction: 'ingress',
      verdict: 'deny',
      kind: 'denied',
      src: 'fd00::1',
      sport: 2,
      dst: 'fd00::2',
      dport: 80,
      protocol: 6,
      family: 6,
      tier: 'None',
    },
    {
      time: 1_800_000_000_000,
      node: 'n',
      pod: 'default/a',
      direction: 'egress',
      verdict: 'allow',
      kind: 'new-flow',
      src: '10.0.0.1',
      sport: 1,
      dst: '10.0.0.2',
      dport: 80,
      protocol: 6,
      family: 4,
      tier: 'None',
      policy: 'default/p',
    },
  ]);
  store.add([flow(1)]);
  assert.equal(store.count(), 3);
  store.close();
});

test('more flows in one millisecond than it has keys are all kept, and found by time', () => {
  const store = new FlowStore(':memory:');
  const burst = Array.from({ length: 5000 }, (_, i) => flow(0, { sport: i }));
  store.add(burst);
  store.add(burst.slice(0, 10));
  store.add([flow(1)]);
  assert.equal(store.count(), 5011);
  assert.equal(store.query({ since: flow(0).time, until: flow(0).time, limit: 10_000 }).length, 5010);
  assert.deepEqual(
    store.query({ since: flow(1).time }).map((one) => one.sport),
    [40001],
  );
  assert.equal(store.query({ limit: 1 })[0]?.time, flow(1).time, 'newest first, by time');
});

test('each flow keeps the tier that decided it, the ClusterNetworkPolicy named, and the tier filters', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const store = new FlowStore(path);
  const admin = flow(30, { verdict: 'deny', kind: 'denied', tier: 'Admin', policy: 'isolate-another-ns' });
  const baseline = flow(31, { verdict: 'allow', kind: 'new-flow', tier: 'Baseline', policy: 'dns' });
  store.add([...Array.from({ length: 10 }, (_, i) => flow(i)), admin, baseline]);
  store.close();
  const reopened = new FlowStore(path);
  assert.deepEqual(reopened.query({ tier: 'Admin' }), [admin]);
  assert.deepEqual(reopened.query({ tier: 'Baseline', verdict: 'allow' }), [baseline]);
  assert.deepEqual(
    reopened.query({ tier: 'None' }).map((one) => one.reason),
    ['node', 'node'],
  );
  assert.equal(reopened.query({ tier: 'NetworkPolicy' }).length, 8);
  assert.deepEqual(reopened.histogram({ tier: 'Admin', since: admin.time, until: admin.time + 1 }, 1), [
    { start: admin.time, allowed: 0, denied: 1 },
  ]);
  reopened.close();
  assert.deepEqual(parseFlowQuery(new URLSearchParams('tier=Baseline')), {
    ...parseFlowQuery(new URLSearchParams()),
    tier: 'Baseline',
  });
  assert.throws(
    () => parseFlowQuery(new URLSearchParams('tier=admin')),
    (error: { field?: string; message: string }) =>
      error.field === 'tier' && /None, Admin, NetworkPolicy, Baseline/.test(error.message),
  );
});

test('a store written before flows had a tier opens with every flow, each of tier None, and takes tiers from then on', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const old = new DatabaseSync(path);
  // The table as it was before tiers: keyed by time, small values as numbers, no tier column.
  old.exec(`CREATE TABLE flows (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL, node TEXT NOT NULL, pod TEXT, direction INTEGER NOT NULL,
    verdict INTEGER NOT NULL, kind INTEGER NOT NULL, reason INTEGER, family INTEGER NOT NULL,
    src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL,
    protocol INTEGER NOT NULL, policy TEXT, peer TEXT, service TEXT
  );
  CREATE INDEX flows_pod ON flows (pod);`);
  const insert = old.prepare(
    `INSERT INTO flows (id, time, node, pod, direction, verdict, kind, reason, family, src, sport, dst, dport,
      protocol, policy, peer, service) VALUES (?, ?, 'lab-node-1', 'default/demo-app', 0, ?, ?, 0, 4,
      '10.77.2.10', ?, '10.77.1.10', 80, 6, ?, NULL, NULL)`,
  );
  const time = 1_800_000_000_000;
  insert.run((time - 1_700_000_000_000) * 4096, time, 0, 0, 40000, 'default/allow');
  insert.run((time + 1 - 1_700_000_000_000) * 4096, time + 1, 1, 1, 40001, null);
  old.close();
  const store = new FlowStore(path);
  assert.equal(store.count(), 2);
  assert.deepEqual(
    store.query().map((one) => [one.sport, one.verdict, one.tier, one.policy]),
    [
      [40001, 'deny', 'None', undefined],
      [40000, 'allow', 'None', 'default/allow'],
    ],
  );
  const admin = flow(5, { verdict: 'deny', kind: 'denied', tier: 'Admin', policy: 'guard' });
  store.add([admin]);
  store.close();
  const reopened = new FlowStore(path);
  assert.equal(reopened.count(), 3, 'nothing lost on a second opening');
  assert.deepEqual(reopened.query({ tier: 'Admin' }), [admin]);
  assert.equal(reopened.query({ tier: 'None' }).length, 2);
  reopened.close();
});

test('names are stored once as ids: a batch that fails leaves none behind, and names no row holds go', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-flows-')), 'flows.sqlite');
  const store = new FlowStore(path, { maxRows: 10, maxAgeMs: 365 * 24 * 3600 * 1000 });
  // The second flow breaks the batch (no source address) after the first added its new names.
  const broken = { ...flow(1, { pod: 'fresh/pod' }), src: undefined } as unknown as Flow;
  assert.throws(() => store.add([flow(0, { pod: 'fresh/pod', peer: 'fresh/peer' }), broken]));
  store.add([flow(2, { pod: 'fresh/pod', peer: 'fresh/peer' })]);
  store.close();
  const reopened = new FlowStore(path, { maxRows: 10, maxAgeMs: 365 * 24 * 3600 * 1000 });
  assert.deepEqual(
    reopened.query().map((one) => [one.pod, one.peer, one.node]),
    [['fresh/pod', 'fresh/peer', 'lab-node-1']],
    'the names of the batch stored after the failed one',
  );
  assert.equal(reopened.query({ namespace: 'fresh' }).length, 1);
  assert.equal(reopened.query({ pod: 'never/seen' }).length, 0);
  // 3,000 pods come and go: past the bound of 10 rows, their names go too.
  reopened.add(Array.from({ length: 3000 }, (_, i) => flow(10 + i, { pod: `churn/pod-${i}` })));
  reopened.prune(1_800_000_000_000);
  const kept = reopened.query();
  assert.deepEqual(
    kept.map((one) => one.pod),
    Array.from({ length: 10 }, (_, i) => `churn/pod-${2999 - i}`),
  );
  reopened.close();
  const db = new DatabaseSync(path, { readOnly: true });
  const names = (db.prepare('SELECT COUNT(*) AS n FROM names').get() as { n: number }).n;
  db.close();
  // The 10 pods kept, the node, the policy.
  assert.ok(names <= 12, `${names} names kept for 10 rows`);
});
