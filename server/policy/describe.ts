import type { NetworkPolicyPeer } from '../kube/network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import type { PeerMismatch, RulePort } from './match.ts';
import { resolveNamedPort } from './match.ts';
import { formatSelector } from './selector.ts';

/** Words for the parts of a policy, used in explanations. */

export function describePeer(peer: NetworkPolicyPeer, policyNamespace: string): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except.length > 0 ? ` except ${peer.ipBlock.except.join(', ')}` : '';
    return `ipBlock ${peer.ipBlock.cidr}${except}`;
  }
  const pods = peer.podSelector ? `pods ${formatSelector(peer.podSelector)}` : 'all pods';
  const namespaces = peer.namespaceSelector
    ? `namespaces ${formatSelector(peer.namespaceSelector)}`
    : `namespace ${policyNamespace}`;
  return `${pods} in ${namespaces}`;
}

export function describePort(port: RulePort, destination: Pod | undefined): string {
  if ('namedPort' in port) {
    // A ClusterNetworkPolicy's named port has no protocol: any container port of that name.
    const declared = destination?.ports.find((candidate) => candidate.name === port.namedPort);
    return `${port.namedPort} (${declared ? `= ${declared.containerPort}/${declared.protocol}` : 'not declared by the destination'})`;
  }
  if (port.port === undefined) return `any/${port.protocol}`;
  if (typeof port.port === 'number') {
    return `${port.port}${port.endPort !== undefined ? `-${port.endPort}` : ''}/${port.protocol}`;
  }
  const resolved = resolveNamedPort(destination, port.port, port.protocol);
  const meaning = resolved === undefined ? 'not declared by the destination' : `= ${resolved}`;
  return `${port.port}/${port.protocol} (${meaning})`;
}

const MISMATCH_WORDS: Record<PeerMismatch, string> = {
  'no-address': 'has no IP address',
  'outside-cidr': 'is outside the CIDR',
  'in-except': 'is in an except range',
  'not-a-pod': 'is not a pod, and selectors match only pods',
  'other-namespace': 'is not in the policy’s namespace',
  'namespace-labels': 'its namespace labels do not match the namespaceSelector',
  'pod-labels': 'its labels do not match the podSelector',
};

export function describeMismatch(mismatch: PeerMismatch): string {
  return MISMATCH_WORDS[mismatch];
}
