import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { LabNode } from '../../server/lab/lab-store.ts';
import {
  FABRIC_NETNS,
  fabricPort,
  hostVeth,
  LAB_PREFIX,
  NODE_SUBNET,
  NODE_SUBNET6,
  nodeNetns,
  POD_GATEWAY,
  POD_GATEWAY6,
  podNetns,
} from './names.ts';
import { ipIn, run, sysctlIn } from './shell.ts';

/**
 * The lab's network: a fabric namespace with a bridge joining the lab nodes, each node a
 * namespace that routes for its pods, each pod a namespace joined to its node by a veth pair
 * (a /32 route to the pod and a link-local gateway on the veth, no bridge: as VPC CNI does; with
 * `lab up --ipv6` a /128 and an IPv6 link-local gateway too). No namespace of the lab has a link
 * to the machine's own namespace, and no node has a default route of either family, so no lab
 * packet can leave the lab.
 */

export interface LabPod {
  /** `ns/name`. */
  readonly key: string;
  readonly ip: string;
  /** Every IP of the pod (dual stack: an IPv6 and an IPv4 one); `ip` alone when absent. */
  readonly ips?: readonly string[];
  readonly node: string;
}

export const nodeAddress = (node: LabNode) => `${NODE_SUBNET}.${node.index}`;
/** The node's IPv6 address on the fabric, in a dual-stack lab. */
export const nodeAddress6 = (node: LabNode) => `${NODE_SUBNET6}${node.index}`;

const ipsOf = (pod: LabPod) => pod.ips ?? [pod.ip];
const ipv6Of = (pod: LabPod) => ipsOf(pod).find((ip) => ip.includes(':'));
const ipv4Of = (pod: LabPod) => ipsOf(pod).find((ip) => !ip.includes(':'));

function netnsExists(name: string): boolean {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .some((line) => line.split(' ')[0] === name);
}

/** Every lab namespace that exists now. */
export function labNamespaces(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(LAB_PREFIX));
}

export function createFabric(): void {
  if (netnsExists(FABRIC_NETNS)) return;
  run('ip', ['netns', 'add', FABRIC_NETNS]);
  ipIn(FABRIC_NETNS, 'link', 'set', 'lo', 'up');
  ipIn(FABRIC_NETNS, 'link', 'add', 'br0', 'type', 'bridge');
  ipIn(FABRIC_NETNS, 'link', 'set', 'br0', 'up');
}

/** Creates a lab node; with `ipv6` it also has an IPv6 address on the fabric and forwards IPv6. */
export function createNode(node: LabNode, ipv6 = false): void {
  const netns = nodeNetns(node.name);
  if (netnsExists(netns)) return;
  run('ip', ['netns', 'add', netns]);
  ipIn(netns, 'link', 'set', 'lo', 'up');
  ipIn(
    netns,
    'link',
    'add',
    'fabric0',
    'type',
    'veth',
    'peer',
    'name',
    fabricPort(node.index),
    'netns',
    FABRIC_NETNS,
  );
  ipIn(netns, 'addr', 'add', `${nodeAddress(node)}/24`, 'dev', 'fabric0');
  ipIn(netns, 'link', 'set', 'fabric0', 'up');
  ipIn(FABRIC_NETNS, 'link', 'set', fabricPort(node.index), 'master', 'br0');
  ipIn(FABRIC_NETNS, 'link', 'set', fabricPort(node.index), 'up');
  sysctlIn(netns, 'net.ipv4.ip_forward', '1');
  sysctlIn(netns, 'net.ipv4.conf.all.rp_filter', '0');
  sysctlIn(netns, 'net.ipv4.conf.default.rp_filter', '0');
  if (ipv6) {
    // nodad: usable at once, without duplicate address detection's delay.
    ipIn(netns, '-6', 'addr', 'add', `${nodeAddress6(node)}/64`, 'dev', 'fabric0', 'nodad');
    sysctlIn(netns, 'net.ipv6.conf.all.forwarding', '1');
  }
}

/**
 * Creates the pod's namespace and veth pair and routes to it from every node. `resolver` is the
 * address of the nameserver its /etc/resolv.conf names (via `ip netns exec`'s /etc/netns files).
 */
export function createPod(pod: LabPod, nodes: readonly LabNode[], resolver?: string): void {
  const netns = podNetns(pod.key);
  const veth = hostVeth(pod.key);
  const node = nodes.find((candidate) => candidate.name === pod.node);
  if (!node) throw new Error(`pod ${pod.key}: no lab node ${pod.node}`);
  const nodeNs = nodeNetns(node.name);
  if (!netnsExists(netns)) {
    const [v4, v6] = [ipv4Of(pod), ipv6Of(pod)];
    run('ip', ['netns', 'add', netns]);
    if (!v6) {
      // An IPv4 lab: without IPv6, pods send no link-local chatter.
      sysctlIn(netns, 'net.ipv6.conf.all.disable_ipv6', '1');
      sysctlIn(netns, 'net.ipv6.conf.default.disable_ipv6', '1');
    }
    ipIn(netns, 'link', 'set', 'lo', 'up');
    ipIn(netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', veth, 'netns', nodeNs);
    const [hostLink] = JSON.parse(ipIn(nodeNs, '-j', 'link', 'show', veth)) as { address: string }[];
    const [podLink] = JSON.parse(ipIn(netns, '-j', 'link', 'show', 'eth0')) as { address: string }[];
    ipIn(netns, 'link', 'set', 'eth0', 'up');
    ipIn(nodeNs, 'link', 'set', veth, 'up');
    // The gateway is the host-side veth itself: a permanent neighbour entry, so no ARP proxy is needed.
    if (v4) {
      ipIn(netns, 'addr', 'add', `${v4}/32`, 'dev', 'eth0');
      ipIn(netns, 'route', 'add', POD_GATEWAY, 'dev', 'eth0', 'scope', 'link');
      ipIn(netns, 'route', 'add', 'default', 'via', POD_GATEWAY, 'dev', 'eth0');
      neighbour(netns, '-4', POD_GATEWAY, hostLink?.address, 'eth0');
      ipIn(nodeNs, 'route', 'replace', `${v4}/32`, 'dev', veth);
    }
    if (v6) {
      // The same with IPv6, neighbours fixed both ways so that nothing waits on discovery.
      ipIn(netns, '-6', 'addr', 'add', `${v6}/128`, 'dev', 'eth0', 'nodad');
      neighbour(netns, '-6', POD_GATEWAY6, hostLink?.address, 'eth0');
      ipIn(netns, '-6', 'route', 'add', 'default', 'via', POD_GATEWAY6, 'dev', 'eth0');
      ipIn(nodeNs, '-6', 'route', 'replace', `${v6}/128`, 'dev', veth);
      neighbour(nodeNs, '-6', v6, podLink?.address, veth);
    }
    for (const other of nodes) {
      if (other.name === node.name) continue;
      if (v4) {
        ipIn(
          nodeNetns(other.name),
          'route',
          'replace',
          `${v4}/32`,
          'via',
          nodeAddress(node),
          'dev',
          'fabric0',
        );
      }
      if (v6) {
        ipIn(
          nodeNetns(other.name),
          '-6',
          'route',
          'replace',
          `${v6}/128`,
          'via',
          nodeAddress6(node),
          'dev',
          'fabric0',
        );
      }
    }
  }
  if (resolver) {
    const [namespace] = pod.key.split('/');
    mkdirSync(`/etc/netns/${netns}`, { recursive: true });
    writeFileSync(
      `/etc/netns/${netns}/resolv.conf`,
      `nameserver ${resolver}\nsearch ${namespace}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:2\n`,
    );
  }
}

/** A permanent neighbour entry: `ip` is at `mac` on `dev`, with no discovery to wait for. */
function neighbour(
  netns: string,
  family: '-4' | '-6',
  ip: string,
  mac: string | undefined,
  dev: string,
): void {
  ipIn(netns, family, 'neigh', 'replace', ip, 'lladdr', mac ?? '', 'dev', dev, 'nud', 'permanent');
}

export function deletePod(pod: LabPod, nodes: readonly LabNode[]): void {
  for (const node of nodes) {
    for (const ip of ipsOf(pod)) {
      const prefix = ip.includes(':') ? `${ip}/128` : `${ip}/32`;
      run('ip', ['-n', nodeNetns(node.name), 'route', 'del', prefix], { allowFailure: true });
    }
  }
  removeNamespace(podNetns(pod.key));
}

/** Deletes a lab namespace (its veths go with it) and its /etc/netns files. */
export function removeNamespace(netns: string): void {
  run('ip', ['netns', 'del', netns], { allowFailure: true });
  rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
}
