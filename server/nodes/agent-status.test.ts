import assert from 'node:assert/strict';
import { test } from 'node:test';
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
