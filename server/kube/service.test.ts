import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldError } from './field-error.ts';
import { decodeObject, encodeObject } from './objects.ts';
import type { Service } from './service.ts';

const service = (spec: unknown, name = 'web') =>
  decodeObject({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec }) as Service;

/** Asserts that decoding fails naming the object and the field. */
function refused(spec: unknown, field: string, reason: RegExp) {
  assert.throws(
    () => service(spec),
    (error: unknown) => {
      assert.ok(error instanceof FieldError, String(error));
      assert.equal(error.field, field);
      assert.equal(error.object, 'Service shop/web');
      assert.match(error.reason, reason);
      return true;
    },
  );
}

test('a Service: type defaults to ClusterIP, targetPort to the port, protocol to TCP', () => {
  const web = service({ clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80 }] });
  assert.deepEqual(
    { ...web, metadata: undefined },
    {
      kind: 'Service',
      metadata: undefined,
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.5'],
      headless: false,
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    },
  );
});

test('named and numeric target ports, several ports, dual stack, headless and not yet allocated', () => {
  const web = service({
    clusterIPs: ['10.96.0.5', 'fd00::0005'],
    ports: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'dns', port: 53, targetPort: '5353', protocol: 'UDP' },
    ],
  });
  assert.deepEqual(web.clusterIPs, ['10.96.0.5', 'fd00::5']);
  assert.deepEqual(
    web.ports.map((port) => port.targetPort),
    ['http', 5353],
  );
  const headless = service({ clusterIP: 'None', selector: { app: 'web' } });
  assert.equal(headless.headless, true);
  assert.deepEqual(headless.clusterIPs, []);
  assert.deepEqual(service({ ports: [{ port: 80 }] }).clusterIPs, []);
  const external = service({ type: 'ExternalName', externalName: 'example.com' });
  assert.deepEqual([external.type, external.clusterIPs, external.headless], ['ExternalName', [], false]);
});

test('bad Services are refused, naming the object and the field', () => {
  refused({ type: 'Magic', ports: [{ port: 80 }] }, 'spec.type', /unsupported type "Magic"/);
  refused({ clusterIP: '10.96.0.300', ports: [{ port: 80 }] }, 'spec.clusterIP', /invalid IP address/);
  refused(
    { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.6'], ports: [{ port: 80 }] },
    'spec.clusterIPs[0]',
    /must equal spec\.clusterIP/,
  );
  refused({ clusterIP: '10.96.0.5' }, 'spec.ports', /is required/);
  refused({ ports: [{ port: 0 }] }, 'spec.ports[0].port', /between 1 and 65535/);
  refused(
    { ports: [{ port: 80, targetPort: 'Not_A_Name' }] },
    'spec.ports[0].targetPort',
    /invalid port name/,
  );
  refused({ ports: [{ port: 80, targetPort: 70000 }] }, 'spec.ports[0].targetPort', /between 1 and 65535/);
  refused({ ports: [{ port: 80, protocol: 'ICMP' }] }, 'spec.ports[0].protocol', /unsupported protocol/);
  refused({ ports: [{ name: 'a', port: 80 }, { port: 81 }] }, 'spec.ports[1].name', /required when/);
  refused(
    {
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 80 },
      ],
    },
    'spec.ports[1]',
    /duplicate port 80\/TCP/,
  );
  refused(
    { selector: { 'bad key!': 'x' }, ports: [{ port: 80 }] },
    'spec.selector.bad key!',
    /invalid label/,
  );
  refused(
    { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] },
    'spec.clusterIP',
    /may not be "None"/,
  );
  refused({ type: 'ExternalName', clusterIP: '10.96.0.5' }, 'spec.clusterIP', /must be empty/);
});

test('a Service written back reads as the same Service', () => {
  const web = service({
    type: 'LoadBalancer',
    clusterIPs: ['10.96.0.5'],
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  });
  const again = decodeObject(encodeObject(web));
  assert.deepEqual(again, web);
  const headless = service({ clusterIP: 'None', selector: { app: 'web' } });
  assert.deepEqual(decodeObject(encodeObject(headless)), headless);
});
