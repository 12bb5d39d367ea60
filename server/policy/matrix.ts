import type { IpBlock, NetworkPolicyPeer } from '../kube/network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from './cluster.ts';
import type { PortProtocol } from './endpoint.ts';
import { evaluateSide, type PeerTest, type SideVerdict } from './evaluate.ts';
import { peerMatches } from './match.ts';

/** Pods that no policy can tell apart: same namespace, labels, named ports and ipBlock membership. */
export interface PodGroup {
  readonly id: number;
  readonly pods: readonly Pod[];
}

/** The two sides' verdicts for a connection between two groups on one port. */
export interface GroupVerdict {
  readonly allowed: boolean;
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
}

/**
 * The verdict for every ordered pair of pods and every port, computed per pair of groups so that
 * the work grows with the number of distinct groups, not with pod pairs.
 */
export class VerdictMatrix {
  readonly ports: readonly PortProtocol[];
  readonly groups: readonly PodGroup[];
  private readonly groupOf: ReadonlyMap<Pod, number>;
  /** Both indexed by (from group * groups + to group) * ports + port; empty where a group has no pair. */
  private readonly egress: (SideVerdict | undefined)[];
  private readonly ingress: (SideVerdict | undefined)[];

  constructor(
    ports: readonly PortProtocol[],
    grouping: { groups: PodGroup[]; groupOf: Map<Pod, number> },
    sides: { egress: (SideVerdict | undefined)[]; ingress: (SideVerdict | undefined)[] },
  ) {
    this.ports = ports;
    this.groups = grouping.groups;
    this.groupOf = grouping.groupOf;
    this.egress = sides.egress;
    this.ingress = sides.ingress;
  }

  /** The verdict for `from` → `to` on `ports[portIndex]`; both must be distinct pods of the matrix's cluster. */
  verdict(from: Pod, to: Pod, portIndex: number): GroupVerdict {
    const a = this.groupOf.get(from);
    const b = this.groupOf.get(to);
    if (a === undefined || b === undefined || from === to)
      throw new Error('not a pair of distinct pods of this matrix');
    return this.cell(a, b, portIndex);
  }

  /** The verdict between two pods of the given groups (distinct pods when the groups are the same). */
  cell(fromGroup: number, toGroup: number, portIndex: number): GroupVerdict {
    const index = (fromGroup * this.groups.length + toGroup) * this.ports.length + portIndex;
    const egress = this.egress[index];
    const ingress = this.ingress[index];
    if (!egress || !ingress) throw new Error('no such pair in this matrix');
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
  }
}

/** Computes the matrix of the cluster's policy pods over `ports`. */
export function computeMatrix(cluster: Cluster, ports: readonly PortProtocol[]): VerdictMatrix {
  const grouping = groupPods(cluster);
  const peerTest = memoizedPeerTest(cluster, grouping.groupOf, grouping.groups.length);
  const endpoints = grouping.groups.map((group) =>
    group.pods.slice(0, 2).map((pod) => ({ pod, ip: cluster.ipOf(pod) })),
  );
  const egress: (SideVerdict | undefined)[] = [];
  const ingress: (SideVerdict | undefined)[] = [];
  for (const from of grouping.groups) {
    for (const to of grouping.groups) {
      // Two distinct pods are needed; a group of one pod has no pair within itself.
      const source = endpoints[from.id]?.[0];
      const destination = endpoints[to.id]?.[from === to ? 1 : 0];
      for (const target of ports) {
        egress.push(
          source && destination && evaluateSide(cluster, 'Egress', source, destination, target, { peerTest }),
        );
        ingress.push(
          source &&
            destination &&
            evaluateSide(cluster, 'Ingress', destination, source, target, { peerTest }),
        );
      }
    }
  }
  return new VerdictMatrix(ports, grouping, { egress, ingress });
}

/** Groups pods by everything a policy can see of them. */
export function groupPods(cluster: Cluster): { groups: PodGroup[]; groupOf: Map<Pod, number> } {
  const blocks = distinctIpBlocks(cluster);
  const byKey = new Map<string, Pod[]>();
  for (const pod of cluster.allPods()) {
    const ip = cluster.ipOf(pod);
    const inBlocks = blocks
      .map((block) => (peerMatches(cluster, '', { ipBlock: block }, { pod, ip }) ? '1' : '0'))
      .join('');
    const labels = Object.entries(pod.metadata.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const named = pod.ports.filter((port) => port.name !== undefined);
    const key = JSON.stringify([pod.metadata.namespace, labels, named, inBlocks]);
    const members = byKey.get(key);
    if (members) members.push(pod);
    else byKey.set(key, [pod]);
  }
  const groups = [...byKey.values()].map((pods, id) => ({ id, pods }));
  const groupOf = new Map<Pod, number>();
  for (const group of groups) for (const pod of group.pods) groupOf.set(pod, group.id);
  return { groups, groupOf };
}

function distinctIpBlocks(cluster: Cluster): IpBlock[] {
  const blocks = new Map<string, IpBlock>();
  for (const policy of cluster.allPolicies()) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const peer of rule.peers) {
        if (peer.ipBlock) blocks.set(`${peer.ipBlock.cidr}|${peer.ipBlock.except.join(',')}`, peer.ipBlock);
      }
    }
  }
  return [...blocks.values()];
}

/** Peer matching remembered per (peer, group): every pod of a group matches a peer alike. */
function memoizedPeerTest(cluster: Cluster, groupOf: Map<Pod, number>, groupCount: number): PeerTest {
  const memo = new Map<NetworkPolicyPeer, Int8Array>();
  return (policy, peer, endpoint) => {
    const group = endpoint.pod ? groupOf.get(endpoint.pod) : undefined;
    if (group === undefined) return peerMatches(cluster, policy.metadata.namespace, peer, endpoint);
    let row = memo.get(peer);
    if (!row) {
      row = new Int8Array(groupCount);
      memo.set(peer, row);
    }
    if (row[group] === 0)
      row[group] = peerMatches(cluster, policy.metadata.namespace, peer, endpoint) ? 1 : 2;
    return row[group] === 1;
  };
}
