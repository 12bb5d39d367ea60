import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAYOUT } from '../../agent/datapath/layout.ts';
import { frameOf } from '../../agent/record-batch.ts';
import { recordsOf, testEvent } from '../../agent/testing-records.ts';
import { HttpError } from '../http/http-error.ts';
import { FieldError } from '../kube/field-error.ts';
import { decodeFrame, decodeFrames } from './flow-frame.ts';
import { type IngestBlock, parseIngestFrame } from './ingest.ts';

const reasons = ['policy', 'node', 'cut', 'icmp', 'fragment', 'deny-all'] as const;
const events = reasons.map((reason, i) =>
  testEvent(i, {
    reason,
    podId: 10 + (i % 2),
    ruleId: i === 0 ? 5 : 0,
    tier: i === 0 ? 'NetworkPolicy' : 'None',
    verdict: i < 2 ? 'allow' : 'deny',
    kind: i < 2 ? 'new-flow' : 'denied',
    direction: i % 2 ? 'egress' : 'ingress',
    ...(i === 3 ? { protocol: 1, sport: 0, dport: 0 } : {}),
    ...(i === 5 ? { family: 6 as const, src: 'fd00:77::2:10', dst: 'fd00:77::1:10' } : {}),
  }),
);
const names = { pods: { 10: 'default/a', 11: 'default/b' }, policies: { 5: 'default/allow-web' } };
const frame = () =>
  frameOf({ node: 'lab-node-1', dropped: 2, batch: { sender: 'abc', seq: 4 } }, [recordsOf(events, names)]);

/** The flows of a batch the ingest took (a block of records), as flows. */
const flowsOf = (batch: IngestBlock) =>
  Array.from({ length: batch.block.count }, (_, i) => batch.block.flow(i, batch.node));

test('a frame’s records become flows with their names, reason, tier and family, the head once', () => {
  const bytes = frame();
  const batch = parseIngestFrame(bytes);
  assert.deepEqual(
    { node: batch.node, dropped: batch.dropped, batch: batch.batch },
    { node: 'lab-node-1', dropped: 2, batch: { sender: 'abc', seq: 4 } },
  );
  assert.deepEqual(
    flowsOf(batch).map(({ time, ...flow }, i) => {
      assert.ok(
        Math.abs(time - (events[i]?.time ?? 0)) <= 1,
        'the time, within the frame clock’s millisecond',
      );
      return flow;
    }),
    events.map((event, i) => ({
      node: 'lab-node-1',
      pod: i % 2 ? 'default/b' : 'default/a',
      direction: event.direction,
      verdict: event.verdict,
      kind: event.kind,
      src: event.src,
      sport: event.sport,
      dst: event.dst,
      dport: event.dport,
      protocol: event.protocol,
      family: event.family,
      reason: event.reason,
      tier: event.tier,
      ...(i === 0 ? { policy: 'default/allow-web' } : {}),
    })),
  );
  // The records kept as a block read as the flows decoded from the same frame (a flow file's).
  const decoded = decodeFrame(bytes).batch.flows;
  assert.deepEqual(
    flowsOf(batch),
    decoded.map((flow) => JSON.parse(JSON.stringify(flow))),
  );
});

test('a cluster tier’s flow carries its tier and the ClusterNetworkPolicy’s name, which has no namespace', () => {
  const decided = [
    testEvent(0, { verdict: 'deny', kind: 'denied', tier: 'Admin', ruleId: 7, direction: 'egress' }),
    testEvent(1, { tier: 'Baseline', ruleId: 8 }),
    testEvent(2, { tier: 'NetworkPolicy', ruleId: 9 }),
  ];
  const policies = { 7: 'isolate-another-ns', 8: 'dns-for-everyone', 9: 'default/allow-web' };
  const flows = flowsOf(
    parseIngestFrame(frameOf({ node: 'lab-node-1' }, [recordsOf(decided, { policies })])),
  );
  assert.deepEqual(
    flows.map((flow) => [flow.verdict, flow.tier, flow.policy]),
    [
      ['deny', 'Admin', 'isolate-another-ns'],
      ['allow', 'Baseline', 'dns-for-everyone'],
      ['allow', 'NetworkPolicy', 'default/allow-web'],
    ],
  );
});

test('frames back to back (a flow file) read up to the last whole one', () => {
  const two = Buffer.concat([frame(), frame()]);
  const partial = Buffer.concat([two, frame().subarray(0, 40)]);
  assert.deepEqual([decodeFrames(partial).flows.length, decodeFrames(partial).end], [12, two.length]);
  assert.equal(decodeFrames(partial).error, undefined, 'a frame being written is no error');
});

test('a broken frame in a flow file ends the reading there, saying where', () => {
  const one = frame();
  // A write a crash cut short, then a whole frame appended after it.
  const broken = Buffer.concat([one, frame().subarray(0, 40), frame()]);
  const read = decodeFrames(broken);
  assert.deepEqual([read.flows.length, read.end], [6, one.length]);
  assert.match(read.error ?? '', new RegExp(`^the frame at byte ${one.length}: `));
});

test('a frame that is not what an agent writes is refused, naming the field', () => {
  const field = (bytes: Buffer) => {
    try {
      parseIngestFrame(bytes);
    } catch (error) {
      if (error instanceof FieldError) return `${error.field}: ${error.reason}`;
      if (error instanceof HttpError) return `${error.status} ${error.message}`;
      throw error;
    }
    return 'taken';
  };
  assert.match(field(Buffer.from('{"node":"x","flows":[]}')), /^body: is not a flow frame/);
  const { offsets } = LAYOUT.flow_event;
  const good = frame();
  const recordsAt = good.length - events.length * LAYOUT.flow_event.size;
  const bad = (at: number, value: number) => {
    const copy = Buffer.from(good);
    copy[recordsAt + 2 * LAYOUT.flow_event.size + at] = value;
    return copy;
  };
  assert.equal(field(bad(offsets.reason, 6)), 'records[2].reason: is not a value the kernel writes (6)');
  assert.equal(field(bad(offsets.family, 5)), 'records[2].family: is not a value the kernel writes (5)');
  assert.equal(field(bad(offsets.tier, 4)), 'records[2].tier: is not a value the kernel writes (4)');
  assert.equal(
    field(bad(offsets.direction, 2)),
    'records[2].direction: is not a value the kernel writes (2)',
  );
  assert.match(field(good.subarray(0, good.length - 1)), /^records: the frame says 6 records/);
  const longHead = Buffer.from(good);
  longHead.writeUInt32LE(good.length, 4);
  assert.match(field(longHead), /^head: says \d+ bytes, and \d+ follow the frame's prefix/);
  assert.match(field(Buffer.concat([good, Buffer.alloc(3)])), /^body: holds 3 bytes after its frame/);
  const head = Buffer.from(good);
  head.write('{"node":"Bad_Node"', 12, 'utf8');
  assert.match(field(head), /^head: is not JSON|^node:/);
  const many = Buffer.from(good);
  many.writeUInt32LE(10_001, 8);
  assert.match(field(many), /^413 a batch holds at most 10000 flows, not 10001/);
  assert.throws(() => decodeFrame(Buffer.alloc(5)), /flow frame/);
  const named = (pods: Record<number, string>, policies: Record<number, string> = {}) =>
    field(frameOf({ node: 'lab-node-1' }, [recordsOf(events, { pods, policies })]));
  assert.equal(named({ 10: '<img src=x>' }), 'head.pods.10: must be ns/name');
  assert.equal(named({ 10: 'isolate-another-ns' }), 'head.pods.10: must be ns/name');
  assert.match(named({}, { 5: 'default/Allow' }), /^head.policies.5: name must consist of lower case/);
  assert.equal(named({ 10: 'default/a' }, { 5: 'isolate-another-ns' }), 'taken');
});
