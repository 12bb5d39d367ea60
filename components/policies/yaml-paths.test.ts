import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOfField, pathAt } from './yaml-paths.ts';

const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: a
        - ipBlock:
            cidr: 10.0.0.0/8
      ports:
        - port: 80
        - port: 70000
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: second
spec:
  egress:
  - to: []
    ports:
    - port: 53
`;

test('a field path leads to its line, per document', () => {
  assert.equal(lineOfField(POLICY, 1, 'metadata.name'), 4);
  assert.equal(lineOfField(POLICY, 1, 'spec.ingress[0].ports[1].port'), 16);
  assert.equal(lineOfField(POLICY, 1, 'spec.ingress[0].from[1].ipBlock.cidr'), 13);
  assert.equal(lineOfField(POLICY, 1, 'spec.ingress[0].from[0].podSelector.matchLabels'), 10);
  assert.equal(lineOfField(POLICY, 2, 'spec.egress[0].ports[0].port'), 26);
  assert.equal(lineOfField(POLICY, 2, 'metadata.name'), 21);
});

test('a missing field leads to the deepest part that exists', () => {
  assert.equal(lineOfField(POLICY, 1, 'spec.egress'), 5);
  assert.equal(lineOfField(POLICY, 1, 'spec.ingress[3]'), 7);
  assert.equal(lineOfField(POLICY, 3, 'spec'), 1);
});

test('the keys around a cursor, for completion', () => {
  const lines = POLICY.split('\n');
  const at = (line: number, text: string) =>
    pathAt([...lines.slice(0, line - 1), text].join('\n'), line, text.length + 1);
  assert.deepEqual(at(6, '  '), ['spec']);
  assert.deepEqual(at(9, '        - '), ['spec', 'ingress', 'from']);
  assert.deepEqual(at(14, '      '), ['spec', 'ingress']);
  assert.deepEqual(at(12, '              '), ['spec', 'ingress', 'from', 'podSelector', 'matchLabels']);
  assert.deepEqual(at(17, '          '), ['spec', 'ingress', 'ports']);
  assert.deepEqual(at(4, '  '), ['metadata']);
  assert.deepEqual(at(1, ''), []);
  assert.deepEqual(at(26, '    '), ['spec', 'egress']);
});
