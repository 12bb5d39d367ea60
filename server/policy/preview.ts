import type { Flow } from '../flows/flow.ts';
import { keyOf } from '../kube/object-meta.ts';
import { protocolOfNumber } from '../kube/protocol.ts';
import { Cluster, type ClusterObject } from './cluster.ts';
import { defaultPorts } from './default-ports.ts';
import { endpointAt, formatPortProtocol, type PortProtocol } from './endpoint.ts';
import { evaluate } from './evaluate.ts';
import { computeMatrix } from './matrix.ts';

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
  readonly connections: readonly ConnectionChange[];
  readonly flows: readonly FlowChange[];
}

/**
 * What applying `objects` to `cluster` would change, before anything is applied: every ordered
 * pair of pods and port (the ports that matter before or after) whose verdict turns, and which of
 * the recently observed flows would be judged the other way.
 */
export function previewChange(
  cluster: Cluster,
  objects: readonly ClusterObject[],
  recentFlows: readonly Flow[],
): Preview {
  const before = cluster;
  const after = Cluster.of([
    ...before.allNamespaces(),
    ...before.allPods(),
    ...before.allPolicies(),
    ...before.allClusterPolicies(),
    ...objects,
  ]);
  const ports = uniquePorts([...defaultPorts(before), ...defaultPorts(after)]);
  const matrices = [computeMatrix(before, ports), computeMatrix(after, ports)] as const;
  const connections: ConnectionChange[] = [];
  for (const from of after.allPods()) {
    for (const to of after.allPods()) {
      if (from === to) continue;
      const [oldFrom, oldTo] = [before.pod(keyOf(from.metadata)), before.pod(keyOf(to.metadata))];
      if (!oldFrom || !oldTo) continue;
      ports.forEach((port, i) => {
        const was = matrices[0].verdict(oldFrom, oldTo, i).allowed;
        const will = matrices[1].verdict(from, to, i).allowed;
        if (was !== will) {
          connections.push({
            from: keyOf(from.metadata),
            to: keyOf(to.metadata),
            port: formatPortProtocol(port),
            change: will ? 'opens' : 'closes',
          });
        }
      });
    }
  }
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
  return {
    objects: objects.map((object) => `${object.kind} ${keyOf(object.metadata)}`),
    ports: ports.map(formatPortProtocol),
    connections,
    flows,
  };
}

function uniquePorts(ports: readonly PortProtocol[]): PortProtocol[] {
  return [...new Map(ports.map((port) => [formatPortProtocol(port), port])).values()];
}
