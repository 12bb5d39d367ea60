import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowAddresses } from './service-flows.ts';
import { ServiceFlowNamer } from './service-flows.ts';
import { shopCluster } from './testing-services.ts';

const cluster = shopCluster;

const toService = (sport: number, dst = '10.96.0.5', dport = 80): FlowAddresses => ({
  pod: 'shop/client',
  direction: 'egress',
  verdict: 'allow',
  src: '10.77.2.9',
  sport,
  dst,
  dport,
  protocol: 6,
});
const atBackend = (sport: number, pod: string, ip: string): FlowAddresses => ({
  pod,
  direction: 'ingress',
  verdict: 'allow',
  src: '10.77.2.9',
  sport,
  dst: ip,
  dport: 8080,
  protocol: 6,
});

/** Names flows and settles them as stored, as the ingest does. */
const take = (namer: ServiceFlowNamer<FlowAddresses>, flows: FlowAddresses[], now: number) => {
  const stored = namer.name(cluster, flows);
  return { stored, ...namer.settle(stored, now) };
};

test('a flow to a ClusterIP is stored at once, and reaches live readers named by its Service and the backend that took it', () => {
  const namer = new ServiceFlowNamer<FlowAddresses>();
  const first = take(namer, [toService(40000)], 0);
  assert.deepEqual(
    first.stored.map((flow) => [flow.service, flow.peer]),
    [['shop/web', undefined]],
  );
  assert.deepEqual([first.publish, first.completed], [[], []]);
  assert.equal(namer.pending, 1);
  // The backend's node reports the same client address, source port and protocol, after DNAT.
  const next = take(namer, [atBackend(40000, 'shop/web-2', '10.77.2.2')], 10);
  assert.deepEqual(
    next.completed.map((flow) => [flow.direction, flow.service, flow.peer]),
    [['egress', 'shop/web', 'shop/web-2']],
  );
  assert.deepEqual(
    next.publish.map((flow) => [flow.direction, flow.service, flow.peer]),
    [
      ['egress', 'shop/web', 'shop/web-2'],
      ['ingress', undefined, 'shop/client'],
    ],
  );
  assert.equal(namer.pending, 0);
});

test('the backend’s side may come first or in the same batch; a denied flow never waits; a lone backend is known at once', () => {
  const namer = new ServiceFlowNamer<FlowAddresses>();
  take(namer, [atBackend(40001, 'shop/web-1', '10.77.1.1')], 0);
  const [egress] = take(namer, [toService(40001)], 5).publish;
  assert.deepEqual([egress?.service, egress?.peer], ['shop/web', 'shop/web-1']);
  const together = namer.name(cluster, [toService(40007), atBackend(40007, 'shop/web-2', '10.77.2.2')]);
  assert.equal(together[0]?.peer, 'shop/web-2', 'named before it is stored');
  const [denied] = take(namer, [{ ...toService(40002), verdict: 'deny' }], 5).publish;
  assert.deepEqual([denied?.service, denied?.peer], ['shop/web', undefined]);
  const [single] = take(namer, [toService(40003, '10.96.0.6', 5432)], 5).publish;
  assert.deepEqual([single?.service, single?.peer], ['shop/db', 'shop/db']);
});

test('an unmatched flow goes on without a backend after the hold; replies from a ClusterIP are named by it', () => {
  const namer = new ServiceFlowNamer<FlowAddresses>(1000);
  take(namer, [toService(40004)], 0);
  assert.deepEqual(namer.due(500), []);
  const [late] = namer.due(1000);
  assert.deepEqual([late?.service, late?.peer], ['shop/web', undefined]);
  const reply: FlowAddresses = {
    pod: 'shop/client',
    direction: 'ingress',
    verdict: 'deny',
    src: '10.96.0.5',
    sport: 80,
    dst: '10.77.2.9',
    dport: 40005,
    protocol: 6,
  };
  assert.equal(take(namer, [reply], 0).publish[0]?.service, 'shop/web');
  const [pod] = take(namer, [{ ...toService(40006), dst: '10.77.1.3', dport: 5432 }], 0).publish;
  assert.deepEqual([pod?.service, pod?.peer], [undefined, 'shop/db']);
});
