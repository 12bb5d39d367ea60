import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { isObject, type Json } from './decode.ts';
import { FieldError } from './field-error.ts';
import { decodeObject } from './objects.ts';

function policy(spec: string): Json {
  const parsed = load(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
${spec.replace(/^/gm, '  ')}`);
  assert.ok(isObject(parsed));
  return parsed;
}

/** Asserts that decoding fails on `field` with a message containing `reason`. */
function rejects(spec: string, field: string, reason: RegExp) {
  assert.throws(
    () => decodeObject(policy(spec)),
    (error: unknown) => {
      assert.ok(error instanceof FieldError, String(error));
      assert.equal(error.field, field);
      assert.equal(error.object, 'NetworkPolicy shop/web');
      assert.match(error.message, reason);
      assert.match(error.message, /^NetworkPolicy shop\/web: /);
      return true;
    },
  );
}

test('rejects what the API server rejects, naming the object and the field', () => {
  // JSON.parse makes `__proto__` an own key, as the API server's decoder would see it.
  assert.throws(
    () =>
      decodeObject({
        ...policy('podSelector: {}'),
        spec: JSON.parse('{"podSelector":{"matchLabels":{"__proto__":"x"}}}'),
      }),
    /spec\.podSelector\.matchLabels: invalid label key "__proto__"/,
  );
  rejects(
    'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0/8}}]}]',
    'spec.ingress[0].from[0].ipBlock.cidr',
    /invalid CIDR/,
  );
  rejects(
    'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]',
    'spec.ingress[0].from[0].ipBlock.except[0]',
    /strict subset/,
  );
  rejects(
    'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]',
    'spec.ingress[0].from[0].ipBlock.except[0]',
    /strict subset/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{endPort: 90}]}]',
    'spec.egress[0].ports[0].endPort',
    /without port/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{port: 90, endPort: 80}]}]',
    'spec.egress[0].ports[0].endPort',
    /at least port/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{port: http, endPort: 80}]}]',
    'spec.egress[0].ports[0].endPort',
    /is a name/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{port: 70000}]}]',
    'spec.egress[0].ports[0].port',
    /between 1 and 65535/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{port: "80"}]}]',
    'spec.egress[0].ports[0].port',
    /at least one letter/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{port: Bad_Name}]}]',
    'spec.egress[0].ports[0].port',
    /invalid port name/,
  );
  rejects(
    'podSelector: {}\negress: [{ports: [{protocol: ICMP}]}]',
    'spec.egress[0].ports[0].protocol',
    /unsupported protocol/,
  );
  rejects(
    'podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}',
    'spec.podSelector.matchExpressions[0].operator',
    /unsupported operator "Equals"/,
  );
  rejects(
    'podSelector: {matchExpressions: [{key: app, operator: In}]}',
    'spec.podSelector.matchExpressions[0].values',
    /must be specified/,
  );
  rejects(
    'podSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}',
    'spec.podSelector.matchExpressions[0].values',
    /may not be specified/,
  );
  rejects('podSelector: {matchLabels: {"bad key!": x}}', 'spec.podSelector.matchLabels', /invalid label key/);
  rejects('podSelector: {}\ningress: [{from: [{}]}]', 'spec.ingress[0].from[0]', /must specify one of/);
  rejects(
    'podSelector: {}\ningress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]',
    'spec.ingress[0].from[0]',
    /may not specify ipBlock together/,
  );
  for (const [name, reason] of [
    ['-web', /must not begin or end with a hyphen/],
    ['web-', /must not begin or end with a hyphen/],
    ['Web', /lower case alphanumeric/],
    ['w--b', /consecutive hyphens/],
    ['80-81', /at least one letter/],
    ['a-very-long-name', /1 to 15 characters/],
  ] as const)
    rejects(
      `podSelector: {}\ningress: [{ports: [{port: "${name}"}]}]`,
      'spec.ingress[0].ports[0].port',
      reason,
    );
  rejects('podSelector: {}\npolicyTypes: [Inbound]', 'spec.policyTypes[0]', /unsupported policy type/);
  rejects('podSelector: {}\npolicyTypes: [Ingress, Egress, Ingress]', 'spec.policyTypes', /more than two/);
  rejects('podSelector: {}\ningress: {from: []}', 'spec.ingress', /must be a list/);
});

test('defaults podSelector, policyTypes and protocols as the API server does', () => {
  const decode = (spec: string) => {
    const object = decodeObject(policy(spec));
    assert.equal(object.kind, 'NetworkPolicy');
    return object;
  };
  assert.deepEqual(decode('podSelector: {}').policyTypes, ['Ingress']);
  // kube-apiserver 1.37 stores a policy with no podSelector (or a null one) as `podSelector: {}`.
  for (const spec of ['ingress: []', 'podSelector: null'])
    assert.deepEqual(decode(spec).podSelector, { matchLabels: {}, matchExpressions: [] }, spec);
  assert.deepEqual(decode('podSelector: {}\negress: [{}]').policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(decode('podSelector: {}\negress: []').policyTypes, ['Ingress']);
  assert.deepEqual(decode('podSelector: {}\npolicyTypes: [Egress]\ningress: [{}]').policyTypes, ['Egress']);
  // The API server takes a type given twice.
  assert.deepEqual(decode('podSelector: {}\npolicyTypes: [Egress, Egress]').policyTypes, ['Egress']);
  assert.deepEqual(decode('podSelector: {}\ningress: [{ports: [{port: 80}]}]').ingress[0]?.ports, [
    { protocol: 'TCP', port: 80 },
  ]);
});

test('accepts IPv6 blocks and named ports', () => {
  const object = decodeObject(
    policy(
      'podSelector: {}\negress: [{to: [{ipBlock: {cidr: "fd00::/8", except: ["fd00::/16"]}}], ports: [{port: dns, protocol: UDP}]}]',
    ),
  );
  assert.equal(object.kind, 'NetworkPolicy');
  assert.equal(object.egress[0]?.peers[0]?.ipBlock?.block.family, 6);
  assert.equal(object.egress[0]?.ports[0]?.port, 'dns');
});
