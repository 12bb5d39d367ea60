import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Service } from '../../server/kube/service.ts';
import { labCluster } from '../../server/lab/lab-store.ts';
import { deleteFromLab, requireLab } from '../../server/lab/lab-writes.ts';
import type { Cluster } from '../../server/policy/cluster.ts';
import { CASES } from '../../server/policy/conformance/cases.ts';
import { layoutYaml } from '../../server/policy/conformance/layout.ts';
import { evaluateService, type ServiceVerdict } from '../../server/policy/evaluate-service.ts';
import { serviceName } from '../../server/policy/service.ts';
import { labApply, labPod, labProbe, labServices } from './lab.ts';
import { nodeNetns } from './names.ts';
import { run } from './shell.ts';
import { reaches, startLab, stopLab } from './testing-lab.ts';

/**
 * Traffic through ClusterIPs, with real packets: kube-proxy's DNAT in the lab's nodes, the
 * client's egress judged on the ClusterIP, the backend's ingress on its target port, and replies
 * coming back through both. The conformance layout (pods x/a … z/c spread over two nodes, each
 * serving 80 and 81 over TCP and UDP) with a Service in front of one pod of each namespace.
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-services-'));
const service = (namespace: string, name: string, clusterIP: string, pod: string, ports: object[]) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { clusterIP, selector: { pod }, ports },
  });
const SERVICES = [
  // Named targets, and a service port that is not the target's number.
  service('x', 'svc-a', '10.96.1.1', 'a', [
    { name: 'web', port: 8080, targetPort: 'serve-80-tcp' },
    { name: 'dns', port: 5353, targetPort: 81, protocol: 'UDP' },
  ]),
  service('y', 'svc-b', '10.96.1.2', 'b', [
    { name: 'http', port: 80 },
    { name: 'echo', port: 81, protocol: 'UDP' },
  ]),
  service('z', 'svc-c', '10.96.1.3', 'c', [
    { name: 'a', port: 80, targetPort: 'serve-81-tcp' },
    { name: 'b', port: 81, targetPort: 'serve-80-udp', protocol: 'UDP' },
  ]),
  service('x', 'svc-none', '10.96.1.9', 'nobody', [{ port: 80 }]),
];
/** The lab's DNS behind its kube-dns Service, for the names of Services applied later. */
const DNS = `apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: dns, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec: {clusterIP: 10.96.0.10, selector: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP}]}`;

before(async () => {
  writeFileSync(join(folder, 'layout.yaml'), `${layoutYaml()}---\n${[...SERVICES, DNS].join('\n---\n')}\n`);
  await startLab([join(folder, 'layout.yaml')]);
});
after(() => stopLab());

const policyFile = (name: string, yaml: string) => {
  const file = join(folder, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
};

/** One probe through a ClusterIP: `svc/ns/name port/PROTO`, what the kernel did and the model's verdict. */
interface ServiceProbe {
  readonly name: string;
  readonly kernel: boolean;
  readonly model: ServiceVerdict;
}

/** Probes every (service, port) from `from` through its ClusterIP. */
async function throughServices(
  from: string,
  cluster: Cluster,
  services: readonly Service[],
  timeoutMs = 600,
): Promise<ServiceProbe[]> {
  const targets = services.flatMap((svc) =>
    svc.ports.map((port) => ({
      name: `${serviceName(svc)} ${port.port}/${port.protocol}`,
      service: svc,
      servicePort: port,
      host: svc.clusterIPs[0] ?? '',
      port: port.port,
      protocol: port.protocol,
    })),
  );
  const results = await labProbe(from, targets, timeoutMs);
  const source = cluster.pod(from);
  assert.ok(source);
  return targets.map((target, i) => ({
    name: target.name,
    kernel: results[i]?.connected === true,
    model: evaluateService(
      cluster,
      { pod: source, ip: cluster.ipOf(source) },
      target.service,
      target.servicePort,
    ),
  }));
}

const nodeOf = (pod: string) => labPod(pod).node;

test('through ClusterIPs, TCP and UDP, on one node and across nodes: allowed, denied, and replies back to isolated clients', async () => {
  await labApply(
    [
      policyFile(
        'services-scenario',
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-from-y-and-z, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y, z]}]}}]
      ports: [{port: serve-80-tcp}, {port: 81, protocol: UDP}]
---
# Every client in y is isolated for ingress: replies from a ClusterIP pass on conntrack only.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-in, namespace: y}
spec: {podSelector: {}}
---
# z may send only TCP 80 to x/a: through svc-a that is service port 8080 (targetPort serve-80-tcp).
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out-to-a, namespace: z}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {ns: x}}, podSelector: {matchLabels: {pod: a}}}], ports: [{port: 80}]}]
`,
      ),
    ],
    { replacePolicies: true },
  );
  const cluster = labCluster();
  const svcA = cluster.service('x/svc-a');
  assert.ok(svcA);
  const expected: [string, string, boolean][] = [
    ['y/b', '8080/TCP', true],
    ['y/a', '8080/TCP', true],
    ['y/b', '5353/UDP', true],
    ['y/a', '5353/UDP', true],
    ['z/a', '8080/TCP', true],
    ['z/b', '8080/TCP', true],
    ['z/a', '5353/UDP', false],
    ['x/b', '8080/TCP', false],
    ['x/c', '5353/UDP', false],
  ];
  const sameNode = expected.filter(([from]) => nodeOf(from) === nodeOf('x/a'));
  assert.ok(sameNode.length > 0 && sameNode.length < expected.length, 'clients on both nodes');
  await Promise.all(
    expected.map(async ([from, port, allowed]) => {
      const probes: ServiceProbe[] = await throughServices(from, cluster, [svcA]);
      const result = probes.find((probe) => probe.name.endsWith(port));
      assert.ok(result);
      const where = nodeOf(from) === nodeOf('x/a') ? 'same node' : 'across nodes';
      assert.equal(result.model.allowed, allowed, `model: ${from} → ${result.name} (${where})`);
      assert.equal(result.kernel, allowed, `kernel: ${from} → ${result.name} (${where})`);
    }),
  );
});

test('ClusterNetworkPolicies through ClusterIPs: an Admin Deny to a namespace drops its Services, an Admin Accept overrules a NetworkPolicy, a Pass and Baseline act too', async () => {
  await labApply(
    [
      policyFile(
        'services-tiers',
        `# y may not reach x, by namespace selector: its Services' ClusterIPs included.
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: y-not-to-x}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {ns: y}}}
  egress: [{name: not-x, action: Deny, to: [{namespaces: {matchLabels: {ns: x}}}]}]
---
# z sends nothing by its NetworkPolicy, but the Admin tier accepts y/b (svc-b) first, and passes x on to that policy.
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: z-out}
spec:
  tier: Admin
  priority: 20
  subject: {namespaces: {matchLabels: {ns: z}}}
  egress:
    - {action: Accept, to: [{pods: {namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}}]}
    - {action: Pass, to: [{namespaces: {matchLabels: {ns: x}}}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: no-egress, namespace: z}
spec: {podSelector: {}, policyTypes: [Egress]}
---
# x, which no NetworkPolicy isolates, may not reach z's TCP Service ports (svc-c's 80 targets serve-81-tcp).
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: x-not-to-z}
spec:
  tier: Baseline
  priority: 10
  subject: {namespaces: {matchLabels: {ns: x}}}
  egress: [{action: Deny, to: [{namespaces: {matchLabels: {ns: z}}}], ports: [{portNumber: {protocol: TCP, port: 81}}]}]
`,
      ),
    ],
    { replacePolicies: true },
  );
  const cluster = labCluster();
  const expected: [string, string, boolean][] = [
    ['y/a', 'svc/x/svc-a 8080/TCP', false],
    ['y/b', 'svc/x/svc-a 5353/UDP', false],
    ['y/c', 'svc/x/svc-a 8080/TCP', false],
    ['y/a', 'svc/z/svc-c 80/TCP', true],
    ['x/b', 'svc/x/svc-a 8080/TCP', true],
    ['z/a', 'svc/y/svc-b 80/TCP', true],
    ['z/b', 'svc/y/svc-b 81/UDP', true],
    ['z/a', 'svc/x/svc-a 8080/TCP', false],
    ['z/a', 'svc/z/svc-c 80/TCP', false],
    ['x/b', 'svc/z/svc-c 80/TCP', false],
    ['x/a', 'svc/z/svc-c 81/UDP', true],
    ['x/c', 'svc/y/svc-b 80/TCP', true],
  ];
  const services = cluster.allServices().filter((svc) => /^svc-[abc]$/.test(svc.metadata.name));
  const results = new Map(
    await Promise.all(
      [...new Set(expected.map(([from]) => from))].map(
        async (from) => [from, await throughServices(from, cluster, services)] as const,
      ),
    ),
  );
  for (const [from, name, allowed] of expected) {
    const result = results.get(from)?.find((probe) => probe.name === name);
    assert.ok(result, `${from} → ${name}`);
    assert.equal(
      result.model.allowed,
      allowed,
      `model: ${from} → ${name}: ${result.model.egress.summary ?? ''}`,
    );
    assert.equal(result.kernel, allowed, `kernel: ${from} → ${name}`);
  }
  // The pods themselves, addressed directly, are denied alike.
  assert.equal(await reaches('y/a', labPod('x/a').ip, '80'), false);
});

test('a ClusterIP without backends goes nowhere: its packets die in the node, for want of a route', async () => {
  const noRoutes = (node: string) =>
    Number(
      /IpExtInNoRoutes\s+(\d+)/.exec(
        run('ip', ['netns', 'exec', nodeNetns(node), 'nstat', '-az', 'IpExtInNoRoutes']),
      )?.[1],
    );
  const node = nodeOf('x/b');
  const before = noRoutes(node);
  const [tcp, udp, unknownPort] = await labProbe(
    'x/b',
    [
      { host: '10.96.1.9', port: 80, protocol: 'TCP' },
      { host: '10.96.1.9', port: 80, protocol: 'UDP' },
      { host: '10.96.1.1', port: 9999, protocol: 'TCP' },
    ],
    300,
  );
  assert.deepEqual([tcp?.connected, udp?.connected, unknownPort?.connected], [false, false, false]);
  assert.ok(
    noRoutes(node) - before >= 3,
    `the node dropped them as unroutable (${before} → ${noRoutes(node)})`,
  );
  for (const { name } of requireLab().nodes) {
    assert.equal(
      run('ip', ['-n', nodeNetns(name), 'route', 'show', 'default']).trim(),
      '',
      `${name} has no default route`,
    );
    assert.throws(() => run('ip', ['-n', nodeNetns(name), 'route', 'get', '10.96.1.9']), /unreachable/i);
  }
});

/** Cases where egress, named ports, ranges and ipBlocks meet Services; and a start and an end. */
const CONFORMANCE_CASES = [
  'no-policies-all-allowed',
  'deny-all-ingress',
  'deny-all-egress',
  'namespace-selector-egress',
  'namespace-and-pod-selector-egress',
  'ip-block-egress-external',
  'ip-block-egress-internet-not-pods',
  'ip-block-egress-pod-ips-with-port',
  'end-port-range-udp-egress',
  'named-port-ingress',
  'named-port-egress',
  'named-port-resolved-on-egress-peer',
  'egress-ports-without-to',
  'egress-and-ingress-allow-different-ports',
];
/** Clients in every namespace and on both nodes (the lab puts x/a, x/c, y/b, z/a, z/c on one, the rest on the other). */
const SOURCES = ['x/b', 'x/c', 'y/a', 'y/b', 'z/a', 'z/b'];

test('kernel verdicts through ClusterIPs equal the model’s for each Service, over conformance cases', async () => {
  const chosen = CASES.filter((c) => CONFORMANCE_CASES.includes(c.name));
  assert.equal(chosen.length, CONFORMANCE_CASES.length);
  const mismatches: string[] = [];
  let probes = 0;
  for (const c of chosen) {
    await labApply([policyFile(c.name, c.policies)], { replacePolicies: true });
    const cluster = labCluster();
    const services = cluster.allServices().filter((svc) => /^svc-[abc]$/.test(svc.metadata.name));
    await Promise.all(
      SOURCES.map(async (from) => {
        // y/b reaches its own Service too: kube-proxy masquerades that hairpin to the node's address.
        for (const result of await throughServices(from, cluster, services)) {
          probes++;
          if (result.kernel !== result.model.allowed)
            mismatches.push(
              `${c.name}: ${from} → ${result.name}: model ${result.model.allowed ? 'allows' : 'denies'}, kernel ${result.kernel ? 'connected' : 'dropped'}`,
            );
        }
      }),
    );
  }
  assert.ok(probes >= 300, `${probes} probes`);
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${probes} differ:\n${mismatches.join('\n')}`);
});

test('a Service applied, changed and deleted: the nodes’ DNAT and the DNS follow at once', async () => {
  await labApply([policyFile('none', '')], { replacePolicies: true });
  const manifest = (targetPort: number) =>
    policyFile(
      'svc-new',
      `apiVersion: v1
kind: Service
metadata: {name: svc-new, namespace: y}
spec: {selector: {pod: c}, ports: [{port: 9000, targetPort: ${targetPort}, protocol: UDP}]}`,
    );
  await labApply([manifest(81)]);
  const clusterIP = labServices().service('y/svc-new')?.clusterIPs[0] ?? '';
  assert.match(clusterIP, /^10\.96\./, 'allocated from the lab’s range');
  const probe = async () =>
    (await labProbe('x/a', [{ host: clusterIP, port: 9000, protocol: 'UDP' }], 400))[0]?.connected;
  assert.equal(await probe(), true);
  const lookup = spawnSync(
    'ip',
    ['netns', 'exec', labPod('x/a').netns, 'nslookup', '-timeout=1', 'svc-new.y'],
    { encoding: 'utf8' },
  );
  assert.match(lookup.stdout, new RegExp(`Address: ${clusterIP.replaceAll('.', '\\.')}`));
  // Changed to a port nothing serves on y/c: same ClusterIP, no answer.
  await labApply([manifest(82)]);
  assert.equal(labServices().service('y/svc-new')?.clusterIPs[0], clusterIP, 'the ClusterIP stays');
  assert.equal(await probe(), false);
  await labApply([manifest(81)]);
  assert.equal(await probe(), true);
  await deleteFromLab([{ kind: 'Service', key: 'y/svc-new' }]);
  assert.equal(await probe(), false);
  assert.equal(labServices().service('y/svc-new'), undefined);
});
