import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { isObject, type Json } from './decode.ts';
import { FieldError } from './field-error.ts';
import { decodeObject, encodeObject } from './objects.ts';

function policy(spec: string, header = 'apiVersion: networking.k8s.aws/v1alpha1'): Json {
  const parsed = load(`${header}
kind: ClusterNetworkPolicy
metadata: {name: guard}
spec:
${spec.replace(/^/gm, '  ')}`);
  assert.ok(isObject(parsed));
  return parsed;
}

const BASE = 'tier: Admin\npriority: 10\nsubject: {namespaces: {}}';

/** Asserts that decoding fails on `field` with a message containing `reason`. */
function rejects(spec: string, field: string, reason: RegExp, header?: string) {
  assert.throws(
    () => decodeObject(policy(spec, header)),
    (error: unknown) => {
      assert.ok(error instanceof FieldError, String(error));
      assert.equal(error.field, field);
      assert.equal(error.object, 'ClusterNetworkPolicy guard');
      assert.match(error.message, reason);
      assert.match(error.message, /^ClusterNetworkPolicy guard: /);
      return true;
    },
  );
}

test('rejects what AWS’s CRD rejects, naming the object and the field', () => {
  rejects('priority: 1\nsubject: {namespaces: {}}', 'spec.tier', /is required: one of Admin, Baseline/);
  rejects(
    'tier: Developer\npriority: 1\nsubject: {namespaces: {}}',
    'spec.tier',
    /must be one of Admin, Baseline/,
  );
  rejects('tier: Admin\nsubject: {namespaces: {}}', 'spec.priority', /is required/);
  rejects(
    'tier: Admin\npriority: 1001\nsubject: {namespaces: {}}',
    'spec.priority',
    /between 0 and 1000, got 1001/,
  );
  rejects('tier: Admin\npriority: -1\nsubject: {namespaces: {}}', 'spec.priority', /between 0 and 1000/);
  rejects('tier: Admin\npriority: 1.5\nsubject: {namespaces: {}}', 'spec.priority', /integer/);
  rejects('tier: Admin\npriority: 1', 'spec.subject', /is required/);
  rejects(
    'tier: Admin\npriority: 1\nsubject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}',
    'spec.subject',
    /exactly one of namespaces, pods, got namespaces and pods/,
  );
  rejects(
    'tier: Admin\npriority: 1\nsubject: {pods: {podSelector: {}}}',
    'spec.subject.pods.namespaceSelector',
    /is required/,
  );
  rejects(`${BASE}\ningress: [{from: [{namespaces: {}}]}]`, 'spec.ingress[0].action', /is required/);
  rejects(
    `${BASE}\ningress: [{action: Allow, from: [{namespaces: {}}]}]`,
    'spec.ingress[0].action',
    /one of Accept, Deny, Pass/,
  );
  rejects(`${BASE}\ningress: [{action: Deny}]`, 'spec.ingress[0].from', /at least one peer/);
  rejects(`${BASE}\negress: [{action: Deny, to: []}]`, 'spec.egress[0].to', /at least one peer/);
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]`,
    'spec.ingress[0].from[0].networks',
    /not supported here: set exactly one of namespaces, pods/,
  );
  rejects(
    `${BASE}\negress: [{action: Deny, to: [{networks: [10.0.0/8]}]}]`,
    'spec.egress[0].to[0].networks[0]',
    /invalid CIDR/,
  );
  rejects(
    `${BASE}\negress: [{action: Deny, to: [{networks: []}]}]`,
    'spec.egress[0].to[0].networks',
    /1 to 25 CIDRs/,
  );
  rejects(
    `${BASE}\negress: [{action: Deny, to: [{networks: [10.0.0.0/8, 10.0.0.0/8]}]}]`,
    'spec.egress[0].to[0].networks[1]',
    /repeats/,
  );
  rejects(
    `${BASE}\negress: [{action: Accept, to: [{domainNames: [example.com]}]}]`,
    'spec.egress[0].to[0].domainNames',
    /not supported by Palisade/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{}]}]`,
    'spec.ingress[0].from[0]',
    /exactly one of namespaces, pods/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: []}]`,
    'spec.ingress[0].ports',
    /1 to 100 ports/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 0}}]}]`,
    'spec.ingress[0].ports[0].portNumber.port',
    /between 1 and 65535/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {protocol: ICMP, port: 8}}]}]`,
    'spec.ingress[0].ports[0].portNumber.protocol',
    /unsupported protocol/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {start: 90, end: 80}}]}]`,
    'spec.ingress[0].ports[0].portRange',
    /start \(90\) must be less than end \(80\)/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {start: 80, end: 80}}]}]`,
    'spec.ingress[0].ports[0].portRange',
    /less than end/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{namedPort: Web_Port}]}]`,
    'spec.ingress[0].ports[0].namedPort',
    /invalid port name/,
  );
  rejects(
    `${BASE}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 80}, namedPort: web}]}]`,
    'spec.ingress[0].ports[0]',
    /exactly one of portNumber, portRange, namedPort/,
  );
  rejects(
    `${BASE}\ningress: [{name: ${'r'.repeat(101)}, action: Deny, from: [{namespaces: {}}]}]`,
    'spec.ingress[0].name',
    /at most 100 characters/,
  );
  rejects(
    BASE,
    'apiVersion',
    /unsupported apiVersion "crd.antrea.io\/v1beta1"/,
    'apiVersion: crd.antrea.io/v1beta1',
  );
});

test('reads a policy as written and writes it back in the same form', () => {
  const raw = policy(`tier: Baseline
priority: 0
subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: db}}}}
ingress:
- name: web-in
  action: Accept
  from: [{namespaces: {matchLabels: {team: b}}}]
  ports: [{portNumber: {protocol: TCP, port: 5432}}, {portRange: {protocol: UDP, start: 8000, end: 8100}}, {namedPort: metrics}]
egress:
- action: Deny
  to: [{networks: [10.0.0.0/8, 'fd00::/8']}]`);
  const decoded = decodeObject(raw);
  assert.equal(decoded.kind, 'ClusterNetworkPolicy');
  if (decoded.kind !== 'ClusterNetworkPolicy') return;
  assert.equal(decoded.metadata.namespace, '');
  assert.equal(decoded.tier, 'Baseline');
  assert.equal(decoded.priority, 0);
  assert.deepEqual(decoded.subject.podSelector?.matchLabels, { app: 'db' });
  assert.deepEqual(decoded.ingress[0]?.ports, [
    { protocol: 'TCP', port: 5432 },
    { protocol: 'UDP', port: 8000, endPort: 8100 },
    { namedPort: 'metrics' },
  ]);
  assert.deepEqual(
    decoded.egress[0]?.peers.map((peer) => peer.ipBlock?.cidr),
    ['10.0.0.0/8', 'fd00::/8'],
  );
  // Written back, it reads the same, the CIDRs of networks in one list as written.
  const again = decodeObject(encodeObject(decoded));
  assert.deepEqual(encodeObject(again), encodeObject(decoded));
  assert.deepEqual(again, decoded);
  const spec = (encodeObject(decoded) as { spec: Json }).spec;
  assert.deepEqual(spec.egress, [{ action: 'Deny', to: [{ networks: ['10.0.0.0/8', 'fd00::/8'] }] }]);
});

test('a rule with as many networks as the CRD allows is written back within its limits', () => {
  // 100 peers of 25 CIDRs each: 2,500 CIDRs, one peer each in the model.
  const peers = Array.from(
    { length: 100 },
    (_, p) => `{networks: [${Array.from({ length: 25 }, (_, c) => `10.${p}.${c}.0/24`).join(', ')}]}`,
  );
  const decoded = decodeObject(policy(`${BASE}\negress:\n- action: Deny\n  to: [${peers.join(', ')}]`));
  const to = ((encodeObject(decoded) as { spec: Json }).spec.egress as { to: { networks: string[] }[] }[])[0]
    ?.to;
  assert.equal(to?.length, 100);
  assert.ok(to?.every((peer) => peer.networks.length === 25));
  assert.deepEqual(decodeObject(encodeObject(decoded)), decoded);
});
