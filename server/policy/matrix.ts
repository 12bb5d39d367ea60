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
  /** Indexed by (from group * groups + to group) * ports + port. */
  private readonly cells: GroupVerdict[];

  constructor(
    ports: readonly PortProtocol[],
    groups: PodGroup[],
    groupOf: Map<Pod, number>,
    cells: GroupVerdict[],
  ) {
    this.ports = ports;
    this.groups = groups;
    this.groupOf = groupOf;
    this.cells = cells;
  }

  /** The verdict for `from` → `to` on `ports[portIndex]`; both must be pods of the cluster the matrix was built from. */
  verdict(from: Pod, to: Pod, portIndex: number): GroupVerdict {
    const a = this.groupOf.get(from);
    const b = this.groupOf.get(to);
    if (a === undefined || b === undefined) throw new Error('pod is not part of this matrix');
    return this.cell(a, b, portIndex);
  }

  cell(fromGroup: number, toGroup: number, portIndex: number): GroupVerdict {
    const cell = this.cells[(fromGroup * this.groups.length + toGroup) * this.ports.length + portIndex];
    if (!cell) throw new Error('no such cell');
    return cell;
  }
}

/** Computes the matrix of the cluster's policy pods over `ports`. */
export function computeMatrix(cluster: Cluster, ports: readonly PortProtocol[]): VerdictMatrix {
  const { groups, groupOf } = groupPods(cluster);
  const peerTest = memoizedPeerTest(cluster, groupOf, groups.length);
  const cells: GroupVerdict[] = [];
  for (const from of groups) {
    for (const to of groups) {
      // Two distinct pods are needed; a group of one pod has no pair within itself.
      const source = from.pods[0];
      const destination = from === to ? to.pods[1] : to.pods[0];
      for (const target of ports) {
        if (!source || !destination) {
          cells.push(EMPTY);
          continue;
        }
        const egress = evaluateSide(
          cluster,
          'Egress',
          endpointOf(cluster, source),
          endpointOf(cluster, destination),
          target,
          { peerTest },
        );
        const ingress = evaluateSide(
          cluster,
          'Ingress',
          endpointOf(cluster, destination),
          endpointOf(cluster, source),
          target,
          { peerTest },
        );
        cells.push({ allowed: egress.allowed && ingress.allowed, egress, ingress });
      }
    }
  }
  return new VerdictMatrix(ports, groups, groupOf, cells);
}

const EMPTY_SIDE: SideVerdict = {
  direction: 'Egress',
  enforced: false,
  isolated: false,
  allowed: true,
  policies: [],
  isolatingPolicies: [],
  allowedBy: [],
  misses: [],
  summary: 'no pair',
};
const EMPTY: GroupVerdict = {
  allowed: true,
  egress: EMPTY_SIDE,
  ingress: { ...EMPTY_SIDE, direction: 'Ingress' },
};

function endpointOf(cluster: Cluster, pod: Pod) {
  return { pod, ip: cluster.ipOf(pod) };
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
