import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeObject } from './objects.ts';
import { decodePod, hostIPsOf, podIPsOf } from './pod.ts';

const pod = (status: object) =>
  decodePod({ metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [] }, status });

test('status.podIPs and status.hostIPs: every address of a dual-stack pod and its node, the primary first', () => {
  const dual = pod({
    podIP: '10.77.1.10',
    podIPs: [{ ip: '10.77.1.10' }, { ip: 'fd00:77:1::10' }],
    hostIP: '10.77.255.1',
    hostIPs: [{ ip: '10.77.255.1' }, { ip: 'fd00:77:ff::1' }],
  });
  assert.deepEqual(podIPsOf(dual), ['10.77.1.10', 'fd00:77:1::10']);
  assert.deepEqual(hostIPsOf(dual), ['10.77.255.1', 'fd00:77:ff::1']);
  assert.deepEqual(decodePod(encodeObject(dual)), dual, 'written back as it was read');
  // Only the list: podIP is its first entry. Only podIP: the list is that one address.
  assert.equal(pod({ podIPs: [{ ip: 'fd00::5' }] }).podIP, 'fd00::5');
  assert.deepEqual(podIPsOf(pod({ podIP: '10.0.0.5' })), ['10.0.0.5']);
  assert.deepEqual(podIPsOf(pod({})), []);
});

test('bad podIPs name the field', () => {
  assert.throws(
    () => pod({ podIPs: [{ ip: '10.0.0.5' }, { ip: 'nope' }] }),
    /status\.podIPs\[1\]\.ip: invalid IP address "nope"/,
  );
  assert.throws(
    () => pod({ podIPs: [{ ip: '10.0.0.5' }, { ip: '10.0.0.6' }] }),
    /status\.podIPs: at most one address of each family/,
  );
  assert.throws(
    () => pod({ podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.6' }] }),
    /status\.podIPs\[0\]\.ip: must equal status\.podIP "10\.0\.0\.5"/,
  );
  assert.throws(() => pod({ hostIPs: [{}] }), /status\.hostIPs\[0\]\.ip: invalid IP address ""/);
});

test('a container names each of its ports once; two containers may use one name', () => {
  const withPorts = (...containers: object[][]) =>
    decodePod({
      metadata: { name: 'web', namespace: 'shop' },
      spec: { containers: containers.map((ports, i) => ({ name: `c${i}`, ports })) },
    });
  assert.throws(
    () =>
      withPorts([
        { name: 'http', containerPort: 80 },
        { name: 'http', containerPort: 8080 },
      ]),
    /spec\.containers\[0\]\.ports\[1\]\.name: duplicate port name "http"/,
  );
  assert.equal(
    withPorts([{ name: 'http', containerPort: 80 }], [{ name: 'http', containerPort: 81 }]).ports.length,
    2,
  );
});

test('spec.hostNetwork is true or false', () => {
  const withHostNetwork = (hostNetwork: unknown) =>
    decodePod({ metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [], hostNetwork } });
  assert.equal(withHostNetwork(true).hostNetwork, true);
  assert.equal(withHostNetwork(undefined).hostNetwork, false);
  assert.throws(() => withHostNetwork('true'), /spec\.hostNetwork: must be true or false/);
});
