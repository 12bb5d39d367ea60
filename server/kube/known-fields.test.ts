import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'js-yaml';
import type { Json } from './decode.ts';
import { checkKnownFields } from './known-fields.ts';

const check = (yaml: string) => () => checkKnownFields(load(yaml) as Json);
const refused = (yaml: string, field: string, message: RegExp) =>
  assert.throws(check(yaml), (error: { field?: string; message: string }) => {
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });

const POLICY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop, labels: {team: a}, managedFields: [{manager: kubectl}], resourceVersion: "7"}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchExpressions: [{key: app, operator: In, values: [client]}]}
      namespaceSelector: {}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports: [{protocol: TCP, port: 80, endPort: 90}]
  egress:
  - to: [{namespaceSelector: {matchLabels: {a: b}}}]
    ports: [{port: dns}]
`;

const CLUSTER_POLICY = `
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: guard}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
  ingress:
  - name: from-monitoring
    action: Accept
    from: [{namespaces: {matchLabels: {team: monitoring}}}]
    ports: [{portNumber: {protocol: TCP, port: 9090}}, {portRange: {protocol: UDP, start: 1000, end: 2000}}, {namedPort: http}]
  egress:
  - action: Deny
    to: [{networks: [10.0.0.0/8]}, {pods: {namespaceSelector: {}, podSelector: {}}}]
`;

test('every field of a NetworkPolicy and a ClusterNetworkPolicy is known, with metadata as the API server gives it back', () => {
  assert.doesNotThrow(check(POLICY));
  assert.doesNotThrow(check(CLUSTER_POLICY));
  assert.doesNotThrow(
    check(POLICY.replace('apiVersion: networking.k8s.io/v1\n', '')),
    'no apiVersion: the kind’s',
  );
});

test('a field the kind does not have is named, with the one meant when it is a typo', () => {
  refused(
    POLICY.replace('  ingress:', '  ingres:'),
    'spec.ingres',
    /unknown field \(did you mean ingress\?\)/,
  );
  refused(
    POLICY.replace('ipBlock: {cidr', 'ipBlock: {cdir'),
    'spec.ingress[0].from[1].ipBlock.cdir',
    /did you mean cidr\?/,
  );
  refused(
    POLICY.replace('{protocol: TCP, port: 80', '{protocol: TCP, prot: 80'),
    'spec.ingress[0].ports[0].prot',
    /did you mean port\?/,
  );
  refused(
    POLICY.replace('[{key: app,', '[{key: app, valuez: [], '),
    'spec.ingress[0].from[0].podSelector.matchExpressions[0].valuez',
    /did you mean values\?/,
  );
  refused(POLICY.replace('spec:', 'spek: {}\nspec:'), 'spek', /did you mean spec\?/);
  refused(
    POLICY.replace('  policyTypes:', '  bogusField: 1\n  policyTypes:'),
    'spec.bogusField',
    /unknown field: known fields here are podSelector, policyTypes, ingress, egress/,
  );
  refused(
    CLUSTER_POLICY.replace('action: Deny', 'action: Deny\n    port: 80'),
    'spec.egress[0].port',
    /did you mean ports\?/,
  );
  refused(
    CLUSTER_POLICY.replace('{networks:', '{netwroks:'),
    'spec.egress[0].to[0].netwroks',
    /did you mean networks\?/,
  );
});

test('an apiVersion other than the kind’s is refused; other kinds are not checked', () => {
  refused(
    POLICY.replace('networking.k8s.io/v1', 'networking.k8s.io/v2'),
    'apiVersion',
    /must be networking\.k8s\.io\/v1/,
  );
  refused(
    CLUSTER_POLICY.replace('networking.k8s.aws/v1alpha1', 'policy.networking.k8s.io/v1alpha1'),
    'apiVersion',
    /must be networking\.k8s\.aws\/v1alpha1/,
  );
  assert.doesNotThrow(check('kind: Pod\nmetadata: {name: a}\nspec: {anything: 1}\n'));
});
