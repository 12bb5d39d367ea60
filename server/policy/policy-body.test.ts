import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPolicyBody } from './policy-body.ts';

const policy = 'kind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelector: {}}\n';

test('policies come as YAML or as JSON {yaml}', () => {
  assert.equal(readPolicyBody('application/yaml', policy)[0]?.metadata.name, 'p');
  assert.equal(
    readPolicyBody('application/json', JSON.stringify({ yaml: policy }))[0]?.metadata.namespace,
    'shop',
  );
});

test('bad bodies are errors naming the field, with the API server’s message', () => {
  const fails = (contentType: string, text: string, field: string, message: RegExp) =>
    assert.throws(
      () => readPolicyBody(contentType, text),
      (error: { field?: string; message: string }) => {
        assert.equal(error.field, field);
        assert.match(error.message, message);
        return true;
      },
    );
  fails('application/json', '{', 'body', /not JSON/);
  fails('application/json', '{"policy": 1}', 'yaml', /must be the policy YAML/);
  fails(
    'application/yaml',
    'kind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: {}, policyTypes: [Up]}',
    'spec.policyTypes[0]',
    /^NetworkPolicy default\/x: spec\.policyTypes\[0\]: unsupported policy type "Up"/,
  );
  fails(
    'application/yaml',
    policy.replace('{}', '{matchExpressions: [{key: a, operator: Near}]}'),
    'spec.podSelector.matchExpressions[0].operator',
    /NetworkPolicy shop\/p: .*unsupported operator "Near"/,
  );
  fails(
    'application/yaml',
    'kind: Pod\nmetadata: {name: x}\n',
    'kind',
    /only NetworkPolicies and ClusterNetworkPolicies/,
  );
  fails('application/yaml', '', 'yaml', /holds no NetworkPolicy or ClusterNetworkPolicy/);
  // Read strictly, as kubectl apply reads: a kind Palisade does not take is not passed over in silence…
  fails(
    'application/yaml',
    `${policy}---\nkind: ConfigMap\nmetadata: {name: settings}\n`,
    'kind',
    /ConfigMap default\/settings: kind: unsupported kind "ConfigMap"/,
  );
  // …nor a misspelt field, which would leave the rule out and deny what it was meant to allow.
  fails(
    'application/yaml',
    policy.replace('{podSelector: {}}', '{podSelector: {}, ingres: [{}]}'),
    'spec.ingres',
    /^NetworkPolicy shop\/p: spec\.ingres: unknown field \(did you mean ingress\?\)/,
  );
  fails(
    'application/yaml',
    `apiVersion: networking.k8s.io/v2\n${policy}`,
    'apiVersion',
    /apiVersion: must be networking\.k8s\.io\/v1, got "networking\.k8s\.io\/v2"/,
  );
  fails(
    'application/yaml',
    'kind: ClusterNetworkPolicy\nmetadata: {name: guard}\nspec: {tier: Admin, priority: 2000, subject: {namespaces: {}}}',
    'spec.priority',
    /^ClusterNetworkPolicy guard: spec\.priority: must be between 0 and 1000, got 2000/,
  );
});

test('ClusterNetworkPolicies are taken beside NetworkPolicies', () => {
  const cnp =
    'apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: guard}\nspec: {tier: Baseline, priority: 1, subject: {namespaces: {}}}\n';
  assert.deepEqual(
    readPolicyBody('application/yaml', `${policy}---\n${cnp}`).map(
      (one) => `${one.kind} ${one.metadata.name}`,
    ),
    ['NetworkPolicy p', 'ClusterNetworkPolicy guard'],
  );
});
