import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowShipper, wireFlow } from './flow-shipper.ts';
import type { NamedFlow } from './node-agent.ts';

const flow = (i: number): NamedFlow => ({
  timestampNs: BigInt(i),
  time: 1_800_000_000_000 + i,
  src: '10.77.1.1',
  dst: '10.77.1.2',
  sport: 40000 + i,
  dport: 80,
  protocol: 6,
  family: 4,
  direction: 'ingress',
  verdict: 'allow',
  kind: 'new-flow',
  reason: 'policy',
  ruleId: 0,
  podId: 1,
  node: 'lab-node-1',
});

/** A real ingest endpoint on loopback that records what it accepts. */
async function ingest(port = 0): Promise<{
  server: Server;
  url: string;
  received: { auth?: string; flows: unknown[]; status?: unknown }[];
}> {
  const received: { auth?: string; flows: unknown[]; status?: unknown }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { flows, status } = JSON.parse(body);
      received.push({ auth: request.headers.authorization, flows, status });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ingest`, received };
}

test('flows arrive in batches with the node’s token', async () => {
  const { server, url, received } = await ingest();
  const shipper = new FlowShipper({ url, token: () => 'secret-1', node: 'lab-node-1', batchSize: 40 });
  shipper.push(Array.from({ length: 100 }, (_, i) => wireFlow(flow(i))));
  for (let i = 0; i < 100 && shipper.delivered < 100; i++) await sleep(10);
  server.close();
  assert.equal(shipper.delivered, 100);
  assert.ok(received.length >= 3, 'sent in batches');
  assert.ok(received.every((batch) => batch.auth === 'Bearer secret-1' && batch.flows.length <= 40));
});

test('while the server is down flows wait up to a bound, drops are counted, and the rest arrive later', async () => {
  const { server, url } = await ingest();
  const port = Number(new URL(url).port);
  server.close();
  const shipper = new FlowShipper({
    url,
    token: () => 't',
    node: 'lab-node-1',
    maxBuffered: 50,
    retryMs: 50,
  });
  shipper.push(Array.from({ length: 80 }, (_, i) => wireFlow(flow(i))));
  await sleep(100);
  assert.equal(shipper.buffered, 50);
  assert.equal(shipper.dropped, 30);
  assert.match(shipper.lastError ?? '', /fetch failed|ECONNREFUSED/);
  const back = await ingest(port);
  for (let i = 0; i < 100 && shipper.delivered < 50; i++) await sleep(20);
  back.server.close();
  shipper.close();
  assert.equal(shipper.delivered, 50);
  assert.deepEqual(
    back.received.flatMap((batch) => batch.flows as { sport: number }[]).map((item) => item.sport - 40000),
    Array.from({ length: 50 }, (_, i) => 30 + i),
    'the newest flows were kept, in order',
  );
});

test('an idle agent still sends its status, in a batch of no flows, and flows carry it too', async () => {
  const { server, url, received } = await ingest();
  let lost = 0;
  const shipper = new FlowShipper({
    url,
    token: () => 't',
    node: 'lab-node-1',
    heartbeatMs: 30,
    statusEveryMs: 0,
    status: () => ({ pods: {}, deniedPackets: 0, lostEvents: lost++, mapFill: {} }),
  });
  for (let i = 0; i < 100 && received.length < 2; i++) await sleep(10);
  shipper.push([wireFlow(flow(1))]);
  for (let i = 0; i < 100 && shipper.delivered < 1; i++) await sleep(10);
  shipper.close();
  const sent = received.length;
  await sleep(100);
  server.close();
  assert.deepEqual(
    received.slice(0, 2).map((batch) => batch.flows.length),
    [0, 0],
    'heartbeats carry no flows',
  );
  const withFlow = received.find((batch) => batch.flows.length === 1);
  assert.ok(withFlow, 'the flow arrived');
  assert.equal(
    typeof (withFlow.status as { lostEvents: number }).lostEvents,
    'number',
    'status read anew per batch',
  );
  assert.deepEqual(
    received.map((batch) => (batch.status as { lostEvents: number }).lostEvents),
    received.map((_, i) => i),
  );
  assert.equal(received.length, sent, 'nothing is sent once closed');
});

test('the status goes with a batch at most as often as asked', async () => {
  const { server, url, received } = await ingest();
  const shipper = new FlowShipper({
    url,
    token: () => 't',
    node: 'lab-node-1',
    batchSize: 1,
    statusEveryMs: 60_000,
    status: () => ({ pods: {}, deniedPackets: 0, lostEvents: 0, mapFill: {} }),
  });
  shipper.push(Array.from({ length: 5 }, (_, i) => wireFlow(flow(i))));
  for (let i = 0; i < 100 && shipper.delivered < 5; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.deepEqual(
    received.map((batch) => batch.status !== undefined),
    [true, false, false, false, false],
  );
});

test('a status that cannot be read leaves it out, and the flows still go', async () => {
  const { server, url, received } = await ingest();
  const shipper = new FlowShipper({
    url,
    token: () => 't',
    node: 'lab-node-1',
    status: () => {
      throw new Error('no pins yet');
    },
  });
  shipper.push([wireFlow(flow(1))]);
  for (let i = 0; i < 100 && shipper.delivered < 1; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.equal(received.length, 1);
  assert.equal(received[0]?.status, undefined);
});

test('a flow’s wire form is the JSON of the flow, its kernel timestamp as a string', () => {
  const named = { ...flow(7), timestampNs: 12345678901234567890n, pod: 'default/a "b"', policy: 'ns/p' };
  assert.deepEqual(JSON.parse(wireFlow(named)), { ...named, timestampNs: '12345678901234567890' });
  const bare = flow(8);
  assert.deepEqual(JSON.parse(wireFlow(bare)), { ...bare, timestampNs: '8' });
});

/** An ingest that answers each request with what `answer` says for its batch number (or hangs up). */
async function scriptedIngest(answer: (seq: number, attempt: number) => number | 'hang-up') {
  const seen: { seq: number; flows: number; dropped: number }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { batch, flows, dropped } = JSON.parse(body);
      const attempt = seen.filter((item) => item.seq === batch.seq).length;
      seen.push({ seq: batch.seq, flows: flows.length, dropped });
      const status = answer(batch.seq, attempt);
      if (status === 'hang-up') request.socket.destroy();
      else response.writeHead(status).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ingest` };
}

test('a batch that got no answer goes again unchanged, under its number; one the server did not store goes back to the buffer', async () => {
  // Batch 1 is taken but the answer is lost; batch 2 is answered 503 (not stored) once.
  const { server, seen, url } = await scriptedIngest((seq, attempt) =>
    attempt > 0 ? 200 : seq === 1 ? 'hang-up' : seq === 2 ? 503 : 200,
  );
  const shipper = new FlowShipper({ url, token: () => 't', node: 'lab-node-1', batchSize: 10, retryMs: 10 });
  shipper.push(Array.from({ length: 20 }, (_, i) => wireFlow(flow(i))));
  for (let i = 0; i < 200 && shipper.delivered < 20; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.deepEqual(
    seen.map(({ seq, flows }) => [seq, flows]),
    [
      [1, 10],
      [1, 10],
      [2, 10],
      [3, 10],
    ],
    'the unanswered batch again under its number; the refused one anew',
  );
  assert.equal(shipper.delivered, 20);
  assert.equal(shipper.dropped, 0);
});

test('a batch the server refuses for good is dropped and counted, and the next ones go on', async () => {
  const { server, seen, url } = await scriptedIngest((seq) => (seq === 1 ? 400 : 200));
  const shipper = new FlowShipper({ url, token: () => 't', node: 'lab-node-1', batchSize: 5, retryMs: 10 });
  shipper.push(Array.from({ length: 12 }, (_, i) => wireFlow(flow(i))));
  for (let i = 0; i < 200 && shipper.delivered < 7; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.equal(shipper.dropped, 5);
  assert.equal(shipper.delivered, 7);
  assert.equal(shipper.lastError, undefined, 'cleared by the next delivery');
  assert.deepEqual(
    seen.map((item) => item.dropped),
    [0, 5, 5],
    'the server hears of the drop',
  );
});
