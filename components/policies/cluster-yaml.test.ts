import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterYamlFor } from './cluster-yaml.ts';

test('the cluster version of what a text names is found by namespace and name', () => {
  const listed = [
    { name: 'default/web', yaml: 'kind: NetworkPolicy # web\n' },
    { name: 'shop/db', yaml: 'kind: NetworkPolicy # db\n' },
  ];
  assert.equal(clusterYamlFor('metadata:\n  name: web\n', listed), 'kind: NetworkPolicy # web\n');
  assert.equal(
    clusterYamlFor('metadata: {name: web}\n---\nmetadata: {name: db, namespace: shop}\n', listed),
    'kind: NetworkPolicy # web\n---\nkind: NetworkPolicy # db\n',
  );
  assert.equal(clusterYamlFor('metadata: {name: new}\n', listed), '', 'a new policy replaces nothing');
  assert.equal(clusterYamlFor('metadata: [unclosed', listed), '', 'text that is not YAML yet');
  const cluster = [...listed, { name: 'guard', yaml: 'kind: ClusterNetworkPolicy # guard\n' }];
  assert.equal(
    clusterYamlFor('kind: ClusterNetworkPolicy\nmetadata: {name: guard}\n', cluster),
    'kind: ClusterNetworkPolicy # guard\n',
  );
  assert.equal(clusterYamlFor('kind: NetworkPolicy\nmetadata: {name: guard}\n', cluster), '');
});
