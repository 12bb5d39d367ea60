import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { ClusterTier } from '../../server/kube/cluster-network-policy.ts';
import type {
  ClusterEndpointInfo,
  ClusterPolicyEndpoint,
} from '../../server/kube/cluster-policy-endpoint.ts';
import { decodeObject } from '../../server/kube/objects.ts';
import type { EndpointInfo, PolicyEndpoint } from '../../server/kube/policy-endpoint.ts';
import { ethernet, ipv4, ipv6, PROTOCOL, tcp } from '../lab/frames.ts';
import { addon } from './addon.ts';
import { closedDirection, compilePodRules, identityOf, type PodRules } from './compile.ts';
import { mountBpffs, nodeDir, podDir } from './pins.ts';
import { type DatapathOptions, PodDatapath } from './pod-datapath.ts';

/** TC verdicts a program returns (TC_ACT_OK, TC_ACT_SHOT). */
export const VERDICT = { pass: 0, drop: 2 } as const;

/** What the pod's one PolicyEndpoint says: the directions it isolates and their entries. */
export interface IsolatedPodRules {
  readonly podIsolation: readonly ('Ingress' | 'Egress')[];
  readonly ingress?: readonly EndpointInfo[];
  readonly egress?: readonly EndpointInfo[];
}

/** A PolicyEndpoint entry allowing TCP `ports` from `cidr` (a bare address too), but `except`. */
export function tcpEntry(cidr: string, ports: readonly number[], except?: string[]): EndpointInfo {
  return { cidr, ...(except ? { except } : {}), ports: ports.map((port) => ({ protocol: 'TCP', port })) };
}

/** What one ClusterNetworkPolicy says for the pod: its tier, priority and entries. */
export interface ClusterRules {
  readonly name: string;
  readonly tier: ClusterTier;
  readonly priority: number;
  readonly ingress?: readonly ClusterEndpointInfo[];
  readonly egress?: readonly ClusterEndpointInfo[];
}

/**
 * A pod's real programs on a veth in a network namespace of its own, for tests that need no lab
 * (and so no lab lock): its rules compiled and programmed by the agent's code, and packets run
 * through either program with BPF_PROG_TEST_RUN.
 */
export class IsolatedPod {
  readonly datapath: PodDatapath;
  /** The rules last programmed, as the agent compiled them. */
  compiled: PodRules = {
    ingress: closedDirection('not programmed'),
    egress: closedDirection('not programmed'),
  };
  private readonly tag: string;

  /** `tag`: a name of its own (the network namespace and the node's pin folder); `options`: how its maps are made. */
  constructor(tag: string, options: DatapathOptions = {}) {
    this.tag = tag;
    this.datapath = new PodDatapath(
      {
        node: tag,
        netns: `/run/netns/${tag}`,
        ifname: 'veth0',
        podId: 1,
        nodeIPs: [],
      },
      options,
    );
  }

  /** The folder of the pod's pinned maps and programs. */
  get pins(): string {
    return podDir(this.tag, 'veth0');
  }

  /**
   * Makes the namespace and veth, attaches the programs and programs `rules` (and `cluster`
   * policies) for the pod (`test/pod`).
   */
  async start(
    podIPs: readonly string[],
    rules: IsolatedPodRules,
    cluster: readonly ClusterRules[] = [],
  ): Promise<void> {
    mountBpffs();
    this.ip('netns', 'add', this.tag);
    this.ip('-n', this.tag, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
    this.ip('-n', this.tag, 'link', 'set', 'veth0', 'up');
    this.datapath.attach();
    await this.program(podIPs, rules, cluster);
  }

  /**
   * Compiles `rules` as the pod's one PolicyEndpoint and `cluster` as ClusterPolicyEndpoints, as
   * the agent does, and programs them.
   */
  async program(
    podIPs: readonly string[],
    rules: IsolatedPodRules,
    cluster: readonly ClusterRules[] = [],
  ): Promise<void> {
    const podSelectorEndpoints = podIPs.map((podIP) => ({
      podIP,
      hostIP: '',
      name: 'pod',
      namespace: 'test',
    }));
    const endpoint = decodeObject({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'PolicyEndpoint',
      metadata: { name: 'rules', namespace: 'test' },
      spec: {
        policyRef: { name: 'rules', namespace: 'test' },
        podSelectorEndpoints,
        ...rules,
      },
    }) as PolicyEndpoint;
    const clusterEndpoints = cluster.map(
      ({ name, tier, priority, ingress, egress }) =>
        decodeObject({
          apiVersion: 'networking.k8s.aws/v1alpha1',
          kind: 'ClusterPolicyEndpoint',
          metadata: { name },
          spec: { policyRef: { name }, tier, priority, podSelectorEndpoints, ingress, egress },
        }) as ClusterPolicyEndpoint,
    );
    this.compiled = compilePodRules(identityOf('test/pod', podIPs), [endpoint], clusterEndpoints);
    await this.datapath.program(this.compiled);
  }

  stop(): void {
    this.ip('netns', 'del', this.tag);
    rmSync(nodeDir(this.tag), { recursive: true, force: true });
  }

  /** The verdict of the program of `direction` on one TCP segment (IPv4 or IPv6 by its addresses). */
  tcp(
    direction: 'ingress' | 'egress',
    src: string,
    dst: string,
    sport: number,
    dport: number,
    flags: number,
  ): number {
    const at = { src, dst };
    const segment = tcp(at, sport, dport, flags);
    return this.run(
      direction,
      src.includes(':') ? ipv6(at, PROTOCOL.tcp, segment) : ipv4(at, PROTOCOL.tcp, segment),
    );
  }

  /** The verdict of the program of `direction` on one IP packet, in an Ethernet frame. */
  run(direction: 'ingress' | 'egress', packet: Buffer): number {
    const frame = ethernet('02:00:00:00:00:02', '02:00:00:00:00:01', packet);
    const program = `${this.pins}/prog_${direction}`;
    return addon().progTestRun(program, frame, frame.length, 1).readUInt32LE(4);
  }

  private ip(...args: string[]): void {
    execFileSync('ip', args, { stdio: 'pipe' });
  }
}
