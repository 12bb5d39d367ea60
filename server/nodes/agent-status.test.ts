import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedPodsOf, enforcementWarnings } from '../lab/closed-pod.ts';
import { decodeAgentStatus } from './agent-status.ts';

const programs = { ingressId: 7, egressId: 8, adopted: false };

test('an agent status decodes pods by namespace/name and names the field it refuses', () => {
  const status = decodeAgentStatus(
    { pods: { 'demo/app-1': programs }, mapFill: { 'demo/app-1': 0.25 }, deniedPackets: 3, lostEvents: 0 },
    'status',
  );
  assert.deepEqual(status.pods, { 'demo/app-1': programs });
  assert.equal(status.mapFill['demo/app-1'], 0.25);
  assert.throws(
    () =>
      decodeAgentStatus(
        { pods: { 'demo/app-1': { ...programs, ingressId: -1 } }, deniedPackets: 0, lostEvents: 0 },
        'status',
      ),
    /status\.pods\["demo\/app-1"\]\.ingressId: must not be negative/,
  );
});

test('pod keys that are not namespace/name are refused, __proto__ among them', () => {
  for (const key of ['__proto__', 'constructor', 'demo', 'demo/app/x', 'Demo/app', 'demo/']) {
    const pods = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(programs)}}`);
    assert.throws(
      () => decodeAgentStatus({ pods, deniedPackets: 0, lostEvents: 0 }, 'status'),
      (error: Error) => error.message.startsWith(`status.pods[${JSON.stringify(key)}]: pod key `),
      key,
    );
    const mapFill = JSON.parse(`{${JSON.stringify(key)}: 0.5}`);
    assert.throws(
      () => decodeAgentStatus({ mapFill, deniedPackets: 0, lostEvents: 0 }, 'status'),
      /status\.mapFill\[/,
    );
  }
});

test('the pods an agent closed come with the status, each named and with its reason', () => {
  const status = decodeAgentStatus(
    {
      pods: {},
      deniedPackets: 0,
      lostEvents: 0,
      failClosed: { 'demo/web': { ingress: '31 port ranges; the datapath holds 24' } },
      podErrors: { 'demo/db': 'veth gone' },
    },
    'status',
  );
  assert.deepEqual(closedPodsOf('node-1', status), [
    {
      pod: 'demo/web',
      node: 'node-1',
      direction: 'ingress',
      reason: '31 port ranges; the datapath holds 24',
    },
    { pod: 'demo/db', node: 'node-1', reason: 'veth gone' },
  ]);
  assert.deepEqual(
    enforcementWarnings({ pending: 'lab-node-2 is late', closed: closedPodsOf('node-1', status) }),
    [
      'not enforced everywhere yet: lab-node-2 is late',
      'the agent of node-1 closed demo/web for ingress (all of its ingress is dropped) rather than enforce part of its rules: 31 port ranges; the datapath holds 24',
      "the agent of node-1 could not attach demo/db's programs: veth gone",
    ],
  );
  assert.throws(
    () =>
      decodeAgentStatus(
        { deniedPackets: 0, lostEvents: 0, failClosed: { 'demo/web': { ingress: 3 } } },
        'status',
      ),
    /status\.failClosed\["demo\/web"\]\.ingress/,
  );
  assert.throws(
    () => decodeAgentStatus({ deniedPackets: 0, lostEvents: 0, podErrors: { demo: 'x' } }, 'status'),
    /status\.podErrors\["demo"\]: pod key/,
  );
});
