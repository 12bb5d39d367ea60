import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf, podYaml } from '../controller/testing-cluster.ts';
import type { Service } from '../kube/service.ts';
import type { Cluster } from './cluster.ts';
import { evaluateService, serviceAsVerdict } from './evaluate-service.ts';
import { portBackends, serviceBackends, servicePortAt } from './service.ts';

const service = (namespace: string, name: string, spec: object) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec });

const BASE = [
  podYaml('shop', 'web-1', { app: 'web', tier: 'front' }, '10.77.0.1', ['http:8080/TCP']),
  podYaml('shop', 'web-2', { app: 'web', tier: 'front' }, '10.77.0.2', ['http:8081/TCP']),
  podYaml('shop', 'web-old', { app: 'web' }, '10.77.0.4'),
  podYaml('shop', 'client', { app: 'client' }, '10.77.0.3'),
  podYaml('ops', 'web-elsewhere', { app: 'web' }, '10.77.1.1', ['http:8080/TCP']),
  service('shop', 'web', {
    clusterIP: '10.96.0.10',
    selector: { app: 'web', tier: 'front' },
    ports: [{ name: 'http', port: 80, targetPort: 'http' }],
  }),
];

/** shop/client's egress policy, with these rules. */
const clientEgress = (rules: string) => `kind: NetworkPolicy
metadata: {name: client-out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: ${rules}`;

function through(cluster: Cluster, from: string, serviceKey: string, port = 80) {
  const svc = cluster.service(serviceKey) as Service;
  const source = cluster.pod(from);
  const servicePort = servicePortAt(svc, { port, protocol: 'TCP' });
  assert.ok(source && servicePort);
  return evaluateService(cluster, { pod: source, ip: cluster.ipOf(source) }, svc, servicePort, {
    explain: true,
  });
}

test('backends are the selected pods of the Service’s namespace, each with its own target port', () => {
  const cluster = clusterOf(...BASE);
  const web = cluster.service('shop/web') as Service;
  assert.deepEqual(
    serviceBackends(cluster, web).map((pod) => pod.metadata.name),
    ['web-1', 'web-2'],
  );
  assert.deepEqual(
    portBackends(cluster, web, web.ports[0] as never).map(
      ({ pod, target }) => `${pod.metadata.name}:${target}`,
    ),
    ['web-1:8080', 'web-2:8081'],
  );
  const bare = clusterOf(service('shop', 'manual', { clusterIP: '10.96.0.11', ports: [{ port: 443 }] }));
  assert.deepEqual(
    serviceBackends(bare, bare.service('shop/manual') as Service),
    [],
    'no selector, no backend',
  );
});

test('no policy: every backend is reached through the ClusterIP', () => {
  const verdict = through(clusterOf(...BASE), 'shop/client', 'shop/web');
  assert.equal(verdict.allowed, true);
  assert.deepEqual(
    verdict.backends.map((backend) => [backend.pod, backend.targetPort, backend.allowed]),
    [
      ['shop/web-1', 8080, true],
      ['shop/web-2', 8081, true],
    ],
  );
  assert.match(verdict.summary ?? '', /allowed to every backend/);
});

test('allowed to the pods but not to the ClusterIP: the Service’s selector does not satisfy the peer', () => {
  // The peer asks for a label the pods carry but the Service's selector does not.
  const cluster = clusterOf(
    ...BASE,
    service('shop', 'web-loose', {
      clusterIP: '10.96.0.12',
      selector: { app: 'web' },
      ports: [{ port: 80 }],
    }),
    clientEgress(
      '[{to: [{podSelector: {matchLabels: {app: web, version: v1}}}, {podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]',
    ),
  );
  const verdict = through(cluster, 'shop/client', 'shop/web-loose');
  // {app: web} satisfies the second peer: allowed.
  assert.equal(verdict.egress.allowed, true);
  assert.deepEqual(verdict.egress.allowedBy, [{ policy: 'shop/client-out', rule: 0, peer: 1, port: 0 }]);
  const strict = clusterOf(
    ...BASE,
    clientEgress(
      '[{to: [{podSelector: {matchLabels: {app: web, tier: front, version: v1}}}, {podSelector: {matchLabels: {app: web}}}], ports: [{port: 8080}]}]',
    ),
  );
  const viaBackends = through(strict, 'shop/client', 'shop/web');
  // web-1 serves http on 8080, so 8080 maps to service port 80 through it; the first peer's
  // selector asks for more than the Service's selector holds.
  assert.equal(viaBackends.egress.allowed, true);
  const stricter = clusterOf(
    ...BASE,
    clientEgress(
      '[{to: [{podSelector: {matchLabels: {app: web, tier: front, version: v1}}}], ports: [{port: 8080}]}]',
    ),
  );
  const none = through(stricter, 'shop/client', 'shop/web');
  assert.equal(none.allowed, false);
  assert.equal(none.egress.allowed, false);
  assert.match(
    none.egress.misses[0]?.reason ?? '',
    /selector app=web,tier=front does not satisfy the podSelector/,
  );
  assert.match(
    none.egress.summary ?? '',
    /no rule allows the ClusterIP 10\.96\.0\.10 of svc\/shop\/web on 80\/TCP/,
  );
  assert.match(none.summary ?? '', /denied at the source/);
});

test('the notes say plainly when the pods are allowed and the ClusterIP is not, and the other way', () => {
  const podsOnly = clusterOf(
    ...BASE.map((doc) =>
      doc.includes('"kind":"Pod"') ? doc.replace('"tier":"front"', '"tier":"front","version":"v1"') : doc,
    ),
    clientEgress('[{to: [{podSelector: {matchLabels: {version: v1}}}]}]'),
  );
  const verdict = through(podsOnly, 'shop/client', 'shop/web');
  assert.equal(verdict.allowed, false);
  assert.deepEqual(
    verdict.backends.map((backend) => backend.direct.allowed),
    [true, true],
  );
  assert.match(
    verdict.notes.join('\n'),
    /allowed when they are addressed directly, but not to the ClusterIP 10\.96\.0\.10/,
  );

  const clusterIpOnly = clusterOf(
    ...BASE,
    clientEgress('[{to: [{ipBlock: {cidr: 10.96.0.0/12}}], ports: [{port: 80}]}]'),
  );
  const other = through(clusterIpOnly, 'shop/client', 'shop/web');
  assert.equal(other.egress.allowed, true);
  assert.deepEqual(other.egress.allowedBy, [{ policy: 'shop/client-out', rule: 0, peer: 0, port: 0 }]);
  assert.match(
    other.notes.join('\n'),
    /to the ClusterIP 10\.96\.0\.10 is allowed .* but not to the pods shop\/web-1, shop\/web-2/,
  );
});

test('ingress is judged at each backend on its target port; mixed backends are said so', () => {
  const cluster = clusterOf(
    ...BASE,
    `kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 8080}]}]`,
  );
  const verdict = through(cluster, 'shop/client', 'shop/web');
  assert.equal(verdict.egress.allowed, true);
  assert.deepEqual(
    verdict.backends.map((backend) => [backend.pod, backend.allowed]),
    [
      ['shop/web-1', true],
      ['shop/web-2', false],
    ],
  );
  assert.equal(verdict.allowed, false);
  assert.match(verdict.notes.join('\n'), /1 of 2 backends let the connection in/);
  // One verdict for pages that show one: ingress at the backend that denies.
  const shown = serviceAsVerdict(verdict);
  assert.deepEqual([shown.to, shown.allowed, shown.ingress.allowed], ['svc/shop/web', false, false]);
  assert.equal(serviceAsVerdict(verdict, 'shop/web-1').allowed, true);
});

test('a Service without backends answers nothing, and says why', () => {
  const cluster = clusterOf(
    ...BASE,
    service('shop', 'empty', {
      clusterIP: '10.96.0.13',
      selector: { app: 'nothing' },
      ports: [{ port: 80 }],
    }),
  );
  const verdict = through(cluster, 'shop/client', 'shop/empty');
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.egress.allowed, true);
  assert.match(verdict.notes[0] ?? '', /svc\/shop\/empty has no backend/);
});

test('a Service without a selector (default/kubernetes) is judged at the source only: its endpoints are not pods', () => {
  const api = service('shop', 'api', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] });
  const open = through(clusterOf(...BASE, api), 'shop/client', 'shop/api', 443);
  assert.equal(open.allowed, true);
  assert.equal(open.unselected, true);
  assert.match(open.notes[0] ?? '', /svc\/shop\/api has no selector: its endpoints are not pods/);
  assert.match(open.summary ?? '', /allowed at the source; its endpoints are not pods/);
  const closed = through(clusterOf(...BASE, api, clientEgress('[]')), 'shop/client', 'shop/api', 443);
  assert.equal(closed.allowed, false);
  assert.match(closed.summary ?? '', /denied at the source/);
});

test('a pod reaching its own Service is a hairpin: its ingress is not judged against itself', () => {
  const cluster = clusterOf(
    ...BASE,
    `kind: NetworkPolicy
metadata: {name: deny-in, namespace: shop}
spec:
  podSelector: {}`,
  );
  const verdict = through(cluster, 'shop/web-1', 'shop/web');
  const self = verdict.backends.find((backend) => backend.pod === 'shop/web-1');
  assert.equal(self?.ingress.reason, 'self');
  assert.match(verdict.notes.join('\n'), /hairpin/);
});

/** A ClusterNetworkPolicy of `tier` whose subject is shop/client, with these egress rules. */
const clientTier = (
  name: string,
  tier: 'Admin' | 'Baseline',
  egress: string,
) => `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: ${name}}
spec:
  tier: ${tier}
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}}
  egress: ${egress}`;
const SHOP = '{namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}';

test('an Admin Deny whose selector peer stands for the Service denies its ClusterIP, and says so', () => {
  const cluster = clusterOf(
    ...BASE,
    clientTier('no-shop', 'Admin', `[{name: not-shop, action: Deny, to: [${SHOP}]}]`),
  );
  const verdict = through(cluster, 'shop/client', 'shop/web');
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.egress.tier, 'Admin');
  assert.deepEqual(
    [verdict.egress.decidedBy?.policy, verdict.egress.decidedBy?.rule, verdict.egress.decidedBy?.peer],
    ['no-shop', 0, 0],
  );
  assert.equal(
    verdict.egress.summary,
    'egress denied in the Admin tier by ClusterNetworkPolicy no-shop (priority 10) egress rule 0 "not-shop" (Deny) of shop/client, whose peer all pods in namespaces kubernetes.io/metadata.name=shop stands for svc/shop/web (the Service\'s selector satisfies it), so it matches its ClusterIP 10.96.0.10 on 80/TCP',
  );
  assert.match(verdict.summary ?? '', /denied at the source/);
  // Peers that do not stand for the Service: another namespace, a podSelector its selector does not satisfy.
  for (const peer of [
    '{namespaces: {matchLabels: {kubernetes.io/metadata.name: ops}}}',
    '{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web, version: v1}}}}',
  ]) {
    const other = clusterOf(...BASE, clientTier('no-shop', 'Admin', `[{action: Deny, to: [${peer}]}]`));
    assert.equal(through(other, 'shop/client', 'shop/web').egress.allowed, true, peer);
  }
  const pods = clusterOf(
    ...BASE,
    clientTier(
      'no-web',
      'Admin',
      '[{action: Deny, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}]}]',
    ),
  );
  assert.equal(through(pods, 'shop/client', 'shop/web').egress.allowed, false, 'app=web is satisfied');
});

test('a cluster rule’s ports take the service ports whose target they admit, named ports too', () => {
  // Service port 80 targets the container port http: 8080 on web-1, 8081 on web-2.
  const cases: [string, boolean][] = [
    ['[{portNumber: {protocol: TCP, port: 8080}}]', false],
    ['[{portRange: {protocol: TCP, start: 8081, end: 8090}}]', false],
    ['[{namedPort: http}]', false],
    // The service port's own number is not its target.
    ['[{portNumber: {protocol: TCP, port: 80}}]', true],
    ['[{portNumber: {protocol: UDP, port: 8080}}]', true],
    ['[{namedPort: metrics}]', true],
  ];
  for (const [ports, allowed] of cases) {
    const cluster = clusterOf(
      ...BASE,
      clientTier('no-shop', 'Admin', `[{action: Deny, to: [${SHOP}], ports: ${ports}}]`),
    );
    const verdict = through(cluster, 'shop/client', 'shop/web');
    assert.equal(verdict.egress.allowed, allowed, ports);
    if (!allowed) assert.equal(verdict.egress.decidedBy?.port, 0, ports);
  }
});

test('at the ClusterIP an Admin Accept overrules a NetworkPolicy, a Pass leaves it to one, and Baseline decides when none isolates', () => {
  const isolated = clientEgress('[]');
  const accepted = clusterOf(
    ...BASE,
    isolated,
    clientTier('shop-ok', 'Admin', `[{action: Accept, to: [${SHOP}]}]`),
  );
  const accept = through(accepted, 'shop/client', 'shop/web');
  assert.deepEqual([accept.egress.allowed, accept.egress.tier], [true, 'Admin']);
  assert.equal(accept.allowed, true);

  const passed = clusterOf(
    ...BASE,
    isolated,
    clientTier('shop-pass', 'Admin', `[{action: Pass, to: [${SHOP}]}]`),
  );
  const pass = through(passed, 'shop/client', 'shop/web');
  assert.deepEqual([pass.egress.allowed, pass.egress.tier], [false, 'NetworkPolicy']);
  assert.deepEqual(
    pass.egress.passedBy?.map((match) => [match.policy, match.action]),
    [['shop-pass', 'Pass']],
  );
  assert.match(pass.egress.summary ?? '', /^the Admin tier passes it on \(ClusterNetworkPolicy shop-pass/);

  const baseline = clientTier('shop-closed', 'Baseline', `[{action: Deny, to: [${SHOP}]}]`);
  const closed = through(clusterOf(...BASE, baseline), 'shop/client', 'shop/web');
  assert.deepEqual([closed.egress.allowed, closed.egress.tier], [false, 'Baseline']);
  // A NetworkPolicy that isolates the pod decides before Baseline.
  const allowedByPolicy = clusterOf(
    ...BASE,
    baseline,
    clientEgress('[{to: [{podSelector: {matchLabels: {app: web}}}]}]'),
  );
  const open = through(allowedByPolicy, 'shop/client', 'shop/web');
  assert.deepEqual([open.egress.allowed, open.egress.tier], [true, 'NetworkPolicy']);
});

test('a cluster rule’s networks holding the ClusterIP match it on numeric ports only', () => {
  const numeric = clusterOf(
    ...BASE,
    clientTier(
      'no-vips',
      'Admin',
      '[{action: Deny, to: [{networks: [10.96.0.0/24]}], ports: [{portNumber: {protocol: TCP, port: 80}}]}]',
    ),
  );
  const verdict = through(numeric, 'shop/client', 'shop/web');
  assert.equal(verdict.egress.allowed, false);
  assert.match(
    verdict.egress.summary ?? '',
    /whose peer ipBlock 10\.96\.0\.0\/24 holds the ClusterIP 10\.96\.0\.10 of svc\/shop\/web, on 80\/TCP$/,
  );
  // A named port stands for a pod's port, and an address is no pod.
  const named = clusterOf(
    ...BASE,
    clientTier(
      'no-vips',
      'Admin',
      '[{action: Deny, to: [{networks: [10.96.0.0/24]}], ports: [{namedPort: http}]}]',
    ),
  );
  assert.equal(through(named, 'shop/client', 'shop/web').egress.allowed, true);
});

test('through an IPv4 ClusterIP, dual-stack pods whose primary address is IPv6 are judged by their IPv4 addresses', () => {
  const dualPod = (name: string, ips: string[], labels: object) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', labels },
      spec: { containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
    });
  const webIn = (cidr: string) => `kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: "${cidr}"}}]}]`;
  const objects = [
    dualPod('web-1', ['fd00::1', '10.77.0.1'], { app: 'web', tier: 'front' }),
    dualPod('client', ['fd00::3', '10.77.0.3'], { app: 'client' }),
    service('shop', 'web', {
      clusterIP: '10.96.0.10',
      selector: { app: 'web', tier: 'front' },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    }),
  ];
  const onlyV6 = through(clusterOf(...objects, webIn('fd00::/64')), 'shop/client', 'shop/web');
  assert.equal(onlyV6.allowed, false, onlyV6.summary);
  assert.equal(onlyV6.backends[0]?.ip, '10.77.0.1');
  const onlyV4 = through(clusterOf(...objects, webIn('10.77.0.0/16')), 'shop/client', 'shop/web');
  assert.equal(onlyV4.allowed, true, onlyV4.summary);
});
