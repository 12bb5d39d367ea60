import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject } from '../kube/objects.ts';
import type { Service } from '../kube/service.ts';
import { cidrContains, parseCidr, parseIp } from '../net/ip.ts';
import { ClusterIpError, LAB_SERVICE_RANGE, withClusterIPs } from './cluster-ips.ts';

const service = (name: string, clusterIP?: string) =>
  decodeObject({
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: name }, ports: [{ port: 80 }] },
  }) as Service;

test('Services without a ClusterIP get one from the lab’s range, the same for the same name', () => {
  const [web, api, given] = withClusterIPs(
    [service('web'), service('api'), service('dns', '10.96.0.10')],
    [],
  );
  const range = parseCidr(LAB_SERVICE_RANGE);
  assert.ok(range);
  for (const allocated of [web, api]) {
    const ip = parseIp(allocated?.clusterIPs[0] ?? '');
    assert.ok(ip && cidrContains(range, ip), `${allocated?.clusterIPs} is in ${LAB_SERVICE_RANGE}`);
  }
  assert.notEqual(web?.clusterIPs[0], api?.clusterIPs[0]);
  assert.deepEqual(given?.clusterIPs, ['10.96.0.10']);
  assert.deepEqual(withClusterIPs([service('web')], [])[0]?.clusterIPs, web?.clusterIPs);
  // Applied again without one, a Service keeps the ClusterIP it has.
  const kept = withClusterIPs([service('web')], [{ ...service('web'), clusterIPs: ['10.96.9.9'] }]);
  assert.deepEqual(kept[0]?.clusterIPs, ['10.96.9.9']);
  const headless = decodeObject({
    kind: 'Service',
    metadata: { name: 'h' },
    spec: { clusterIP: 'None' },
  }) as Service;
  assert.deepEqual(withClusterIPs([headless], [])[0]?.clusterIPs, []);
});

test('a ClusterIP another Service holds, or a changed one, is refused', () => {
  assert.throws(
    () => withClusterIPs([service('web', '10.96.0.10')], [service('dns', '10.96.0.10')]),
    (error: unknown) =>
      error instanceof ClusterIpError &&
      /Service shop\/web: spec\.clusterIP: 10\.96\.0\.10 is already allocated to svc\/shop\/dns/.test(
        error.message,
      ),
  );
  assert.throws(
    () => withClusterIPs([service('web', '10.96.0.11')], [service('web', '10.96.0.10')]),
    /may not change from 10\.96\.0\.10 to 10\.96\.0\.11/,
  );
  // Allocation never takes an address the input gives another Service.
  const hashed = withClusterIPs([service('web')], [])[0]?.clusterIPs[0] ?? '';
  const [web, other] = withClusterIPs([service('web'), service('other', hashed)], []);
  assert.notEqual(web?.clusterIPs[0], hashed);
  assert.equal(other?.clusterIPs[0], hashed);
});
