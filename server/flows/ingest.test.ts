import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowStore } from './flow-store.ts';
import { FlowStream } from './flow-stream.ts';
import { IngestError, ingest } from './ingest.ts';

const tokens = { 'lab-node-1': 'token-one', 'lab-node-2': 'token-two' };
const good = {
  node: 'lab-node-1',
  dropped: 3,
  flows: [
    {
      time: 1_800_000_000_000,
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
      time: 1_800_000_000_001,
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

const mayIngest = async (token: string, node: string) => tokens[node as keyof typeof tokens] === token;

async function rejects(
  body: unknown,
  authorization: string | null,
  status: number,
  message: RegExp,
  field?: string,
) {
  const store = new FlowStore(':memory:');
  await assert.rejects(ingest(store, undefined, body, authorization, mayIngest), (error: unknown) => {
    assert.ok(error instanceof IngestError);
    assert.equal(error.status, status);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
  assert.equal(store.count(), 0, 'nothing half-stored');
}

test('an agent’s batch with its own node token is stored whole and passed to live readers', async () => {
  const store = new FlowStore(':memory:');
  const stream = new FlowStream();
  const reader = stream.subscribe(() => {});
  const podAt = (ip: string) => (ip === '10.77.2.53' ? 'default/client-one' : undefined);
  assert.deepEqual(await ingest(store, stream, good, 'Bearer token-one', mayIngest, podAt), {
    accepted: 2,
    dropped: 3,
    status: undefined,
  });
  assert.equal(store.query({ verdict: 'deny' })[0]?.src, '10.77.2.53');
  assert.equal(store.query({ verdict: 'deny' })[0]?.peer, 'default/client-one', 'named as of ingest');
  assert.equal(store.query({ verdict: 'allow' })[0]?.node, 'lab-node-1');
  assert.equal(reader.drain().length, 2);
});

const status = {
  pods: { 'default/demo-app': { ingressId: 41, egressId: 42, adopted: false } },
  deniedPackets: 7,
  lostEvents: 0,
  mapFill: { 'default/demo-app': 0.25 },
};

test('an agent’s status comes with its batch, even one of no flows', async () => {
  const store = new FlowStore(':memory:');
  const result = await ingest(
    store,
    undefined,
    { node: 'lab-node-1', flows: [], status },
    'Bearer token-one',
    mayIngest,
  );
  assert.deepEqual(result, { accepted: 0, dropped: 0, status });
  await rejects(
    { ...good, status: { ...status, lostEvents: -1 } },
    'Bearer token-one',
    400,
    /must not be negative/,
    'status.lostEvents',
  );
  await rejects(
    { ...good, status: { ...status, pods: { 'default/demo-app': { ingressId: 1, egressId: 2 } } } },
    'Bearer token-one',
    400,
    /true or false/,
    'status.pods["default/demo-app"].adopted',
  );
  await rejects(
    { ...good, status: { ...status, mapFill: { a: 2 } } },
    'Bearer token-one',
    400,
    /fraction/,
    'status.mapFill["a"]',
  );
});

test('only agents’ tokens, each for its own node, and only valid batches', async () => {
  await rejects(good, null, 401, /agent token is required/);
  await rejects(good, 'Bearer token-two', 403, /not the token of node lab-node-1/);
  await rejects({ ...good, node: 'elsewhere' }, 'Bearer token-one', 403, /not the token of node elsewhere/);
  await rejects(
    { ...good, flows: [good.flows[0], { ...good.flows[1], dport: 70000 }] },
    'Bearer token-one',
    400,
    /between 0 and 65535/,
    'flows[1].dport',
  );
  await rejects(
    { ...good, flows: [{ ...good.flows[0], verdict: 'maybe' }] },
    'Bearer token-one',
    400,
    /one of allow, deny/,
    'flows[0].verdict',
  );
  await rejects({ node: 'lab-node-1' }, 'Bearer token-one', 400, /must be a list/, 'flows');
});
