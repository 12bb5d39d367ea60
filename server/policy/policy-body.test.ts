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
  fails('application/yaml', 'kind: Pod\nmetadata: {name: x}\n', 'kind', /only NetworkPolicies/);
  fails('application/yaml', '', 'yaml', /holds no NetworkPolicy/);
});
