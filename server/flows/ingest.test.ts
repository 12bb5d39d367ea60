import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { frameOf } from '../../agent/record-batch.ts';
import { recordsOf, TEST_TIME, testEvent } from '../../agent/testing-records.ts';
import { clusterOf, podYaml } from '../controller/testing-cluster.ts';
import { HttpError } from '../http/http-error.ts';
import { FieldError } from '../kube/field-error.ts';
import type { AgentIdentity } from '../sources/cluster-source.ts';
import { nameBlock } from './block-naming.ts';
import type { Flow } from './flow.ts';
import { MAX_BATCH_FLOWS } from './flow-frame.ts';
import { FlowStore } from './flow-store.ts';
import { FlowStream } from './flow-stream.ts';
import { type FlowNaming, ingest, parseIngestBody, parseIngestFrame } from './ingest.ts';
import { newIngestCounters, renderServerMetrics } from './ingest-counters.ts';
import { ServiceFlowNamer } from './service-flows.ts';
import { storeUnavailable } from './store-unavailable.ts';

const good = {
  node: 'lab-node-1',
  dropped: 3,
  flows: [
    {
      time: TEST_TIME,
      direction: 'egress',
      verdict: 'allow',
      kind: 'new-flow',
      src: '10.77.2.10',
      sport: 40000,
      dst: '10.77.1.10',
      dport: 80,
      protocol: 6,
      pod: 'default/client-one',
      policy: 'default/p',
    },
    {
      time: TEST_TIME + 1,
      direction: 'ingress',
      verdict: 'deny',
      kind: 'denied',
      src: '10.77.2.53',
      sport: 40001,
      dst: '10.77.1.10',
      dport: 80,
      protocol: 6,
    },
  ],
};

/** The agent of `node`, as a source gives it once its token was accepted. */
const agentOf = (node: string): AgentIdentity => ({
  name: `agent of ${node}`,
  speaksFor: (asked) => asked === node,
});
const nodeOne = agentOf('lab-node-1');

/** Takes `body` as the route does: the JSON text through the schema, then into the store. */
const take = (store: FlowStore, body: unknown, agent = nodeOne, more = {}) =>
  ingest({ store, ...more }, parseIngestBody(JSON.stringify(body)), agent);

function rejects(body: unknown, status: number, message: RegExp, field: string, agent = nodeOne) {
  const store = new FlowStore(':memory:');
  assert.throws(
    () =>
      typeof body === 'string' ? ingest({ store }, parseIngestBody(body), agent) : take(store, body, agent),
    (error: unknown) => {
      assert.ok(error instanceof HttpError || error instanceof FieldError);
      assert.equal(error instanceof HttpError ? error.status : 400, status);
      assert.equal(error.field, field);
      assert.match(error.message, message);
      return true;
    },
  );
  assert.equal(store.count(), 0, 'nothing half-stored');
}

test('an agent’s batch for its own node is stored whole, counted and passed to live readers', () => {
  const store = new FlowStore(':memory:');
  const stream = new FlowStream();
  const counters = newIngestCounters();
  const reader = stream.subscribe(() => {});
  const cluster = clusterOf(podYaml('default', 'client-one', {}, '10.77.2.53'));
  const namer = new ServiceFlowNamer<Flow>();
  const names: FlowNaming = {
    name: (node, block) => nameBlock(cluster, namer, node, block),
    settle: ({ flows }) => namer.settle(flows).publish,
  };
  assert.deepEqual(take(store, good, nodeOne, { stream, counters, names }), { accepted: 2, dropped: 3 });
  assert.equal(store.query({ verdict: 'deny' })[0]?.src, '10.77.2.53');
  assert.equal(store.query({ verdict: 'deny' })[0]?.peer, 'default/client-one', 'named as of ingest');
  assert.equal(store.query({ verdict: 'allow' })[0]?.node, 'lab-node-1');
  assert.equal(reader.drain().length, 2);
  assert.equal(counters.flows, 2);
  assert.equal(counters.agentDropped['lab-node-1'], 3);
});

const status = {
  pods: { 'default/demo-app': { ingressId: 41, egressId: 42, adopted: false } },
  deniedPackets: 7,
  lostEvents: 0,
  mapFill: { 'default/demo-app': 0.25 },
};

test('an agent’s status comes with its batch, even one of no flows', () => {
  const store = new FlowStore(':memory:');
  const counters = newIngestCounters();
  assert.deepEqual(take(store, { node: 'lab-node-1', flows: [], status }, nodeOne, { counters }), {
    accepted: 0,
    dropped: 0,
  });
  assert.deepEqual(counters.agentStatus['lab-node-1'], status);
  rejects(
    { ...good, status: { ...status, lostEvents: -1 } },
    400,
    /must not be negative/,
    'status.lostEvents',
  );
  rejects(
    { ...good, status: { ...status, pods: { 'default/demo-app': { ingressId: 1, egressId: 2 } } } },
    400,
    /true or false/,
    'status.pods["default/demo-app"].adopted',
  );
  rejects(
    { ...good, status: { ...status, mapFill: { 'a/b': 2 } } },
    400,
    /fraction/,
    'status.mapFill["a/b"]',
  );
});

test('an agent speaks for its own node only, and only valid batches of a bounded size are taken', () => {
  rejects(good, 403, /not the token of node lab-node-1/, 'node', agentOf('lab-node-2'));
  const flow = good.flows[1];
  rejects({ ...good, flows: [{ ...flow, time: 4e12 }] }, 400, /before the year 2090/, 'flows[0].time');
  rejects({ ...good, flows: [{ ...flow, reason: 'luck' }] }, 400, /policy, node, cut/, 'flows[0].reason');
  rejects({ ...good, flows: [{ ...flow, family: 5 }] }, 400, /4 or 6/, 'flows[0].family');
  rejects({ ...good, flows: [{ ...flow, tier: 'Top' }] }, 400, /None, Admin, NetworkPolicy/, 'flows[0].tier');
  rejects({ ...good, node: 'elsewhere' }, 403, /not the token of node elsewhere/, 'node');
  rejects({ ...good, node: 'Not A Node\n' }, 400, /lower case alphanumeric/, 'node');
  rejects({ ...good, dropped: -1 }, 400, /whole number from 0/, 'dropped');
  rejects({ ...good, dropped: 1e308 }, 400, /whole number from 0 to 9007199254740991/, 'dropped');
  rejects({ ...good, flows: [{ ...flow, src: 'not-an-ip' }] }, 400, /an IPv4 address/, 'flows[0].src');
  rejects({ ...good, flows: [{ ...flow, dst: '10.77.1.10\u0000' }] }, 400, /an IPv4 address/, 'flows[0].dst');
  rejects({ ...good, flows: [{ ...flow, family: 6 }] }, 400, /an IPv6 address/, 'flows[0].src');
  rejects({ ...good, flows: [{ ...flow, pod: '<img src=x>' }] }, 400, /must be ns\/name/, 'flows[0].pod');
  rejects({ ...good, flows: [{ ...flow, pod: 'default/A' }] }, 400, /name must consist/, 'flows[0].pod');
  rejects({ ...good, flows: [{ ...flow, policy: 'a/b/c' }] }, 400, /ns\/name or name/, 'flows[0].policy');
  // No pod or policy may also be said as null.
  assert.deepEqual(
    [
      parseIngestBody(JSON.stringify({ ...good, flows: [{ ...flow, pod: null, policy: null }] })).block.flow(
        0,
        'n',
      ),
    ].map((one) => [one.pod, one.policy]),
    [[undefined, undefined]],
  );
  rejects(
    { ...good, flows: [good.flows[0], { ...good.flows[1], dport: 70000 }] },
    400,
    /between 0 and 65535/,
    'flows[1].dport',
  );
  rejects({ ...good, flows: [{ ...good.flows[0], protocol: 256 }] }, 400, /0 and 255/, 'flows[0].protocol');
  rejects(
    { ...good, flows: [{ ...good.flows[0], verdict: 'maybe' }] },
    400,
    /one of allow, deny/,
    'flows[0].verdict',
  );
  rejects({ node: 'lab-node-1' }, 400, /must be a list/, 'flows');
  rejects('{"node": "lab-node-1", "flows": [', 400, /is not JSON/, 'body');
  rejects(
    { ...good, flows: Array.from({ length: MAX_BATCH_FLOWS + 1 }, () => good.flows[0]) },
    413,
    /at most 10000 flows/,
    'flows',
  );
  rejects({ ...good, batch: { sender: 'a b', seq: 1 } }, 400, /letters, digits/, 'batch.sender');
  rejects({ ...good, batch: { sender: 'a', seq: -1 } }, 400, /whole number from 0/, 'batch.seq');
  rejects({ ...good, batch: { sender: 'a', seq: 1e300 } }, 400, /whole number from 0/, 'batch.seq');
});

test('a batch its agent sends again (the same number) is answered as taken and stored once', () => {
  const store = new FlowStore(':memory:');
  const stream = new FlowStream();
  const reader = stream.subscribe(() => {});
  const first = { ...good, batch: { sender: 'agent-a', seq: 7 } };
  assert.deepEqual(take(store, first, nodeOne, { stream }), { accepted: 2, dropped: 3 });
  assert.deepEqual(take(store, first, nodeOne, { stream }), { accepted: 0, dropped: 3, duplicate: true });
  assert.deepEqual(take(store, { ...first, batch: { sender: 'agent-a', seq: 6 } }), {
    accepted: 0,
    dropped: 3,
    duplicate: true,
  });
  assert.equal(store.count(), 2);
  assert.equal(reader.drain().length, 2, 'live readers see it once');
  // The next number, another process of the agent, or another node's: all new.
  assert.equal(take(store, { ...first, batch: { sender: 'agent-a', seq: 8 } }).accepted, 2);
  assert.equal(take(store, { ...first, batch: { sender: 'agent-b', seq: 7 } }).accepted, 2);
  assert.equal(take(store, { ...first, node: 'lab-node-2' }, agentOf('lab-node-2')).accepted, 2);
  assert.equal(store.count(), 8);
});

test('a batch the store cannot take now (another connection holds its write lock) stores nothing, says why, and the next goes in', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-ingest-')), 'flows.sqlite');
  const store = new FlowStore(path);
  const locker = new DatabaseSync(path);
  locker.exec('BEGIN IMMEDIATE');
  const failed = (() => {
    try {
      take(store, { ...good, batch: { sender: 'a', seq: 1 } });
    } catch (error) {
      return error;
    }
  })();
  assert.equal(storeUnavailable(failed), 'the database is locked by another connection');
  locker.exec('ROLLBACK');
  locker.close();
  assert.equal(store.count(), 0);
  assert.deepEqual(take(store, { ...good, batch: { sender: 'a', seq: 1 } }), { accepted: 2, dropped: 3 });
  assert.equal(storeUnavailable(new Error('other')), undefined);
});

test('the tier that decided a flow goes from the agent’s frame (or JSON) to the store, and filters there', () => {
  const store = new FlowStore(':memory:');
  const frame = frameOf({ node: 'lab-node-1' }, [
    recordsOf(
      [
        testEvent(1, { verdict: 'deny', kind: 'denied', tier: 'Admin', ruleId: 7, podId: 3 }),
        testEvent(2, { tier: 'NetworkPolicy', ruleId: 9, podId: 3 }),
      ],
      { pods: { 3: 'default/demo-app' }, policies: { 7: 'isolate-another-ns', 9: 'default/allow-web' } },
    ),
  ]);
  assert.equal(ingest({ store }, parseIngestFrame(frame), nodeOne).accepted, 2);
  assert.deepEqual(
    store.query({ tier: 'Admin' }).map((flow) => [flow.pod, flow.verdict, flow.tier, flow.policy]),
    [['default/demo-app', 'deny', 'Admin', 'isolate-another-ns']],
  );
  assert.equal(store.query({ tier: 'NetworkPolicy' })[0]?.policy, 'default/allow-web');
  // JSON from an agent that says the tier, and from one older than tiers: None.
  take(store, { ...good, flows: [{ ...good.flows[0], tier: 'Baseline', policy: 'dns-for-everyone' }] });
  take(store, { ...good, flows: [good.flows[1]] });
  assert.equal(store.query({ tier: 'Baseline' })[0]?.policy, 'dns-for-everyone');
  assert.deepEqual(
    store.query({ tier: 'None' }).map((flow) => flow.src),
    ['10.77.2.53'],
  );
});

test('flows stamped well past the server’s clock are stored at their arrival, and counted; a little ahead is kept', () => {
  const store = new FlowStore(':memory:');
  const counters = newIngestCounters();
  const now = Date.now();
  const [first, second] = good.flows;
  assert.ok(first && second);
  const batch = {
    node: 'lab-node-1',
    dropped: 0,
    flows: [
      { ...first, time: now + 60_000 },
      { ...second, time: now + 30 * 24 * 3600 * 1000 },
    ],
  };
  ingest({ store, counters }, parseIngestBody(JSON.stringify(batch)), nodeOne, now);
  assert.equal(
    store.query({ verdict: 'allow' })[0]?.time,
    now + 60_000,
    'within the skew allowed: as stamped',
  );
  assert.equal(store.query({ verdict: 'deny' })[0]?.time, now, 'a month ahead: at its arrival');
  assert.equal(counters.aheadFlows['lab-node-1'], 1);
  assert.match(
    renderServerMetrics(counters, { storedFlows: 2, streamReaders: 0 }),
    /palisade_ingest_ahead_flows_total\{node="lab-node-1"\} 1/,
  );
});

test('flows older than the history keeps (an agent’s clock far behind) are not stored, and counted; older ones it keeps are', () => {
  const store = new FlowStore(':memory:');
  const counters = newIngestCounters();
  const now = Date.now();
  const [first, second] = good.flows;
  assert.ok(first && second);
  const batch = {
    node: 'lab-node-1',
    dropped: 0,
    flows: [
      { ...first, time: now - 3 * 24 * 3600 * 1000 },
      { ...second, time: 1 },
    ],
  };
  const answer = ingest({ store, counters }, parseIngestBody(JSON.stringify(batch)), nodeOne, now);
  assert.deepEqual(answer, { accepted: 1, dropped: 0, expired: 1 });
  assert.deepEqual(
    store.query({}).map((flow) => flow.time),
    [now - 3 * 24 * 3600 * 1000],
    'three days back (buffered while the server was away) is kept; 1970 is not',
  );
  assert.equal(counters.expiredFlows['lab-node-1'], 1);
  assert.match(
    renderServerMetrics(counters, { storedFlows: 1, streamReaders: 0 }),
    /palisade_ingest_expired_flows_total\{node="lab-node-1"\} 1/,
  );
});
