import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameOf } from '../../agent/record-batch.ts';
import { recordsOf, testEvent } from '../../agent/testing-records.ts';
import type { AgentIdentity } from '../sources/cluster-source.ts';
import { nameBlock } from './block-naming.ts';
import type { Flow } from './flow.ts';
import { FlowStore } from './flow-store.ts';
import { FlowStream } from './flow-stream.ts';
import { type FlowNaming, ingest, parseIngestFrame } from './ingest.ts';
import { ServiceFlowNamer } from './service-flows.ts';
import { shopCluster } from './testing-services.ts';

const cluster = shopCluster;

const agent: AgentIdentity = { name: 'agent', speaksFor: () => true };
const pods = { 1: 'shop/client', 2: 'shop/web-1', 3: 'shop/db' };

test('a frame’s flows are named as a block: pods by address, flows through a Service by the namer, live readers get them all', () => {
  const store = new FlowStore(':memory:');
  const stream = new FlowStream();
  const reader = stream.subscribe(() => {});
  const namer = new ServiceFlowNamer<Flow>();
  const names: FlowNaming = {
    name: (node, block) => nameBlock(cluster, namer, node, block),
    settle: ({ flows }) => namer.settle(flows).publish,
  };
  const client = { podId: 1, src: '10.77.2.9' };
  const events = [
    // The client to web's ClusterIP (two backends), and web-1 taking it, in the same batch.
    testEvent(0, { ...client, direction: 'egress', dst: '10.96.0.5', sport: 41000, dport: 80 }),
    testEvent(1, { podId: 2, src: '10.77.2.9', sport: 41000, dst: '10.77.1.1', dport: 8080 }),
    // The client to db's ClusterIP: one backend, known at once.
    testEvent(2, { ...client, direction: 'egress', dst: '10.96.0.6', sport: 41001, dport: 5432 }),
    // The client to db directly, and to an address no pod has.
    testEvent(3, { ...client, direction: 'egress', dst: '10.77.1.3', sport: 41002, dport: 5432 }),
    testEvent(4, { ...client, direction: 'egress', dst: '192.0.2.7', sport: 41003, dport: 443 }),
  ];
  const batch = parseIngestFrame(frameOf({ node: 'lab-node-1' }, [recordsOf(events, { pods })]));
  assert.deepEqual(ingest({ store, stream, names }, batch, agent), { accepted: 5, dropped: 0 });
  const stored = store
    .query()
    .sort((a, b) => a.sport - b.sport || a.direction.localeCompare(b.direction))
    .map((flow) => [flow.pod, flow.direction, flow.dst, flow.peer, flow.service]);
  assert.deepEqual(stored, [
    ['shop/client', 'egress', '10.96.0.5', 'shop/web-1', 'shop/web'],
    ['shop/web-1', 'ingress', '10.77.1.1', 'shop/client', undefined],
    ['shop/client', 'egress', '10.96.0.6', 'shop/db', 'shop/db'],
    ['shop/client', 'egress', '10.77.1.3', 'shop/db', undefined],
    ['shop/client', 'egress', '192.0.2.7', undefined, undefined],
  ]);
  const live = reader.drain();
  assert.equal(live.length, 5, 'every flow reaches live readers');
  assert.deepEqual(live.find((flow) => flow.dst === '10.96.0.5')?.peer, 'shop/web-1');
});

test('a flow to a ClusterIP whose backend’s side comes in a later batch gets its backend in the store', () => {
  const store = new FlowStore(':memory:');
  const namer = new ServiceFlowNamer<Flow>();
  const names: FlowNaming = {
    name: (node, block) => nameBlock(cluster, namer, node, block),
    settle: ({ flows }) => {
      const { publish, completed } = namer.settle(flows);
      store.nameBackends(completed);
      return publish;
    },
  };
  const take = (event: ReturnType<typeof testEvent>, node: string) =>
    ingest({ store, names }, parseIngestFrame(frameOf({ node }, [recordsOf([event], { pods })])), agent);
  take(
    testEvent(0, { podId: 1, src: '10.77.2.9', direction: 'egress', dst: '10.96.0.5', sport: 42000 }),
    'node-a',
  );
  assert.equal(store.query()[0]?.peer, undefined, 'two backends: not known yet');
  take(testEvent(1, { podId: 2, src: '10.77.2.9', sport: 42000, dst: '10.77.1.1', dport: 8080 }), 'node-b');
  const toService = store.query({ service: 'shop/web' });
  assert.deepEqual(
    toService.map((flow) => [flow.node, flow.peer]),
    [['node-a', 'shop/web-1']],
  );
});
