import { createHash } from 'node:crypto';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { hostIPsOf, isPolicyPod, type Pod, podIPsOf } from '../kube/pod.ts';
import {
  type EndpointInfo,
  endpointInfo,
  POLICY_ENDPOINT_API_VERSION,
  type PodEndpoint,
  type PolicyEndpoint,
  podEndpoint,
} from '../kube/policy-endpoint.ts';
import type { Service } from '../kube/service.ts';
import { type AddressOrder, addressOrder, type Ip, ipOrder, parseIp, sortByAddress } from '../net/ip.ts';
import type { Cluster } from '../policy/cluster.ts';
import { pieces } from './chunks.ts';
import {
  addressEntries,
  type Contribution,
  candidatePods,
  contributionOf,
  type EntryPorts,
  hasServicePeers,
  ingressRulePorts,
  isSelected,
  mergeEntries,
  serviceContribution,
} from './contribution.ts';
import { type Slot, SortedByAddress } from './sorted-by-address.ts';

/** AWS's controller packs at most this many entries of each list into one PolicyEndpoint (its `--endpoint-chunk-size`). */
export const DEFAULT_CHUNK_SIZE = 200;

/**
 * The PolicyEndpoints the controller writes for `policy`, shaped as AWS's controller shapes them:
 * the selected pods in `podSelectorEndpoints`, and one entry per peer address in `ingress`/`egress`
 * (a pod by its IP, an ipBlock as cidr + except, a rule without peers as 0.0.0.0/0 and ::/0, and
 * in `egress` the ClusterIPs of the Services its peers stand for, with service ports).
 * Named ports become numbers: for ingress resolved on the selected pods, for egress on each
 * destination pod. Lists longer than `chunkSize` entries (or than their bytes allow, see chunks.ts)
 * spill into further PolicyEndpoints.
 */
export function policyEndpointsFor(
  cluster: Cluster,
  policy: NetworkPolicy,
  chunkSize = DEFAULT_CHUNK_SIZE,
): PolicyEndpoint[] {
  return new PolicyState(cluster, policy).policyEndpoints(chunkSize);
}

interface Ordered<T> {
  readonly order: AddressOrder;
  readonly item: T;
}

/**
 * One policy's PolicyEndpoints as parts that can change one pod or Service at a time: the address
 * entries (ipBlocks, rules without peers), which depend on the policy alone, each pod's
 * contribution and each Service's ClusterIP entries, kept in lists sorted by address so that the
 * output does not depend on the order of events.
 */
export class PolicyState {
  readonly policy: NetworkPolicy;
  /** The numbers of each ingress rule's ports, resolved on the selected pods. */
  readonly ingressPorts: readonly (EntryPorts | null)[];
  /** Whether an ingress rule names a port, whose numbers then depend on which pods are selected. */
  readonly namedIngressPorts: boolean;
  /** Whether an egress peer may stand for Services, so that Service changes can touch this policy. */
  readonly servicePeers: boolean;
  private readonly contributions = new Map<Pod, PodContribution>();
  /** Each Service's ClusterIP entries now, by Service key: its addresses and ports, as one text. */
  private readonly services = new Map<string, { readonly ips: readonly string[]; readonly text: string }>();
  private readonly pods = new SortedByAddress<PodEndpoint>();
  private readonly ingress = new SortedByAddress<EndpointInfo>();
  private readonly egress = new SortedByAddress<EndpointInfo>();
  private readonly addressIngress: Ordered<EndpointInfo>[];
  private readonly addressEgress: Ordered<EndpointInfo>[];
  private assembled?: { chunkSize: number; endpoints: PolicyEndpoint[] };

  constructor(cluster: Cluster, policy: NetworkPolicy) {
    this.policy = policy;
    this.ingressPorts = currentIngressPorts(cluster, policy);
    this.namedIngressPorts = policy.ingress.some((rule) =>
      rule.ports.some((port) => typeof port.port === 'string'),
    );
    const statics = addressEntries(policy, this.ingressPorts);
    const ordered = (entries: EndpointInfo[]) =>
      sortByAddress(
        entries.map((item) => ({ item, order: addressOrder(item.cidr) })),
        (entry) => entry.order,
      );
    this.addressIngress = ordered(mergeEntries(statics.ingress));
    this.addressEgress = ordered(mergeEntries(statics.egress));
    const slots = {
      pods: [] as Slot<PodEndpoint>[],
      ingress: [] as Slot<EndpointInfo>[],
      egress: [] as Slot<EndpointInfo>[],
    };
    for (const pod of candidatePods(cluster, policy)) {
      const contribution = podContribution(cluster, policy, pod, this.ingressPorts);
      if (!contribution) continue;
      this.contributions.set(pod, contribution);
      for (const { key, order, pieces } of contribution.addresses) {
        if (pieces.podEndpoint) slots.pods.push({ key, order, item: pieces.podEndpoint });
        if (pieces.ingress) slots.ingress.push({ key, order, item: pieces.ingress });
        if (pieces.egress) slots.egress.push({ key, order, item: pieces.egress });
      }
    }
    this.servicePeers = hasServicePeers(policy);
    for (const service of this.servicePeers ? cluster.allServices() : []) {
      const entries = serviceEntries(cluster, policy, service);
      if (!entries) continue;
      this.services.set(keyOf(service.metadata), entries);
      slots.egress.push(...entries.slots);
    }
    this.pods.load(slots.pods);
    this.ingress.load(slots.ingress);
    this.egress.load(slots.egress);
  }

  /**
   * Brings the ClusterIP entries of the Service `key` up to date with the cluster (it may be new,
   * changed, gone, or its backends or namespace changed); returns whether the PolicyEndpoints changed.
   */
  syncService(cluster: Cluster, key: string): boolean {
    const service = cluster.service(key);
    const now = service && serviceEntries(cluster, this.policy, service);
    const before = this.services.get(key);
    if (before?.text === now?.text) return false;
    for (const ip of before?.ips ?? []) this.egress.delete(serviceSlotKey(key, ip), addressOrder(ip));
    this.services.delete(key);
    if (now) {
      this.services.set(key, now);
      for (const slot of now.slots) this.egress.set(slot.key, slot.order, slot.item);
    }
    this.assembled = undefined;
    return true;
  }

  /** Whether what the named ingress ports stand for changed, so that the state must be built anew. */
  ingressPortsChanged(cluster: Cluster): boolean {
    return JSON.stringify(currentIngressPorts(cluster, this.policy)) !== JSON.stringify(this.ingressPorts);
  }

  /**
   * Replaces the contribution of pod version `old` with that of `current` (either may be absent);
   * returns whether the PolicyEndpoints changed.
   */
  replace(cluster: Cluster, old: Pod | undefined, current: Pod | undefined): boolean {
    const before = old && this.contributions.get(old);
    const after =
      current && isPolicyPod(current)
        ? podContribution(cluster, this.policy, current, this.ingressPorts)
        : undefined;
    const same = sameContribution(before, after);
    if (old && before) {
      this.contributions.delete(old);
      if (!same) this.remove(before);
    }
    if (current && after) {
      this.contributions.set(current, after);
      if (!same) this.add(after);
    }
    if (!same) this.assembled = undefined;
    return !same;
  }

  /** The PolicyEndpoints, assembled once per change. */
  policyEndpoints(chunkSize = DEFAULT_CHUNK_SIZE): PolicyEndpoint[] {
    if (this.assembled?.chunkSize !== chunkSize) {
      this.assembled = { chunkSize, endpoints: this.assemble(chunkSize) };
    }
    return this.assembled.endpoints;
  }

  private add(contribution: PodContribution): void {
    for (const { key, order, pieces } of contribution.addresses) {
      if (pieces.podEndpoint) this.pods.set(key, order, pieces.podEndpoint);
      if (pieces.ingress) this.ingress.set(key, order, pieces.ingress);
      if (pieces.egress) this.egress.set(key, order, pieces.egress);
    }
  }

  private remove(contribution: PodContribution): void {
    for (const { key, order } of contribution.addresses) {
      this.pods.delete(key, order);
      this.ingress.delete(key, order);
      this.egress.delete(key, order);
    }
  }

  private assemble(chunkSize: number): PolicyEndpoint[] {
    const { policy } = this;
    const podSelectorEndpoints = this.pods.mergedWith([]);
    const ingress = this.ingress.mergedWith(this.addressIngress);
    const egress = this.egress.mergedWith(this.addressEgress);
    const cut = { ingress: pieces(ingress, chunkSize), egress: pieces(egress, chunkSize) };
    const pods = pieces(podSelectorEndpoints, chunkSize);
    const chunks = Math.max(cut.ingress.length, cut.egress.length, pods.length);
    return Array.from({ length: chunks }, (_, i) => ({
      apiVersion: POLICY_ENDPOINT_API_VERSION,
      kind: 'PolicyEndpoint',
      metadata: {
        name: chunkName(policy.metadata, i),
        namespace: policy.metadata.namespace,
        labels: {},
        ownerReferences: [
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            name: policy.metadata.name,
            uid: policy.metadata.uid,
          },
        ],
      },
      spec: {
        policyRef: { name: policy.metadata.name, namespace: policy.metadata.namespace },
        podSelector: policy.podSelector,
        podSelectorEndpoints: pods[i] ?? [],
        podIsolation: policy.policyTypes,
        ingress: cut.ingress[i] ?? [],
        egress: cut.egress[i] ?? [],
      },
    }));
  }
}

/**
 * What a pod puts into one policy's lists: for each of its IPs (`status.podIPs`, both families on
 * a dual-stack cluster) that contributes, its place in address order and its entries.
 */
interface PodContribution {
  readonly addresses: readonly {
    readonly key: string;
    readonly order: AddressOrder;
    readonly place: Place;
    readonly contribution: Contribution;
    readonly pieces: Pieces;
  }[];
}

/** Whether two contributions write the same entries (contributions are shared instances, so they compare by identity). */
function sameContribution(a: PodContribution | undefined, b: PodContribution | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.addresses.length === b.addresses.length &&
    a.addresses.every((one, i) => {
      const other = b.addresses[i];
      return (
        other !== undefined &&
        one.contribution === other.contribution &&
        one.place.cidr === other.place.cidr &&
        one.place.hostIP === other.place.hostIP
      );
    })
  );
}

interface Pieces {
  readonly podEndpoint?: PodEndpoint;
  readonly ingress?: EndpointInfo;
  readonly egress?: EndpointInfo;
}

/** The pod's contribution to the policy, address by address; undefined when no address contributes. */
function podContribution(
  cluster: Cluster,
  policy: NetworkPolicy,
  pod: Pod,
  ingressPorts: readonly (EntryPorts | null)[],
): PodContribution | undefined {
  let addresses: PodContribution['addresses'][number][] | undefined;
  for (const place of placesOf(pod)) {
    const contribution = contributionOf(cluster, policy, pod, place.ip, ingressPorts);
    if (!contribution) continue;
    const address = {
      key: place.key,
      order: place.order,
      place,
      contribution,
      pieces: piecesOf(pod, place, contribution),
    };
    if (addresses) addresses.push(address);
    else addresses = [address];
  }
  return addresses && { addresses };
}

/** What one address's contribution writes into the three lists, made once per address and contribution. */
function piecesOf(pod: Pod, place: Place, contribution: Contribution): Pieces {
  let pieces = place.pieces.get(contribution);
  if (!pieces) {
    pieces = makePieces(pod, place, contribution);
    place.pieces.set(contribution, pieces);
  }
  return pieces;
}

function makePieces(pod: Pod, place: Place, contribution: Contribution): Pieces {
  const entry = (ports: EntryPorts | undefined): EndpointInfo | undefined =>
    ports === undefined
      ? undefined
      : endpointInfo(place.cidr, undefined, ports === 'all' ? undefined : ports);
  const selected = contribution.selected
    ? podEndpoint(place.hostIP, place.cidr, pod.metadata.name, pod.metadata.namespace)
    : undefined;
  return { podEndpoint: selected, ingress: entry(contribution.ingress), egress: entry(contribution.egress) };
}

const serviceSlotKey = (serviceKey: string, ip: string) => `svc ${serviceKey} ${ip}`;

/** A Service's ClusterIP entries in the policy's egress list, or undefined when it has none. */
function serviceEntries(cluster: Cluster, policy: NetworkPolicy, service: Service) {
  const ports = serviceContribution(cluster, policy, service);
  if (ports === undefined) return undefined;
  const key = keyOf(service.metadata);
  const ips = service.clusterIPs.filter((ip) => parseIp(ip));
  const slots = ips.map((ip) => ({
    key: serviceSlotKey(key, ip),
    order: addressOrder(ip),
    item: endpointInfo(ip, undefined, ports === 'all' ? undefined : ports),
  }));
  return { ips, slots, text: JSON.stringify([ips, ports]) };
}

/** One IP of a pod: as written, parsed, its address order, and the node's address of its family. */
export interface Place {
  readonly key: string;
  readonly cidr: string;
  readonly ip: Ip;
  readonly order: AddressOrder;
  readonly hostIP: string;
  /** Its entries for each contribution seen: contributions repeat across policies. */
  readonly pieces: Map<Contribution, Pieces>;
}

/** Each pod's IPs as places, worked out once and shared by every policy's lists. */
const places = new WeakMap<Pod, readonly Place[]>();
export function placesOf(pod: Pod): readonly Place[] {
  let found = places.get(pod);
  if (!found) {
    const key = keyOf(pod.metadata);
    const hosts = hostIPsOf(pod).flatMap((text) => {
      const ip = parseIp(text);
      return ip ? [{ text, family: ip.family }] : [];
    });
    found = podIPsOf(pod).flatMap((cidr) => {
      const ip = parseIp(cidr);
      if (!ip) return [];
      // AWS's entry names the node by `status.hostIP`; a dual-stack node's address of the same family fits best.
      const hostIP = hosts.find((host) => host.family === ip.family)?.text ?? pod.hostIP ?? '';
      return [{ key, cidr, ip, order: ipOrder(ip), hostIP, pieces: new Map() }];
    });
    places.set(pod, found);
  }
  return found;
}

/** The ingress rules' port numbers given the pods the policy selects now (only pods with an IP count). */
function currentIngressPorts(cluster: Cluster, policy: NetworkPolicy) {
  const selected = cluster
    .podsIn(policy.metadata.namespace)
    .filter((pod) => pod.podIP && isSelected(policy, pod));
  return ingressRulePorts(policy, selected);
}

/** `<policy>-<5 hex>`: stable across runs, in the style of AWS's generated names. */
export function chunkName(
  policy: { readonly namespace: string; readonly name: string },
  index: number,
): string {
  const digest = createHash('sha1')
    .update(`${keyOf(policy)}#${index}`)
    .digest('hex');
  // Object names are at most 253 characters: a longer policy's name is cut (its digest stays unique).
  return `${policy.name.slice(0, 247).replace(/[.-]+$/, '')}-${digest.slice(0, 5)}`;
}
