import { dump } from 'js-yaml';

/**
 * The cluster layout of the upstream Kubernetes network policy e2e tests
 * (`test/e2e/network/netpol`): namespaces x, y and z, each holding pods a, b and c, every pod
 * serving ports 80 and 81 over both TCP and UDP. Conformance cases are written against it, and a
 * kernel test can build the same pods as real network namespaces from it.
 */

export const NAMESPACES = ['x', 'y', 'z'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export const POD_NAMES = ['a', 'b', 'c'] as const;
export type PodName = (typeof POD_NAMES)[number];

/** `namespace/pod`, as the policy model names pods. */
export type PodKey = `${NamespaceName}/${PodName}`;

/** Every pod, namespace by namespace: x/a, x/b, x/c, y/a … z/c. Truth tables use this order. */
export const POD_KEYS: readonly PodKey[] = NAMESPACES.flatMap((namespace) =>
  POD_NAMES.map((pod): PodKey => `${namespace}/${pod}`),
);

/** A port every pod declares (and, in a real layout, serves). */
export interface ServedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** One container per port, as upstream: `cont-80-tcp` declares `serve-80-tcp`, and so on. */
export const SERVED_PORTS: readonly ServedPort[] = [
  { name: 'serve-80-tcp', port: 80, protocol: 'TCP' },
  { name: 'serve-80-udp', port: 80, protocol: 'UDP' },
  { name: 'serve-81-tcp', port: 81, protocol: 'TCP' },
  { name: 'serve-81-udp', port: 81, protocol: 'UDP' },
];

/** Every pod IP lies in this block; no other address of it belongs to a pod. */
export const POD_CIDR = '10.77.0.0/16';

/**
 * The IP of a pod: `10.77.<10 × namespace number>.<pod number>`, numbering from 1. So namespace
 * x is 10.77.10.0/24, y is 10.77.20.0/24, z is 10.77.30.0/24, and x/a is 10.77.10.1, x/b
 * 10.77.10.2 … z/c 10.77.30.3.
 */
export function podIp(key: PodKey): string {
  const [namespace, pod] = key.split('/') as [NamespaceName, PodName];
  return `10.77.${10 * (NAMESPACES.indexOf(namespace) + 1)}.${POD_NAMES.indexOf(pod) + 1}`;
}

/** The network of a namespace's pods, e.g. 10.77.20.0/24 for y. */
export function namespaceCidr(namespace: NamespaceName): string {
  return `10.77.${10 * (NAMESPACES.indexOf(namespace) + 1)}.0/24`;
}

/** A pod of the layout, as plain data. */
export interface LayoutPod {
  readonly key: PodKey;
  readonly namespace: NamespaceName;
  readonly name: PodName;
  /** `pod: <name>`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly ports: readonly ServedPort[];
}

export const LAYOUT_PODS: readonly LayoutPod[] = POD_KEYS.map((key) => {
  const [namespace, name] = key.split('/') as [NamespaceName, PodName];
  return { key, namespace, name, labels: { pod: name }, ip: podIp(key), ports: SERVED_PORTS };
});

/**
 * The layout as Kubernetes objects (plain JSON): the three Namespaces, labelled `ns: <name>`,
 * then the nine running Pods with their IPs. `kubernetes.io/metadata.name` is left out on
 * purpose: the API server adds it to every namespace, and so must whoever reads these objects.
 */
export function layoutManifests(): Record<string, unknown>[] {
  const namespaces = NAMESPACES.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ns: name } },
  }));
  const pods = LAYOUT_PODS.map((pod) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: pod.namespace, labels: { ...pod.labels } },
    spec: {
      containers: pod.ports.map((port) => ({
        name: `cont-${port.port}-${port.protocol.toLowerCase()}`,
        ports: [{ name: port.name, containerPort: port.port, protocol: port.protocol }],
      })),
    },
    status: { phase: 'Running', podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
  }));
  return [...namespaces, ...pods];
}

/** The layout as a multi-document YAML state file. */
export function layoutYaml(): string {
  return layoutManifests()
    .map((manifest) => dump(manifest, { lineWidth: -1 }))
    .join('---\n');
}
