import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Flow } from '../../server/flows/flow.ts';
import { decodeFrames } from '../../server/flows/flow-frame.ts';
import type { PolicyEndpoint } from '../../server/kube/policy-endpoint.ts';
import { parseState } from '../../server/kube/state-file.ts';
import { requireLab } from '../../server/lab/lab-writes.ts';
import { compilePodRules, identityOf } from '../datapath/compile.ts';
import { type DatapathOptions, PodDatapath } from '../datapath/pod-datapath.ts';
import { flowFileOf } from '../flow-sink.ts';
import { type LabOptions, labDown, labPod, labProbe, labServices, labUp } from './lab.ts';
import { hostVeth, nodeNetnsPath, podNetns } from './names.ts';
import { createPod, deletePod, nodeAddress } from './topology.ts';

/**
 * For tests that need the real lab: builds it from `stateFiles` and fails (never skips) with
 * what is missing when this machine cannot run the eBPF datapath.
 */
export async function startLab(stateFiles?: readonly string[], options: LabOptions = {}): Promise<void> {
  await labDown();
  const lab = await labUp(stateFiles, options);
  if (lab.datapath !== 'ebpf') {
    await labDown();
    throw new Error(`this test needs the eBPF lab, and here it would be simulated: ${lab.simulatedBecause}`);
  }
}

export const stopLab = labDown;

/** Whether `from` reaches `host:port` with real packets. */
export async function reaches(from: string, host: string, port: string, timeoutMs = 600): Promise<boolean> {
  const [number, protocol = 'TCP'] = port.split('/');
  const [result] = await labProbe(from, [{ host, port: Number(number), protocol }], timeoutMs);
  return result?.connected === true;
}

const CHATTER = new URL('./chatter.ts', import.meta.url).pathname;

/** One end of a long-lived TCP connection run in a pod (see chatter.ts). */
export interface Chatter {
  /** Resolves once it listens or is connected; fails when it cannot connect or takes over 10 s. */
  ready(): Promise<void>;
  /** Bytes received so far. */
  received(): number;
  send(text: string): void;
  close(): void;
}

/** Runs chatter.ts in the namespace of pod `key` with `args` (serve PORT … | connect HOST PORT …). */
export function chatter(key: string, args: readonly string[]): Chatter {
  const child: ChildProcess = spawn('nsenter', [
    `--net=/run/netns/${labPod(key).netns}`,
    process.execPath,
    '--disable-warning=ExperimentalWarning',
    CHATTER,
    ...args,
  ]);
  let received = 0;
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`chatter ${args.join(' ')} in ${key}: not ready in 10 s`)),
      10_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n');
      output = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'connected' || line === 'listening') {
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('error')) {
          clearTimeout(timer);
          reject(new Error(`chatter ${args.join(' ')} in ${key}: ${line}`));
        } else if (/^\d+$/.test(line)) received = Number(line);
      }
    });
  });
  ready.catch(() => {});
  return {
    ready: () => ready,
    received: () => received,
    send: (text) => child.stdin?.write(`${text}\n`),
    close: () => child.kill('SIGKILL'),
  };
}

/**
 * A counter of the kernel's statistics inside a network namespace (a name under /run/netns): `Ip`,
 * `Icmp`, `Udp` … fields of /proc/net/snmp (`snmp(ns, 'Icmp', 'InDestUnreachs')`), or
 * /proc/net/snmp6 names (`snmp(ns, 'Icmp6InEchos')`).
 */
export function snmp(netns: string, group: string, field?: string): number {
  const read = (file: string) =>
    execFileSync('nsenter', [`--net=/run/netns/${netns}`, 'cat', file], { encoding: 'utf8' });
  if (field === undefined) {
    const line = read('/proc/net/snmp6')
      .split('\n')
      .find((candidate) => candidate.split(/\s+/)[0] === group);
    return Number(line?.split(/\s+/)[1] ?? Number.NaN);
  }
  const lines = read('/proc/net/snmp')
    .split('\n')
    .filter((line) => line.startsWith(`${group}:`));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf(field)] ?? Number.NaN);
}

const POD_SERVER = new URL('./pod-server.ts', import.meta.url).pathname;

/** A pod the test makes beside the lab's, serving its ports, with nothing attached to it yet. */
export interface ServedPod {
  readonly key: string;
  readonly ip: string;
  readonly node: string;
  readonly netns: string;
  /** Stops its server and removes it. */
  remove(): void;
}

/**
 * Makes pod `key` with `ip` on the lab's second node, serving `ports` (`9/TCP`, …); resolves once
 * its server answers client-one (it starts in its own time on a busy machine).
 */
export async function servedPod(key: string, ip: string, ports: readonly string[]): Promise<ServedPod> {
  const lab = requireLab();
  const node = lab.nodes[1] ?? lab.nodes[0];
  if (!node) throw new Error('the lab has no node');
  createPod({ key, ip, node: node.name }, lab.nodes);
  const server = spawn('nsenter', [
    `--net=/run/netns/${podNetns(key)}`,
    process.execPath,
    '--disable-warning=ExperimentalWarning',
    POD_SERVER,
    '--pod',
    key,
    ...ports,
  ]);
  const [first = '9/TCP'] = ports;
  for (let tries = 0; !(await reaches('default/client-one', ip, first, 300)); tries++) {
    if (tries > 30) throw new Error(`test pod ${key}: its server does not answer on ${first}`);
    await sleep(100);
  }
  return {
    key,
    ip,
    node: node.name,
    netns: podNetns(key),
    remove: () => {
      server.kill('SIGKILL');
      deletePod({ key, ip, node: node.name }, lab.nodes);
    },
  };
}

/** A served pod whose datapath the test drives (no agent programs it). */
export interface TestPod extends ServedPod {
  readonly datapath: PodDatapath;
}

/** A {@link servedPod} with its programs attached (not yet programmed: open, unless `options.strict`). */
export async function testPod(
  key: string,
  ip: string,
  ports: readonly string[],
  options: DatapathOptions = {},
): Promise<TestPod> {
  const pod = await servedPod(key, ip, ports);
  const lab = requireLab();
  const node = lab.nodes.find((candidate) => candidate.name === pod.node);
  const datapath = new PodDatapath(
    {
      node: pod.node,
      netns: nodeNetnsPath(pod.node),
      ifname: hostVeth(key),
      podId: 9000 + lab.pods.length,
      nodeIPs: node ? [nodeAddress(node)] : [],
    },
    options,
  );
  datapath.attach();
  return {
    ...pod,
    datapath,
    remove: () => {
      datapath.detach();
      pod.remove();
    },
  };
}

/**
 * A PolicyEndpoint for the test pod `default/NAME` at `ip`, as a controller would write it;
 * `spec` is the rest of its spec in YAML (`podIsolation: [Ingress]` and its entries).
 */
export function testEndpoint(name: string, ip: string, spec: string): PolicyEndpoint {
  const [endpoint] = parseState(
    `kind: PolicyEndpoint
metadata: {name: ${name}, namespace: default}
spec:
  policyRef: {name: ${name}, namespace: default}
  podSelectorEndpoints: [{podIP: "${ip}", hostIP: "", name: ${name}, namespace: default}]
${spec.replace(/^/gm, '  ')}`,
    `${name}.yaml`,
  );
  if (endpoint?.kind !== 'PolicyEndpoint') throw new Error(`${name}: not a PolicyEndpoint`);
  return endpoint;
}

/** A {@link testPod} programmed with a PolicyEndpoint whose spec is `spec` (see {@link testEndpoint}). */
export async function programmedTestPod(
  key: string,
  ip: string,
  ports: readonly string[],
  spec: string,
  options: DatapathOptions = {},
): Promise<TestPod> {
  const pod = await testPod(key, ip, ports, options);
  try {
    const [, name = key] = key.split('/');
    await pod.datapath.program(compilePodRules(identityOf(key, [ip]), [testEndpoint(name, ip, spec)]));
    return pod;
  } catch (error) {
    pod.remove();
    throw error;
  }
}

/** Where a walkthrough check connects: its Service's ClusterIP, or its pod's own IP. */
export function addressOf(check: { readonly to: string; readonly service?: string }): string {
  if (!check.service) return labPod(check.to).ip;
  const clusterIP = labServices().service(check.service)?.clusterIPs[0];
  if (!clusterIP) throw new Error(`the lab has no ClusterIP for ${check.service}`);
  return clusterIP;
}

/**
 * The flows the lab's agents wrote to their nodes' flow files since `since` (wall-clock ms), once
 * `enough` says they are there or after `ms`: the agents write what they took every half second.
 */
export async function flowsWritten(
  since: number,
  enough: (flows: readonly Flow[]) => boolean,
  ms = 3000,
): Promise<Flow[]> {
  for (const end = Date.now() + ms; ; ) {
    const flows = requireLab().nodes.flatMap((node) => {
      try {
        return decodeFrames(readFileSync(flowFileOf(node.name))).flows.filter((flow) => flow.time >= since);
      } catch {
        return [];
      }
    });
    if (enough(flows) || Date.now() > end) return flows;
    await sleep(100);
  }
}
