import type { Flow } from '../flows/flow.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import { protocolOfNumber } from '../kube/protocol.ts';
import { Cluster, type ClusterObject } from './cluster.ts';
import { defaultPorts } from './default-ports.ts';
import { endpointAt, formatPortProtocol, type PortProtocol } from './endpoint.ts';
import { evaluate } from './evaluate.ts';
import { computeMatrix, type VerdictMatrix } from './matrix.ts';
import { podsThatWouldClose, type WouldClose } from './would-close.ts';

/** A pod-to-pod connection whose verdict a change turns around. */
export interface ConnectionChange {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly change: 'opens' | 'closes';
}

/** A recently observed flow whose verdict the change would turn around. */
export interface FlowChange {
  readonly flow: Flow;
  readonly change: 'opens' | 'closes';
}

export interface Preview {
  /** The objects the change adds or replaces, as `Kind ns/name`. */
  readonly objects: readonly string[];
  readonly ports: readonly string[];
  /** The first connections that turn (at most MAX_LISTED_CONNECTIONS): a pair of pods and a port each. */
  readonly connections: readonly ConnectionChange[];
  /** How many connections turn in all, each way: a change can turn millions in a large cluster. */
  readonly opens: number;
  readonly closes: number;
  readonly flows: readonly FlowChange[];
  /** Pods the change's policies select whose rules their agent could not hold: it would close them. */
  readonly wouldClose: readonly WouldClose[];
}

/** Connections a preview lists at most; its counts cover them all. */
export const MAX_LISTED_CONNECTIONS = 200;

/** Pods in one group of the matrix before the change and one after it: a pair of these judges alike. */
interface JointGroup {
  readonly before: number;
  readonly after: number;
  readonly pods: Pod[];
}

/**
 * What applying `objects` to `cluster` would change, before anything is applied: every ordered
 * pair of pods and port (the ports that matter before or after) whose verdict turns, and which of
 * the recently observed flows would be judged the other way. Pods are compared a group at a time
 * (pods that judge alike before and after, see computeMatrix), so that a cluster of 10,000 pods
 * costs its groups squared, not its pods squared.
 */
export function previewChange(
  cluster: Cluster,
  objects: readonly ClusterObject[],
  recentFlows: readonly Flow[],
): Preview {
  const before = cluster;
  const after = Cluster.of([...everything(before), ...objects]);
  const ports = uniquePorts([...defaultPorts(before), ...defaultPorts(after)]);
  const was = computeMatrix(before, ports);
  const will = computeMatrix(after, ports);
  const groups = jointGroups(before.allPods(), was, will);
  const connections: ConnectionChange[] = [];
  const count = { opens: 0, closes: 0 };
  for (const from of groups) {
    for (const to of groups) {
      const pairs =
        from === to ? from.pods.length * (from.pods.length - 1) : from.pods.length * to.pods.length;
      if (pairs === 0) continue;
      ports.forEach((port, i) => {
        const allowed = will.cell(from.after, to.after, i).allowed;
        if (was.cell(from.before, to.before, i).allowed === allowed) return;
        const change = allowed ? 'opens' : 'closes';
        count[change] += pairs;
        for (const source of from.pods) {
          for (const target of to.pods) {
            if (connections.length >= MAX_LISTED_CONNECTIONS) return;
            if (source === target) continue;
            const [fromKey, toKey] = [keyOf(source.metadata), keyOf(target.metadata)];
            connections.push({ from: fromKey, to: toKey, port: formatPortProtocol(port), change });
          }
        }
      });
    }
  }
  return {
    objects: objects.map((object) => `${object.kind} ${keyOf(object.metadata)}`),
    ports: ports.map(formatPortProtocol),
    connections,
    ...count,
    flows: turnedFlows(before, after, recentFlows),
    // With the Services, whose ClusterIPs a PolicyEndpoint's egress carries.
    wouldClose: podsThatWouldClose(
      Cluster.of([...everything(after), ...before.allServices()]),
      new Set(objects.map((object) => keyOf(object.metadata))),
    ),
  };
}

/** The namespaces, pods and policies of a cluster. */
const everything = (cluster: Cluster) => [
  ...cluster.allNamespaces(),
  ...cluster.allPods(),
  ...cluster.allPolicies(),
  ...cluster.allClusterPolicies(),
];

/** The pods split by their group in both matrices (the same pods: a change adds policies only). */
function jointGroups(pods: readonly Pod[], was: VerdictMatrix, will: VerdictMatrix): JointGroup[] {
  const byKey = new Map<string, JointGroup>();
  for (const pod of pods) {
    const [before, after] = [was.groupIndex(pod), will.groupIndex(pod)];
    const key = `${before} ${after}`;
    const group = byKey.get(key);
    if (group) group.pods.push(pod);
    else byKey.set(key, { before, after, pods: [pod] });
  }
  return [...byKey.values()];
}

/** The recently observed flows that the change would judge the other way. */
function turnedFlows(before: Cluster, after: Cluster, recentFlows: readonly Flow[]): FlowChange[] {
  const flows: FlowChange[] = [];
  for (const flow of recentFlows) {
    const protocol = protocolOfNumber(flow.protocol);
    if (!protocol) continue;
    const verdictIn = (state: Cluster) => {
      const from = endpointAt(state, flow.src);
      const to = endpointAt(state, flow.dst);
      return from && to ? evaluate(state, from, to, { port: flow.dport, protocol }).allowed : undefined;
    };
    const was = verdictIn(before);
    const will = verdictIn(after);
    if (was !== undefined && will !== undefined && was !== will)
      flows.push({ flow, change: will ? 'opens' : 'closes' });
  }
  return flows;
}

function uniquePorts(ports: readonly PortProtocol[]): PortProtocol[] {
  return [...new Map(ports.map((port) => [formatPortProtocol(port), port])).values()];
}
