import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Flow } from '../../server/flows/flow.ts';
import { labCluster, readEndpoints } from '../../server/lab/lab-store.ts';
import { requireLab } from '../../server/lab/lab-writes.ts';
import { endpointAt, podEnd } from '../../server/policy/endpoint.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { ethernet, ipv6, macOf, PROTOCOL, sendFrames, TCP_FLAGS, tcp } from './frames.ts';
import { labApply, labPod, labProbe, probeFrom } from './lab.ts';
import { ipv6Of, nodeNetns, nodeNetnsPath } from './names.ts';
import { flowsWritten, programmedTestPod, reaches, snmp, startLab, stopLab } from './testing-lab.ts';

/**
 * The dual-stack lab (`lab up --ipv6`), with real IPv6 packets: nothing leaves it, and IPv6 is
 * policed as IPv4 is: node traffic, ICMPv6 echo and errors, fragments and extension headers.
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-ipv6-'));
const app = () => labPod('default/demo-app').ip;

function ingressOnly(name: string, from = '[]'): string {
  const file = join(folder, `ingress-${name}.yaml`);
  writeFileSync(
    file,
    `kind: NetworkPolicy\nmetadata: {name: ingress-${name}, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: ${name}}}\n  policyTypes: [Ingress]\n  ingress: ${from}\n`,
  );
  return file;
}

const CLIENT_ONE_PORT_80 = '[{from: [{podSelector: {matchLabels: {app: client-one}}}], ports: [{port: 80}]}]';

before(() => startLab(undefined, { ipv6: true }));
after(() => stopLab());

test('pods have an IPv6 primary address from the ULA range and an IPv4 one; no IPv6 packet leaves the lab', async () => {
  const pod = labPod('default/client-one');
  assert.match(pod.ip, /^fd00:77::/);
  assert.deepEqual(pod.ips, [pod.ip, pod.ips?.[1]]);
  assert.equal(ipv6Of(pod.ips?.[1] ?? ''), pod.ip);
  assert.equal(await reaches(pod.key, app(), '80/TCP'), true, 'pods reach each other over IPv6');
  for (const host of ['2001:db8::1', 'fd99::1', '2606:4700::1111']) {
    assert.equal(await reaches(pod.key, host, '80/TCP', 300), false, host);
  }
  for (const node of requireLab().nodes) {
    const route = spawnSync('ip', ['-n', nodeNetns(node.name), '-6', 'route', 'get', '2001:db8::1'], {
      encoding: 'utf8',
    });
    assert.notEqual(route.status, 0, `${node.name} has no IPv6 route out`);
    const defaults = spawnSync('ip', ['-n', nodeNetns(node.name), '-6', 'route', 'show', 'default'], {
      encoding: 'utf8',
    });
    assert.equal(defaults.stdout.trim(), '', `${node.name} has no IPv6 default route`);
  }
});

test('over IPv6: the pod’s node passes, ICMPv6 echo is policed as a flow, errors about its flows reach it', async () => {
  await labApply([ingressOnly('demo-app', CLIENT_ONE_PORT_80), ingressOnly('client-one')], {
    replacePolicies: true,
  });
  const node = labPod('default/demo-app').node;
  const [fromNode] = await probeFrom(nodeNetnsPath(node), [{ host: app(), port: 80, protocol: 'TCP' }], 600);
  assert.equal(fromNode?.connected, true, 'a probe from the pod’s node reaches it over IPv6');
  assert.equal(await reaches('another-ns/another-client-one', app(), '80/TCP'), false);
  const ping = (from: string) =>
    spawnSync('nsenter', [
      `--net=/run/netns/${labPod(from).netns}`,
      'ping',
      '-6',
      '-c',
      '1',
      '-W',
      '1',
      app(),
    ]).status === 0;
  assert.equal(ping('default/client-one'), false, 'a rule for TCP 80 does not allow echo');
  await labApply(
    [
      ingressOnly('demo-app', '[{from: [{podSelector: {matchLabels: {app: client-one}}}]}]'),
      ingressOnly('client-one'),
    ],
    {
      replacePolicies: true,
    },
  );
  assert.equal(ping('default/client-one'), true, 'a rule with no ports allows echo, and the reply passes');
  assert.equal(ping('another-ns/another-client-one'), false);
  // client-one takes nothing in, but the port unreachable about its own datagram reaches it.
  const unreachables = () => snmp(labPod('default/client-one').netns, 'Icmp6InDestUnreachs');
  const before = unreachables();
  await labProbe('default/client-one', [{ host: app(), port: 81, protocol: 'UDP' }], 300);
  assert.equal(unreachables(), before + 1);
});

test('over IPv6: extension headers are walked to the transport header, and fragments follow their first', async () => {
  await labApply([ingressOnly('demo-app', CLIENT_ONE_PORT_80)], { replacePolicies: true });
  const client = labPod('default/client-one');
  // A SYN behind hop-by-hop and destination options headers: still TCP port 80, still allowed.
  const since = Date.now();
  const at = { src: client.ip, dst: app() };
  const options = (next: number) => Buffer.from([next, 0, 1, 4, 0, 0, 0, 0]); // PadN: 8 bytes in all
  const segment = tcp(at, 42424, 80, TCP_FLAGS.syn);
  const packet = ipv6(at, 0, Buffer.concat([options(60), options(PROTOCOL.tcp), segment]));
  const gateway = macOf(nodeNetns(client.node), client.ifname);
  sendFrames(client.netns, 'eth0', [ethernet(gateway, macOf(client.netns, 'eth0'), packet)]);
  const letIn = (flow: Flow) =>
    flow.sport === 42424 &&
    flow.direction === 'ingress' &&
    flow.verdict === 'allow' &&
    flow.protocol === 6 &&
    flow.dport === 80;
  const flows = (await flowsWritten(since, (written) => written.some(letIn))).filter(
    (flow) => flow.sport === 42424,
  );
  assert.ok(flows.some(letIn), `demo-app let the SYN in as TCP to port 80 (${JSON.stringify(flows)})`);
  // A datagram larger than the link goes as IPv6 fragments: they follow the first one in.
  const pod = await programmedTestPod(
    'default/fragments',
    ipv6Of('10.77.2.212'),
    ['7/UDP'],
    `podIsolation: [Ingress]\ningress: [{cidr: "${client.ip}", ports: [{protocol: UDP, port: 7}]}]`,
  );
  try {
    const big = [{ host: pod.ip, port: 7, protocol: 'UDP', size: 4000 }];
    const [allowed] = await labProbe(client.key, big, 600);
    assert.equal(allowed?.connected, true, 'a 4000-byte datagram and its echo go through, fragments and all');
    const reassembled = () => snmp(pod.netns, 'Ip6ReasmReqds');
    const before = reassembled();
    const [denied] = await labProbe('another-ns/another-client-one', big, 400);
    assert.equal(denied?.connected, false);
    assert.equal(reassembled(), before, 'no fragment of a denied datagram reached the pod');
  } finally {
    pod.remove();
  }
});

test('dual stack: isolated pods reach each other over IPv6 and IPv4 exactly as the model says; PolicyEndpoints list every address', async () => {
  const egress = join(folder, 'egress-client-one.yaml');
  writeFileSync(
    egress,
    'kind: NetworkPolicy\nmetadata: {name: egress-client-one, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: client-one}}\n  policyTypes: [Egress]\n  egress: [{to: [{podSelector: {matchLabels: {app: demo-app}}}], ports: [{port: 80}]}]\n',
  );
  // demo-app takes TCP 80 from client-one only; client-one sends only to demo-app's port 80.
  await labApply([ingressOnly('demo-app', CLIENT_ONE_PORT_80), ingressOnly('client-one'), egress], {
    replacePolicies: true,
  });
  const demo = labPod('default/demo-app');
  const client = labPod('default/client-one');
  assert.equal(demo.ips?.length, 2);
  const listed = (readEndpoints()?.endpoints ?? []).flatMap((endpoint) => [
    ...(endpoint.spec.podSelectorEndpoints ?? []).map((pod) => pod.podIP),
    ...(endpoint.spec.ingress ?? []).map((entry) => entry.cidr),
    ...(endpoint.spec.egress ?? []).map((entry) => entry.cidr),
  ]);
  for (const ip of [...(demo.ips ?? []), ...(client.ips ?? [])])
    assert.ok(listed.includes(ip), `${ip} is in the PolicyEndpoints (${listed.join(' ')})`);
  const cluster = labCluster();
  const port = { port: 80, protocol: 'TCP' } as const;
  const checks = [
    { from: client.key, to: demo.key, allowed: true },
    { from: 'another-ns/another-client-one', to: demo.key, allowed: false },
    { from: demo.key, to: client.key, allowed: false },
  ];
  for (const check of checks) {
    for (const address of labPod(check.to).ips ?? []) {
      const to = endpointAt(cluster, address);
      const source = cluster.pod(check.from);
      assert.ok(to?.pod && source);
      const model = evaluate(cluster, podEnd(cluster, source, to), to, port).allowed;
      const name = `${check.from} -> ${address}:80`;
      assert.equal(model, check.allowed, `the model: ${name}`);
      // client-one serves no port 80, so no packet can tell its denial from a closed port: the model says it.
      if (check.to === client.key) continue;
      assert.equal(await reaches(check.from, address, '80/TCP'), model, `real packets: ${name}`);
    }
  }
});
