import { createHash } from 'node:crypto';

/** Names of the lab's kernel objects. Everything the lab creates starts with `palisade-` or `pl`. */

export const LAB_PREFIX = 'palisade-';
export const FABRIC_NETNS = 'palisade-fabric';
/** Addresses of lab nodes on the fabric: 10.77.255.<n>. */
export const NODE_SUBNET = '10.77.255';
/** Default pod addresses when a state file gives none: 10.77.<node n>.<i>. */
export const POD_NETWORK = '10.77';
/** The link-local gateway every pod routes through; its host-side veth answers ARP for it. */
export const POD_GATEWAY = '169.254.1.1';
/** The same gateway for IPv6 (`lab up --ipv6`). */
export const POD_GATEWAY6 = 'fe80::1';
/** IPv6 addresses of lab nodes on the fabric (`lab up --ipv6`): fd00:77:ff::<n>, a ULA prefix. */
export const NODE_SUBNET6 = 'fd00:77:ff::';

/**
 * A pod's IPv6 address in a dual-stack lab, made from its IPv4 one inside the ULA prefix
 * fd00:77::/96 (10.77.1.10 → fd00:77::a4d:10a), so both are unique together.
 */
export function ipv6Of(ipv4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number);
  return `fd00:77::${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

export const nodeNetns = (node: string) => `${LAB_PREFIX}${node}`;

/** The node's namespace as a path, as the addon and nsenter take it. */
export const nodeNetnsPath = (node: string) => `/run/netns/${nodeNetns(node)}`;

const digest = (key: string) => createHash('sha1').update(key).digest('hex');

/** A pod's namespace: `palisade-pod-<hash of ns/name>`. */
export const podNetns = (podKey: string) => `${LAB_PREFIX}pod-${digest(podKey).slice(0, 10)}`;

/** A pod's host-side veth: `pl` + 10 hex (interface names hold 15 bytes). */
export const hostVeth = (podKey: string) => `pl${digest(podKey).slice(0, 10)}`;

/** A node's end of its link to the fabric bridge, seen in the fabric namespace. */
export const fabricPort = (nodeIndex: number) => `plnode${nodeIndex}`;
