import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Flow } from '../../server/flows/flow.ts';
import { labCluster } from '../../server/lab/lab-store.ts';
import { requireLab } from '../../server/lab/lab-writes.ts';
import { parseIp } from '../../server/net/ip.ts';
import { podEnd } from '../../server/policy/endpoint.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { nodeCounters } from '../datapath/introspect.ts';
import { ethernet, icmp, ipv4, ipv6, macOf, PROTOCOL, sendFrames, udp } from './frames.ts';
import { labApply, labPod, labProbe, probeFrom } from './lab.ts';
import { nodeNetns, nodeNetnsPath } from './names.ts';
import { labShippingToServer, storedFlow } from './testing-ingest.ts';
import { flowsWritten, programmedTestPod, reaches, snmp } from './testing-lab.ts';
import { nodeAddress } from './topology.ts';

/**
 * What policy makes of packets other than a plain connection, with real packets: traffic from the
 * pod's own node, ICMP echo and errors, IPv4 fragments, and IPv4 and IPv6 kept apart.
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-packets-'));
const app = () => labPod('default/demo-app').ip;

function policyFile(name: string, yaml: string): string {
  const file = join(folder, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** The ingress of pods labelled app=NAME allows only `from` (a peer list in YAML), or nothing. */
const ingressOnly = (name: string, from = '[]') =>
  policyFile(
    `ingress-${name}`,
    `kind: NetworkPolicy\nmetadata: {name: ingress-${name}, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: ${name}}}\n  policyTypes: [Ingress]\n  ingress: ${from}\n`,
  );

/** Crafts frames as if `from` sent them: out of its eth0 towards its host-side veth. */
function sendFrom(from: string, packets: readonly Buffer[]): void {
  const pod = labPod(from);
  const gateway = macOf(nodeNetns(pod.node), pod.ifname);
  const own = macOf(pod.netns, 'eth0');
  sendFrames(
    pod.netns,
    'eth0',
    packets.map((packet) => ethernet(gateway, own, packet)),
  );
}

function ping(from: string, host: string): boolean {
  const netns = labPod(from).netns;
  return spawnSync('nsenter', [`--net=/run/netns/${netns}`, 'ping', '-c', '1', '-W', '1', host]).status === 0;
}

const ingest = labShippingToServer();

test('traffic from the pod’s own node always passes (kubelet probes); from another node or pod the policy decides', async () => {
  await labApply([ingressOnly('demo-app')], { replacePolicies: true });
  const lab = requireLab();
  const own = labPod('default/demo-app').node;
  const other = lab.nodes.find((node) => node.name !== own)?.name ?? '';
  const target = [{ host: app(), port: 80, protocol: 'TCP' }];
  const since = Date.now();
  const nodePackets = nodeCounters(own).nodePackets;
  const [fromOwn] = await probeFrom(nodeNetnsPath(own), target, 600);
  const [fromOther] = await probeFrom(nodeNetnsPath(other), target, 600);
  assert.equal(fromOwn?.connected, true, 'a probe from the pod’s node reaches it');
  assert.equal(fromOther?.connected, false, 'another node is not the pod’s node');
  assert.ok(
    nodeCounters(own).nodePackets > nodePackets,
    'the node’s counter of its own traffic counted the probe',
  );
  assert.equal(await reaches('default/client-one', app(), '80/TCP'), false, 'pods stay denied');
  const cluster = labCluster();
  const demo = cluster.pod('default/demo-app');
  assert.ok(demo);
  const model = (name: string) => {
    const node = lab.nodes.find((each) => each.name === name);
    const ip = node && parseIp(nodeAddress(node));
    assert.ok(ip, name);
    return evaluate(cluster, { ip }, podEnd(cluster, demo), { port: 80, protocol: 'TCP' }).allowed;
  };
  assert.deepEqual([model(own), model(other)], [true, false], 'the policy model agrees with the kernel');
  const fromNode = await storedFlow(
    ingest(),
    since,
    (flow) => flow.reason === 'node' && flow.pod === 'default/demo-app' && flow.dport === 80,
  );
  assert.deepEqual(
    fromNode && [fromNode.direction, fromNode.verdict],
    ['ingress', 'allow'],
    'the server stored the probe from the node as node traffic',
  );
});

test('ICMP echo is a flow: a rule without ports allows it, one with ports does not; the reply passes', async () => {
  await labApply(
    [
      ingressOnly(
        'demo-app',
        '[{from: [{podSelector: {matchLabels: {app: client-one}}}], ports: [{port: 80}]}]',
      ),
    ],
    { replacePolicies: true },
  );
  assert.equal(ping('default/client-one', app()), false, 'a rule for TCP 80 does not allow echo');
  await labApply([ingressOnly('demo-app', '[{from: [{podSelector: {matchLabels: {app: client-one}}}]}]')], {
    replacePolicies: true,
  });
  assert.equal(ping('default/client-one', app()), true, 'a rule with no ports allows echo');
  assert.equal(ping('another-ns/another-client-one', app()), false);
});

test('an ICMP error about a flow the pod let through passes; one about no such flow is dropped', async () => {
  // client-one takes nothing in: only errors about its own flows may reach it.
  await labApply([ingressOnly('client-one')], { replacePolicies: true });
  const unreachables = () => snmp(labPod('default/client-one').netns, 'Icmp', 'InDestUnreachs');
  const before = unreachables();
  // Nothing listens on UDP 81 of demo-app: its kernel answers port unreachable.
  await labProbe('default/client-one', [{ host: app(), port: 81, protocol: 'UDP' }], 300);
  assert.equal(unreachables(), before + 1, 'the port unreachable about client-one’s datagram arrives');
  // The same error about a datagram client-one never sent.
  const since = Date.now();
  const other = labPod('another-ns/another-client-one');
  const client = labPod('default/client-one');
  const inner = { src: client.ip, dst: other.ip };
  const quoted = ipv4(inner, PROTOCOL.udp, udp(inner, 40404, 5353));
  const outer = { src: other.ip, dst: client.ip };
  sendFrom(other.key, [ipv4(outer, PROTOCOL.icmp, icmp(outer, 3, 3, quoted))]);
  await sleep(300);
  assert.equal(unreachables(), before + 1, 'an error about no flow of the pod is dropped');
  const reported = (event: Flow) =>
    event.verdict === 'deny' && event.reason === 'icmp' && event.src === other.ip;
  assert.ok(
    (await flowsWritten(since, (flows) => flows.some(reported))).some(reported),
    'and reported as such',
  );
  const stray = await storedFlow(ingest(), since, (flow) => flow.reason === 'icmp' && flow.src === other.ip);
  assert.deepEqual(
    stray && [stray.pod, stray.verdict, stray.protocol],
    ['default/client-one', 'deny', 1],
    'the server stored it with its reason',
  );
});

test('IPv4 fragments: the rest of a datagram let through follows its first fragment; stray fragments are dropped', async () => {
  const client = labPod('default/client-one');
  const pod = await programmedTestPod(
    'default/fragments',
    '10.77.2.211',
    ['7/UDP'],
    `podIsolation: [Ingress]\ningress: [{cidr: "${client.ip}", ports: [{protocol: UDP, port: 7}]}]`,
  );
  try {
    const big = [{ host: pod.ip, port: 7, protocol: 'UDP', size: 4000 }];
    const reassembled = () => snmp(pod.netns, 'Ip', 'ReasmReqds');
    const [allowed] = await labProbe(client.key, big, 600);
    assert.equal(allowed?.connected, true, 'a 4000-byte datagram and its echo go through, fragments and all');
    const before = reassembled();
    const [denied] = await labProbe('another-ns/another-client-one', big, 400);
    assert.equal(denied?.connected, false);
    assert.equal(reassembled(), before, 'no fragment of a denied datagram reached the pod');
    // A later fragment whose first never came, from the allowed peer.
    const at = { src: client.ip, dst: pod.ip };
    sendFrom(client.key, [ipv4(at, PROTOCOL.udp, Buffer.alloc(64, 'f'), { id: 4242, fragmentOffset: 1480 })]);
    await sleep(200);
    assert.equal(reassembled(), before, 'a stray fragment is dropped');
  } finally {
    pod.remove();
  }
});

test('IPv4 and IPv6 rules never match each other', async () => {
  const client = labPod('default/client-one');
  const egress = (cidr: string) =>
    policyFile(
      'egress-client-one',
      `kind: NetworkPolicy\nmetadata: {name: egress-client-one, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: client-one}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: "${cidr}"}}]}]\n`,
    );
  await labApply([egress('::/0')], { replacePolicies: true });
  assert.equal(await reaches(client.key, app(), '80/TCP'), false, '::/0 does not cover IPv4');
  await labApply([egress('0.0.0.0/0')], { replacePolicies: true });
  assert.equal(await reaches(client.key, app(), '80/TCP'), true);
  // An IPv6 packet to demo-app's IPv4-mapped address is IPv6: 0.0.0.0/0 does not cover it.
  const since = Date.now();
  const mapped = `::ffff:${app()}`;
  const at = { src: 'fd00:77::1', dst: mapped };
  sendFrom(client.key, [ipv6(at, PROTOCOL.udp, udp(at, 40000, 80))]);
  const isDenied = (event: Flow) => event.family === 6 && event.verdict === 'deny';
  const denied = (await flowsWritten(since, (flows) => flows.some(isDenied))).filter(isDenied);
  assert.equal(denied.length, 1, 'the IPv6 packet is denied as IPv6');
  assert.equal(denied[0]?.reason, 'policy');
  const stored = await storedFlow(ingest(), since, (flow) => flow.family === 6 && flow.verdict === 'deny');
  assert.deepEqual(
    stored && [stored.src, stored.dst.startsWith('::ffff:'), stored.reason, stored.pod],
    ['fd00:77::1', true, 'policy', 'default/client-one'],
    'the server stored it as IPv6',
  );
});
