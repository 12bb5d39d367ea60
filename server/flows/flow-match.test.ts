import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from './flow.ts';
import { flowMatches } from './flow-match.ts';
import { parseFlowQuery } from './flow-query.ts';
import { FlowStore } from './flow-store.ts';
import { FlowStream } from './flow-stream.ts';
import { liveFlowsResponse } from './live-flows.ts';

const T0 = Date.now() - 60_000;
/** Flows that differ in everything a query can ask about. */
const flows: Flow[] = Array.from({ length: 60 }, (_, i) => ({
  time: T0 + i,
  node: 'lab-node-1',
  ...(i % 7 ? { pod: ['default/demo-app', 'another-ns/client', 'default/web'][i % 3] } : {}),
  direction: i % 2 ? 'ingress' : 'egress',
  verdict: i % 3 ? 'allow' : 'deny',
  kind: i % 3 ? 'new-flow' : 'denied',
  src: i % 11 ? '10.77.2.10' : 'fd00::a',
  sport: 40000 + i,
  dst: i % 11 ? '10.77.1.10' : 'fd00::b',
  dport: i % 4 ? 80 : 53,
  protocol: 6,
  family: i % 11 ? 4 : 6,
  reason: i % 5 === 4 ? 'node' : 'policy',
  ...(i % 5 === 1 ? {} : { tier: i % 5 === 4 ? 'None' : 'NetworkPolicy' }),
  ...(i % 6 === 0 ? { service: 'default/demo-app' } : {}),
}));

const QUERIES = [
  '',
  'verdict=deny',
  'direction=egress&port=53',
  'reason=node',
  'tier=None',
  'tier=NetworkPolicy&verdict=allow',
  'family=6',
  'namespace=default',
  'namespace=another-ns&direction=ingress',
  'pod=default/web',
  'service=default/demo-app',
  `since=${T0 + 20}&until=${T0 + 40}`,
  'namespace=',
];

test('a live flow answers a query exactly when the store’s query would return it', () => {
  const store = new FlowStore(':memory:');
  store.add(flows);
  for (const text of QUERIES) {
    const query = parseFlowQuery(new URLSearchParams(`${text}&limit=10000`));
    const stored = store.query(query).map((flow) => flow.sport);
    const matched = flows.filter((flow) => flowMatches(query, flow)).map((flow) => flow.sport);
    assert.deepEqual(stored.sort(), matched.sort(), `?${text}`);
    assert.ok(matched.length > 0, `?${text} matches some flows`);
  }
});

test('the live stream sends only the flows its query asks for', async () => {
  const stream = new FlowStream();
  const abort = new AbortController();
  const response = liveFlowsResponse(
    stream,
    abort.signal,
    parseFlowQuery(new URLSearchParams('verdict=deny')),
  );
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  await reader.read(); // ': connected'
  stream.publish(flows);
  const { value } = await reader.read();
  abort.abort();
  const sent = JSON.parse(new TextDecoder().decode(value).replace(/^data: /, '')) as { flows: Flow[] };
  assert.equal(sent.flows.length, flows.filter((flow) => flow.verdict === 'deny').length);
  assert.ok(sent.flows.every((flow) => flow.verdict === 'deny'));
});
