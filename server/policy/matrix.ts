import type { IpBlock, NetworkPolicyPeer, PolicyType } from '../kube/network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import type { Ip } from '../net/ip.ts';
import type { Cluster } from './cluster.ts';
import { type Endpoint, type PortProtocol, podEndIn, sharedFamily } from './endpoint.ts';
import { evaluateSide, type PeerTest, type SideVerdict } from './evaluate.ts';
import { peerMatches } from './match.ts';

/** Pods that no policy can tell apart: same namespace, labels, named ports, ipBlock membership and address families. */
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

  /** The group of a pod of the matrix's cluster. */
  groupIndex(pod: Pod): number {
    const group = this.groupOf.get(pod);
    if (group === undefined) throw new Error('not a pod of this matrix');
    return group;
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

/**
 * Computes the matrix of the cluster's policy pods over `ports`. A packet's two addresses are of
 * one family: a connection goes to the destination's address in the first of its families (the
 * primary first) that the source has too, from the source's address of that family (as `palisade
 * policy eval` judges it). Where pairs differ in family (IPv4 first and IPv6 first pods, or pods of
 * one family only beside dual-stack ones), the verdicts are computed once per family, and each pair
 * takes those of its own.
 */
export function computeMatrix(cluster: Cluster, ports: readonly PortProtocol[]): VerdictMatrix {
  const grouping = groupPods(cluster);
  const groups = grouping.groups.length;
  // Groups have few distinct lists of families (IPv4; IPv6; both, either first): a pair's family
  // is that of its two lists, worked out once per pair of lists, not once per pair of groups.
  const lists = new Map<string, { id: number; ips: readonly Ip[] }>();
  const listOf = grouping.groups.map((group) => {
    const ips = group.pods[0] ? cluster.ipsOf(group.pods[0]) : [];
    const key = ips.map((ip) => ip.family).join();
    let list = lists.get(key);
    if (!list) {
      list = { id: lists.size, ips };
      lists.set(key, list);
    }
    return list.id;
  });
  const distinct = [...lists.values()];
  const listFamily = distinct.flatMap(({ ips: from }) =>
    distinct.map(({ ips: to }) => sharedFamily(from, to) ?? to[0]?.family),
  );
  /** The family of the pair from group `from` to group `to`. */
  const pairFamily = (from: number, to: number) =>
    listFamily[(listOf[from] as number) * distinct.length + (listOf[to] as number)];
  const families = [...new Set(listFamily)];
  const byFamily = new Map(
    families.map((family) => {
      const endpoints = grouping.groups.map((group) =>
        group.pods.slice(0, 2).map((pod) => podEndIn(cluster, pod, family)),
      );
      const rows = peerRows(cluster, endpoints);
      const sides = {
        cluster,
        ports,
        endpoints,
        rows,
        peerTest: rowPeerTest(cluster, grouping.groupOf, rows),
      };
      return [family, { egress: sideVerdicts(sides, 'Egress'), ingress: sideVerdicts(sides, 'Ingress') }];
    }),
  );
  if (byFamily.size === 1) return new VerdictMatrix(ports, grouping, [...byFamily.values()][0] as Sides);
  // Each pair from the verdicts of its family.
  const pick = (side: keyof Sides) =>
    Array.from({ length: groups * groups * ports.length }, (_, index) => {
      const pair = Math.floor(index / ports.length);
      return byFamily.get(pairFamily(Math.floor(pair / groups), pair % groups))?.[side][index];
    });
  return new VerdictMatrix(ports, grouping, { egress: pick('egress'), ingress: pick('ingress') });
}

type Sides = { egress: (SideVerdict | undefined)[]; ingress: (SideVerdict | undefined)[] };

/**
 * One direction's verdicts for every pair of groups and port, indexed as the matrix is. The side is
 * decided at its subject (the source for egress, the destination for ingress); what it makes of the
 * other end is only which of the peers of the rules that can decide there (its isolating
 * NetworkPolicies' and its cluster policies') match it, and for egress the named
 * ports it declares. So `evaluateSide` runs once per subject group and distinct answer to those
 * questions, and groups that answer alike share its verdicts: the work grows with the groups and
 * rules, not with their pairs times the ports.
 */
function sideVerdicts(
  sides: {
    cluster: Cluster;
    ports: readonly PortProtocol[];
    endpoints: readonly Endpoint[][];
    rows: PeerRows;
    peerTest: PeerTest;
  },
  direction: PolicyType,
): (SideVerdict | undefined)[] {
  const { cluster, ports, endpoints, rows, peerTest } = sides;
  const groups = endpoints.length;
  const namedPorts = internedNamedPorts(endpoints);
  const table: (SideVerdict | undefined)[] = new Array(groups * groups * ports.length);
  for (let subject = 0; subject < groups; subject++) {
    const subjectPod = endpoints[subject]?.[0]?.pod;
    // Every rule that can decide at the subject: its NetworkPolicies' and both cluster tiers'.
    const deciding = subjectPod
      ? [
          ...cluster.policiesSelecting(subjectPod, direction),
          ...cluster.clusterPoliciesSelecting(subjectPod, direction, 'Admin'),
          ...cluster.clusterPoliciesSelecting(subjectPod, direction, 'Baseline'),
        ]
      : [];
    const peers = deciding.flatMap((policy) =>
      (direction === 'Ingress' ? policy.ingress : policy.egress).flatMap((rule) =>
        rule.peers.map((peer) => rows(policy, peer)),
      ),
    );
    const classes = classesOfOthers(direction === 'Egress' ? namedPorts : namedPorts.map(() => 0), peers);
    const known: (SideVerdict | undefined)[][] = [];
    for (let other = 0; other < groups; other++) {
      const [from, to] = direction === 'Egress' ? [subject, other] : [other, subject];
      // Two distinct pods are needed; a group of one pod has no pair within itself.
      const source = endpoints[from]?.[0];
      const destination = endpoints[to]?.[from === to ? 1 : 0];
      const base = (from * groups + to) * ports.length;
      if (!source || !destination) {
        table.fill(undefined, base, base + ports.length);
        continue;
      }
      const [own, peer] = direction === 'Egress' ? [source, destination] : [destination, source];
      const kind = classes[other] as number;
      let verdicts = known[kind];
      if (!verdicts) {
        verdicts = ports.map((target) => evaluateSide(cluster, direction, own, peer, target, { peerTest }));
        known[kind] = verdicts;
      }
      for (let port = 0; port < ports.length; port++) table[base + port] = verdicts[port];
    }
  }
  return table;
}

/**
 * Numbers the other ends so that two get the same number exactly when they start alike (`start`:
 * small numbers, one per other end) and every one of the peers' rows answers the same for both:
 * each row splits the classes so far in two.
 */
function classesOfOthers(start: readonly number[], peers: readonly Uint8Array[]): Int32Array {
  const count = start.length;
  const classes = Int32Array.from(start);
  const renumber = new Int32Array(2 * count);
  for (const row of peers) {
    renumber.fill(-1);
    let next = 0;
    for (let other = 0; other < count; other++) {
      const code = 2 * (classes[other] as number) + (row[other] as number);
      if ((renumber[code] as number) < 0) renumber[code] = next++;
      classes[other] = renumber[code] as number;
    }
  }
  return classes;
}

/** Each group's named ports as a small number, equal for groups that declare the same ones. */
function internedNamedPorts(endpoints: readonly Endpoint[][]): number[] {
  const ids = new Map<string, number>();
  return endpoints.map((members) => {
    const pod = members[0]?.pod;
    const named = JSON.stringify(pod ? namedPortsOf(pod) : []);
    let id = ids.get(named);
    if (id === undefined) {
      id = ids.size;
      ids.set(named, id);
    }
    return id;
  });
}

/** The container ports a pod declares by name: what a rule's named port can stand for on it. */
const namedPortsOf = (pod: Pod) => pod.ports.filter((port) => port.name !== undefined);

/** Groups pods by everything a policy can see of them. */
export function groupPods(cluster: Cluster): { groups: PodGroup[]; groupOf: Map<Pod, number> } {
  const blocks = distinctIpBlocks(cluster);
  const byKey = new Map<string, Pod[]>();
  for (const pod of cluster.allPods()) {
    // Every address of a dual-stack pod counts: blocks of either family may tell pods apart.
    const ips = cluster.ipsOf(pod);
    const inBlocks = (ips.length > 0 ? ips : [undefined])
      .map((ip) =>
        blocks
          .map((block) => (peerMatches(cluster, '', { ipBlock: block }, { pod, ip }) ? '1' : '0'))
          .join(''),
      )
      .join('|');
    const labels = Object.entries(pod.metadata.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Its families too, the primary first: they choose a connection's family (see computeMatrix).
    const families = ips.map((ip) => ip.family);
    const key = JSON.stringify([pod.metadata.namespace, labels, namedPortsOf(pod), inBlocks, families]);
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
  for (const policy of [...cluster.allPolicies(), ...cluster.allClusterPolicies()]) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const peer of rule.peers) {
        if (peer.ipBlock) blocks.set(`${peer.ipBlock.cidr}|${peer.ipBlock.except.join(',')}`, peer.ipBlock);
      }
    }
  }
  return [...blocks.values()];
}

/** Which groups a policy's peer matches: one byte per group, 1 when it does. */
type PeerRows = (
  policy: { readonly metadata: { readonly namespace: string } },
  peer: NetworkPolicyPeer,
) => Uint8Array;

/** Peer matching remembered per (peer, group), a whole row at a time: every pod of a group matches a peer alike. */
function peerRows(cluster: Cluster, endpoints: readonly Endpoint[][]): PeerRows {
  const memo = new Map<NetworkPolicyPeer, Uint8Array>();
  return (policy, peer) => {
    let row = memo.get(peer);
    if (!row) {
      row = Uint8Array.from(endpoints, (members) => {
        const endpoint = members[0];
        return endpoint && peerMatches(cluster, policy.metadata.namespace, peer, endpoint) ? 1 : 0;
      });
      memo.set(peer, row);
    }
    return row;
  };
}

/** The evaluator's peer test answered from the rows, for the pods of the matrix's groups. */
function rowPeerTest(cluster: Cluster, groupOf: Map<Pod, number>, rows: PeerRows): PeerTest {
  return (policy, peer, endpoint) => {
    const group = endpoint.pod ? groupOf.get(endpoint.pod) : undefined;
    if (group === undefined) return peerMatches(cluster, policy.metadata.namespace, peer, endpoint);
    return rows(policy, peer)[group] === 1;
  };
}
