import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf, podYaml } from '../../server/controller/testing-cluster.ts';
import { loadState } from '../../server/kube/state-file.ts';
import { serviceRules } from './service-rules.ts';

const walkthrough = new URL('../../examples/walkthrough/cluster.yaml', import.meta.url).pathname;

test('a portal per ClusterIP and service port, DNAT to each backend’s target port, hairpins masqueraded', () => {
  const rules = serviceRules(loadState([walkthrough]), 4).split('\n');
  assert.equal(rules[0], '*nat');
  assert.equal(rules.at(-2), 'COMMIT');
  const portals = rules.filter((rule) => rule.startsWith('-A PALISADE-SERVICES '));
  assert.deepEqual(
    portals.map((rule) => / -d (\S+) -p (\w+) -m \w+ --dport (\d+)/.exec(rule)?.slice(1).join(' ')),
    ['10.96.0.80/32 tcp 80', '10.96.0.10/32 udp 53', '10.96.0.10/32 tcp 53'],
  );
  // demo-app's targetPort `http` is its container port 80.
  assert.ok(
    rules.some((rule) =>
      /^-A PALISADE-SEP-\w+ -p tcp -m tcp -j DNAT --to-destination 10\.77\.1\.10:80$/.test(rule),
    ),
  );
  assert.ok(rules.some((rule) => /-s 10\.77\.1\.10\/32 -j MARK --set-xmark 0x4000\/0x4000/.test(rule)));
  assert.ok(
    rules.includes(
      '-A PALISADE-POSTROUTING -m mark --mark 0x4000/0x4000 -m comment --comment "hairpin to a Service" -j MASQUERADE',
    ),
  );
  assert.equal(
    serviceRules(loadState([walkthrough]), 6).includes('-A PALISADE-SERVICES'),
    false,
    'no IPv6 Service',
  );
});

test('backends are picked at random with equal chances; a port without backends has no portal', () => {
  const service = (name: string, selector: object) =>
    JSON.stringify({
      kind: 'Service',
      metadata: { name, namespace: 'shop' },
      spec: {
        clusterIP: name === 'web' ? '10.96.0.5' : '10.96.0.6',
        selector,
        ports: [{ port: 80, targetPort: 'http' }],
      },
    });
  const rules = serviceRules(
    clusterOf(
      podYaml('shop', 'web-1', { app: 'web' }, '10.77.0.1', ['http:8080/TCP']),
      podYaml('shop', 'web-2', { app: 'web' }, '10.77.0.2', ['http:8081/TCP']),
      podYaml('shop', 'web-3', { app: 'web' }, '10.77.0.3', ['http:8082/TCP']),
      // Selected, but without the named port: it gets none of the traffic.
      podYaml('shop', 'web-4', { app: 'web' }, '10.77.0.4'),
      service('web', { app: 'web' }),
      service('empty', { app: 'nothing' }),
    ),
    4,
  );
  const picks = rules
    .split('\n')
    .filter((rule) => rule.includes('shop/web:80/TCP ->'))
    .map((rule) => /--probability (\S+)/.exec(rule)?.[1] ?? 'rest');
  assert.deepEqual(picks, ['0.3333333333', '0.5000000000', 'rest']);
  assert.deepEqual(
    [...rules.matchAll(/--to-destination (\S+)/g)].map((match) => match[1]),
    ['10.77.0.1:8080', '10.77.0.2:8081', '10.77.0.3:8082'],
  );
  assert.doesNotMatch(rules, /10\.96\.0\.6/);
});

test('dual stack: each family’s table DNATs to the backend’s address of that family', () => {
  const cluster = clusterOf(
    JSON.stringify({
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: { podIP: 'fd00:77::a', podIPs: [{ ip: 'fd00:77::a' }, { ip: '10.77.0.10' }] },
    }),
    JSON.stringify({
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        clusterIPs: ['10.96.0.5', 'fd00:96::5'],
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 'http' }],
      },
    }),
  );
  assert.match(
    serviceRules(cluster, 4),
    /-d 10\.96\.0\.5\/32 .*--dport 80[\s\S]*--to-destination 10\.77\.0\.10:8080/,
  );
  assert.match(
    serviceRules(cluster, 6),
    /-d fd00:96::5\/128 .*--dport 80[\s\S]*--to-destination \[fd00:77::a\]:8080/,
  );
});
