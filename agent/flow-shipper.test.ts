import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeFrame, FLOW_FRAME_TYPE } from '../server/flows/flow-frame.ts';
import { FlowShipper } from './flow-shipper.ts';
import { recordsOf, testEvent } from './testing-records.ts';

/** Flows `from` to `to` (exclusive) as ring buffer hand-offs of `per` records each. */
const flows = (from: number, to: number, per = 7) => {
  const batches = [];
  for (let i = from; i < to; i += per)
    batches.push(
      recordsOf(
        Array.from({ length: Math.min(per, to - i) }, (_, j) => testEvent(i + j)),
        { pods: { 1: 'default/a' } },
      ),
    );
  return batches;
};

/** A request's body (a flow frame) read as the server reads it. */
function frameOf(chunks: Buffer[], type: string | undefined) {
  assert.equal(type, FLOW_FRAME_TYPE);
  return decodeFrame(Buffer.concat(chunks)).batch;
}

/** A real ingest endpoint on loopback that records what it accepts. */
async function ingest(port = 0): Promise<{
  server: Server;
  url: string;
  received: { auth?: string; flows: readonly unknown[]; status?: unknown }[];
}> {
  const received: { auth?: string; flows: readonly unknown[]; status?: unknown }[] = [];
  const server = createServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (chunk) => body.push(chunk));
    request.on('end', () => {
      const { flows, status } = frameOf(body, request.headers['content-type']);
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
  shipper.push(flows(0, 100));
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
  shipper.push(flows(0, 80));
  await sleep(100);
  assert.equal(shipper.buffered, 50);
  assert.equal(shipper.dropped, 30);
  assert.match(shipper.lastError ?? '', /ECONNREFUSED/);
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
  shipper.push(flows(1, 2));
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
  shipper.push(flows(0, 5));
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
  shipper.push(flows(1, 2));
  for (let i = 0; i < 100 && shipper.delivered < 1; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.equal(received.length, 1);
  assert.equal(received[0]?.status, undefined);
});

test('a batch carries its records with the names of their pods, once', async () => {
  const { server, url, received } = await ingest();
  const shipper = new FlowShipper({ url, token: () => 't', node: 'lab-node-1' });
  shipper.push([
    recordsOf([testEvent(1, { podId: 7, ruleId: 3 }), testEvent(2, { podId: 8, reason: 'node' })], {
      pods: { 7: 'default/a', 8: 'default/b' },
      policies: { 3: 'default/allow-web' },
    }),
    recordsOf([testEvent(3, { podId: 7, verdict: 'deny', kind: 'denied', reason: 'cut' })], {
      pods: { 7: 'default/a' },
    }),
  ]);
  for (let i = 0; i < 100 && shipper.delivered < 3; i++) await sleep(10);
  shipper.close();
  server.close();
  const sent = received[0]?.flows as { pod?: string; policy?: string; reason: string; sport: number }[];
  assert.deepEqual(
    sent.map(({ pod, policy, reason, sport }) => [pod, policy, reason, sport]),
    [
      ['default/a', 'default/allow-web', 'policy', 40001],
      ['default/b', undefined, 'node', 40002],
      ['default/a', undefined, 'cut', 40003],
    ],
  );
});

/** An ingest that answers each request with what `answer` says for its batch number (or hangs up). */
async function scriptedIngest(answer: (seq: number, attempt: number) => number | 'hang-up') {
  const seen: { seq: number; flows: number; dropped: number }[] = [];
  const server = createServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (chunk) => body.push(chunk));
    request.on('end', () => {
      const { batch: number, flows, dropped } = frameOf(body, request.headers['content-type']);
      const batch = number ?? { seq: -1 };
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
  shipper.push(flows(0, 20));
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

test('a batch that got no answer keeps its number while later tries are not stored, so it is never stored twice', async () => {
  // Batch 1 may have been stored (the answer is lost), then the server is unavailable for a while.
  const { server, seen, url } = await scriptedIngest((seq, attempt) =>
    seq === 1 && attempt === 0 ? 'hang-up' : seq === 1 && attempt < 3 ? 503 : 200,
  );
  const shipper = new FlowShipper({ url, token: () => 't', node: 'lab-node-1', batchSize: 10, retryMs: 10 });
  shipper.push(flows(0, 10));
  for (let i = 0; i < 200 && shipper.delivered < 10; i++) await sleep(10);
  shipper.push(flows(10, 20));
  for (let i = 0; i < 200 && shipper.delivered < 20; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.deepEqual(
    seen.map(({ seq, flows }) => [seq, flows]),
    [
      [1, 10],
      [1, 10],
      [1, 10],
      [1, 10],
      [2, 10],
    ],
    'every try of the first batch under its own number',
  );
  assert.equal(shipper.delivered, 20);
});

test('a batch the server refuses for good is dropped and counted, and the next ones go on', async () => {
  const { server, seen, url } = await scriptedIngest((seq) => (seq === 1 ? 400 : 200));
  const shipper = new FlowShipper({ url, token: () => 't', node: 'lab-node-1', batchSize: 5, retryMs: 10 });
  shipper.push(flows(0, 12));
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

test('flows on their way count as buffered until the server answers', async () => {
  let answer: () => void = () => {};
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      answer = () => response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ingest`;
  const shipper = new FlowShipper({ url, token: () => 't', node: 'lab-node-1' });
  shipper.push(flows(0, 12));
  await sleep(100);
  assert.equal(shipper.buffered, 12, 'sent, not yet answered');
  answer();
  for (let i = 0; i < 100 && shipper.delivered < 12; i++) await sleep(10);
  shipper.close();
  server.close();
  assert.deepEqual([shipper.delivered, shipper.buffered], [12, 0]);
});
