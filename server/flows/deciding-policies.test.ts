import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { isolationOf } from './deciding-policies.ts';

test('a pod’s isolating policies per direction decide the flows denied there', () => {
  const read = (file: string) =>
    readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');
  const cluster = Cluster.of([
    ...parseState(read('cluster.yaml'), 'cluster.yaml'),
    ...parseState(read('policies/01-deny-all-ingress.yaml'), 'p1'),
    ...parseState(read('policies/03-allow-ingress-from-samens-client-one.yaml'), 'p3'),
  ]);
  assert.deepEqual(isolationOf(cluster, ['default/demo-app', 'default/client-one', 'default/gone']), {
    'default/demo-app': {
      ingress: ['default/demo-app-allow-samens-client-one', 'default/demo-app-deny-all'],
      egress: [],
    },
    'default/client-one': { ingress: [], egress: [] },
  });
  assert.throws(
    () =>
      isolationOf(
        cluster,
        Array.from({ length: 501 }, (_, i) => `a/${i}`),
      ),
    /pod: at most 500 pods/,
  );
});
