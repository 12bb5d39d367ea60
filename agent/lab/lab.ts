import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Json } from '../../server/kube/decode.ts';
import { keyOf } from '../../server/kube/object-meta.ts';
import { decodeObject } from '../../server/kube/objects.ts';
import type { Pod } from '../../server/kube/pod.ts';
import type { Protocol } from '../../server/kube/protocol.ts';
import { loadState, readStateObjects } from '../../server/kube/state-file.ts';
import { loadKubeConfig } from '../../server/kube-api/kube-config.ts';
import { registerPods, registerServices } from '../../server/kube-api/register-pods.ts';
import {
  LAB_DIR,
  type LabNode,
  type LabPodRecord,
  type LabRecord,
  labCluster,
  labFile,
  readEndpoints,
  readJson,
  readLab,
  writeJson,
} from '../../server/lab/lab-store.ts';
import {
  applyToLab,
  enforced,
  LabInputError,
  requireLab,
  writeLabObjects,
} from '../../server/lab/lab-writes.ts';
import type { Cluster, ClusterObject } from '../../server/policy/cluster.ts';
import { endpointAt, podEnd } from '../../server/policy/endpoint.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { evaluateService } from '../../server/policy/evaluate-service.ts';
import { isBackendOf, servicePortAt } from '../../server/policy/service.ts';
import { BUILD_DIR } from '../datapath/addon.ts';
import { BPF_ROOT, mountBpffs } from '../datapath/pins.ts';
import { hostVeth, ipv6Of, LAB_PREFIX, nodeNetnsPath, POD_NETWORK, podNetns } from './names.ts';
import { run } from './shell.ts';
import {
  createFabric,
  createNode,
  createPod,
  labNamespaces,
  nodeAddress,
  nodeAddress6,
  removeNamespace,
} from './topology.ts';

const NODE_BIN = process.execPath;
const AGENT_MAIN = new URL('../main.ts', import.meta.url).pathname;
const POD_SERVER = new URL('./pod-server.ts', import.meta.url).pathname;
const PROBE = new URL('./probe.ts', import.meta.url).pathname;
const SERVICE_PROXY = new URL('./service-proxy-main.ts', import.meta.url).pathname;
const DEFAULT_SCENARIO = new URL('../../examples/walkthrough/cluster.yaml', import.meta.url).pathname;

/** Fails when the eBPF lab cannot run here, saying what is missing. */
function requireLabHost(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the lab needs root (network namespaces and eBPF): run as root');
  for (const tool of ['ip', 'nsenter']) {
    if (spawnSync('which', [tool]).status !== 0)
      throw new Error(`the lab needs \`${tool}\`: apt-get install iproute2 util-linux`);
  }
}

/** Why this machine cannot run the eBPF lab, or undefined when it can. */
function whyNotEbpf(): string | undefined {
  try {
    requireLabHost();
  } catch (error) {
    return (error as Error).message;
  }
  for (const artifact of ['palisade.node', 'ingress.bpf.o', 'egress.bpf.o']) {
    if (!existsSync(`${BUILD_DIR}${artifact}`))
      return `${BUILD_DIR}${artifact} is not built (npm run setup, as root)`;
  }
  try {
    mountBpffs();
  } catch (error) {
    return `no BPF filesystem: ${(error as Error).message}`;
  }
  return undefined;
}

export interface LabOptions {
  /** VPC CNI's strict mode: pods are closed from attachment until their rules are programmed. */
  readonly strict?: boolean;
  /** Run on the simulated datapath even where eBPF would work. */
  readonly simulated?: boolean;
  /** Stand in for this cluster's nodes: register the pods there, enforce its PolicyEndpoints. */
  readonly kubeconfig?: string;
  /**
   * Dual stack: every pod also gets an IPv6 address from the ULA range fd00:77::/96 (made from its
   * IPv4 one), which becomes its primary IP (`status.podIP`), as on an IPv6 EKS cluster; nodes get
   * fd00:77:ff::<n> and IPv6 routes to every pod.
   */
  readonly ipv6?: boolean;
}

/**
 * Builds the lab from state files (the walkthrough's pods by default): nodes, pods with their
 * services, the lab's DNS, the PolicyEndpoints of the state's policies and one agent per node.
 * Idempotent: what exists is kept, what died is restarted. Returns when every agent enforces.
 * Where eBPF cannot run (or `simulated` asks), the lab keeps the same store and verdicts come
 * from the policy model; the record says so.
 */
export async function labUp(
  stateFiles: readonly string[] = [DEFAULT_SCENARIO],
  options: LabOptions = {},
): Promise<LabRecord> {
  const cluster = loadState(stateFiles);
  const existing = readLab();
  const simulatedBecause = options.simulated ? 'asked for (--simulated)' : whyNotEbpf();
  const datapath: LabRecord['datapath'] = simulatedBecause ? 'simulated' : 'ebpf';
  const kubeconfig = options.kubeconfig && resolve(options.kubeconfig);
  if (kubeconfig && simulatedBecause) {
    throw new LabInputError(
      `lab up --kube needs the eBPF datapath, and here it would be simulated: ${simulatedBecause}`,
    );
  }
  const reuse =
    existing &&
    existing.datapath === datapath &&
    existing.kubeconfig === kubeconfig &&
    (existing.ipv6 ?? false) === (options.ipv6 ?? false) &&
    sameScenario(existing, cluster);
  const lab = reuse
    ? existing
    : {
        ...(await buildRecord(cluster, options.strict ?? false, options.ipv6 ?? false, existing)),
        datapath,
        simulatedBecause,
        kubeconfig,
      };
  if (lab.datapath === 'simulated') {
    if (!reuse) writeLabObjects([...cluster.allNamespaces(), ...withLabPlacement(cluster, lab)]);
    writeJson('lab.json', lab);
    return lab;
  }
  if (!readJson('objects.json') || !reuse)
    writeLabObjects([...cluster.allNamespaces(), ...withLabPlacement(cluster, lab)]);
  createFabric();
  for (const node of lab.nodes) createNode(node, lab.ipv6);
  // Against a cluster, a ClusterIP the state does not give is the cluster's to allocate, unknown here.
  const resolver = resolverOf(lab, kubeconfig ? cluster : labCluster());
  for (const pod of lab.pods) createPod(pod, lab.nodes, resolver);
  if (!readJson('tokens.json')) {
    // Each node's agent proves itself to the server's ingest with a token of its own.
    const tokens = Object.fromEntries(
      lab.nodes.map((node) => [node.name, randomBytes(24).toString('base64url')]),
    );
    writeJson('tokens.json', tokens, 0o600);
  }
  if (kubeconfig) {
    const placed = labCluster();
    await registerPods(loadKubeConfig(kubeconfig), placed.allNamespaces(), placed.allPods());
    // As the state gives them: the cluster allocates ClusterIPs from its own range where none is given.
    await registerServices(loadKubeConfig(kubeconfig), cluster.allServices());
  }
  const processes = startProcesses(lab);
  const record = { ...lab, processes };
  writeJson('lab.json', record);
  // Against a cluster, the agents' first report says they have read it and enforce what it holds.
  await enforced(record, kubeconfig ? 0 : (readEndpoints()?.generation ?? 0));
  return record;
}

/**
 * The nameserver pods' resolv.conf names: the ClusterIP of the Service in front of the lab's DNS
 * pod on 53/UDP (kube-dns, as in EKS), else the DNS pod's own address.
 */
function resolverOf(lab: LabRecord, cluster: Cluster): string | undefined {
  const dns = lab.pods.find((pod) => pod.key === lab.dns);
  const pod = dns && cluster.pod(dns.key);
  const service =
    pod &&
    cluster
      .servicesIn(pod.metadata.namespace)
      .find(
        (candidate) =>
          isBackendOf(candidate, pod) &&
          candidate.clusterIPs.some(isIpv4) &&
          servicePortAt(candidate, { port: 53, protocol: 'UDP' }),
      );
  // The lab's DNS answers A records, in a dual-stack lab too: it is asked over IPv4.
  return service?.clusterIPs.find(isIpv4) ?? dns?.ips?.find(isIpv4) ?? dns?.ip;
}

const isIpv4 = (ip: string) => !ip.includes(':');

function sameScenario(lab: LabRecord, cluster: Cluster): boolean {
  const keys = (objects: readonly { metadata: { namespace: string; name: string } }[]) =>
    JSON.stringify(objects.map((object) => keyOf(object.metadata)).sort());
  const pods = JSON.stringify(lab.pods.map((pod) => pod.key).sort());
  return keys(cluster.allPods()) === pods && keys(cluster.allServices()) === keys(labCluster().allServices());
}

async function buildRecord(
  cluster: Cluster,
  strict: boolean,
  ipv6: boolean,
  existing?: LabRecord,
): Promise<Omit<LabRecord, 'datapath' | 'simulatedBecause'>> {
  if (existing) await labDown();
  const pods = cluster.allPods();
  const nodeNames = [
    ...new Set(pods.map((pod) => pod.nodeName).filter((name): name is string => !!name)),
  ].sort();
  for (let i = nodeNames.length; i < 2; i++) nodeNames.push(`lab-node-${i + 1}`);
  const nodes: LabNode[] = nodeNames.map((name, i) => ({ name, index: i + 1 }));
  const used = new Set(pods.map((pod) => pod.podIP).filter(Boolean));
  let next = 10;
  const records: LabPodRecord[] = pods.map((pod, i) => {
    const node = pod.nodeName ?? nodeNames[i % nodeNames.length] ?? 'lab-node-1';
    const index = nodes.find((candidate) => candidate.name === node)?.index ?? 1;
    let ip = pod.podIP;
    while (!ip || (ip !== pod.podIP && used.has(ip))) ip = `${POD_NETWORK}.${index}.${next++}`;
    used.add(ip);
    const key = keyOf(pod.metadata);
    return {
      key,
      ...(ipv6 ? { ip: ipv6Of(ip), ips: [ipv6Of(ip), ip] } : { ip }),
      node,
      netns: podNetns(key),
      ifname: hostVeth(key),
      podId: i + 1,
      ports: pod.ports.map((port) => `${port.containerPort}/${port.protocol}`),
    };
  });
  const dns = pods.find(
    (pod) => pod.metadata.namespace === 'kube-system' && pod.metadata.labels['k8s-app'] === 'kube-dns',
  );
  return {
    nodes,
    pods: records,
    dns: dns && keyOf(dns.metadata),
    processes: [],
    strict,
    ...(ipv6 ? { ipv6 } : {}),
  };
}

/** The state's pods with the node and IP the lab gave them. */
function withLabPlacement(
  cluster: Cluster,
  lab: Pick<LabRecord, 'pods' | 'nodes' | 'ipv6'>,
): ClusterObject[] {
  const pods = cluster.allPods().map((pod): Pod => {
    const placed = lab.pods.find((record) => record.key === keyOf(pod.metadata));
    const node = lab.nodes.find((candidate) => candidate.name === placed?.node);
    const hostIPs = node ? (lab.ipv6 ? [nodeAddress6(node), nodeAddress(node)] : [nodeAddress(node)]) : [];
    return {
      ...pod,
      nodeName: placed?.node,
      podIP: placed?.ip,
      podIPs: placed?.ips,
      hostIP: hostIPs[0],
      hostIPs: hostIPs.length > 1 ? hostIPs : undefined,
    };
  });
  return [...pods, ...cluster.allServices(), ...cluster.allPolicies()];
}

/**
 * Adds or replaces objects (NetworkPolicies, Services, Namespaces) from state files, read strictly
 * as kubectl apply reads them; see {@link applyToLab}. Nothing changes when a file is bad.
 */
export function labApply(files: readonly string[], options: { replacePolicies?: boolean } = {}) {
  return applyToLab(readStateObjects(files, { strict: true }), options);
}

/**
 * Starts what is not running: a server per pod that declares ports (and the DNS), an agent per
 * node, and the nodes' Service proxy.
 */
function startProcesses(lab: LabRecord): number[] {
  const alive = lab.processes.filter((pid) => isAlive(pid));
  if (alive.length === lab.processes.length && alive.length > 0) return alive;
  for (const pid of alive) process.kill(pid, 'SIGTERM');
  // Reports of the processes replaced here are stale: waiting for them means their successors'.
  for (const node of lab.nodes) rmSync(labFile(`agent-${node.name}.json`), { force: true });
  rmSync(labFile('proxy.json'), { force: true });
  const pids: number[] = [];
  const start = (name: string, args: string[]) => {
    const log = openSync(labFile(`${name}.log`), 'a');
    const child: ChildProcess = spawn(args[0] ?? '', args.slice(1), {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    if (child.pid) pids.push(child.pid);
  };
  for (const pod of lab.pods) {
    const ports = [...pod.ports];
    const dns = pod.key === lab.dns;
    if (dns && !ports.includes('53/UDP')) ports.push('53/UDP');
    if (ports.length === 0) continue;
    start(`pod-${pod.netns}`, [
      'nsenter',
      `--net=/run/netns/${pod.netns}`,
      NODE_BIN,
      '--disable-warning=ExperimentalWarning',
      POD_SERVER,
      '--pod',
      pod.key,
      ...(dns ? ['--dns', labFile('names.json')] : []),
      ...ports,
    ]);
  }
  start('service-proxy', [
    NODE_BIN,
    '--disable-warning=ExperimentalWarning',
    SERVICE_PROXY,
    ...(lab.kubeconfig ? ['--kubeconfig', lab.kubeconfig] : []),
  ]);
  for (const node of lab.nodes) {
    const cluster = lab.kubeconfig
      ? [
          '--kubeconfig',
          lab.kubeconfig,
          '--netns',
          nodeNetnsPath(node.name),
          ...(lab.strict ? ['--strict'] : []),
        ]
      : [];
    start(`agent-${node.name}`, [
      NODE_BIN,
      '--disable-warning=ExperimentalWarning',
      AGENT_MAIN,
      '--node',
      node.name,
      ...cluster,
    ]);
  }
  return pids;
}

/** Whether a process runs (a zombie, killed but not yet reaped, does not). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Removes everything the lab made, even after a crash: its processes, every `palisade-`
 * namespace, the pinned programs and maps, and the lab folder.
 */
export async function labDown(): Promise<void> {
  const lab = readLab();
  const pids = new Set(lab?.processes ?? []);
  for (const line of run('ps', ['-eo', 'pid=,args=']).split('\n')) {
    const [pid, ...args] = line.trim().split(/\s+/);
    const command = args.join(' ');
    if ([AGENT_MAIN, POD_SERVER, SERVICE_PROXY].some((main) => command.includes(main))) pids.add(Number(pid));
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const netns of labNamespaces()) removeNamespace(netns);
  if (existsSync('/etc/netns')) {
    for (const name of readdirSync('/etc/netns')) if (name.startsWith(LAB_PREFIX)) removeNamespace(name);
  }
  rmSync(BPF_ROOT, { recursive: true, force: true });
  rmSync(LAB_DIR, { recursive: true, force: true });
  await sleep(50);
}

/** Where a lab pod is, by `ns/name`. */
export function labPod(key: string): LabPodRecord {
  const pod = requireLab().pods.find((candidate) => candidate.key === key);
  if (!pod) throw new LabInputError(`no pod ${key} in the lab`);
  return pod;
}

export interface ProbeResult {
  readonly connected: boolean;
  readonly ms: number;
  /** Set when the verdict came from the model, not from packets. */
  readonly simulated?: true;
}

type ProbeTarget = { host: string; port: number; protocol: string; size?: number };

/** Probes targets from a pod with real packets (all at once); `timeoutMs` bounds each. */
export async function labProbe(
  from: string,
  targets: readonly ProbeTarget[],
  timeoutMs = 1000,
): Promise<ProbeResult[]> {
  const pod = labPod(from);
  if (requireLab().datapath === 'simulated') return simulatedProbe(pod, targets);
  return probeFrom(`/run/netns/${pod.netns}`, targets, timeoutMs, from);
}

/** Probes targets with real packets from the network namespace at `netns` (a pod's, or a lab node's). */
export async function probeFrom(
  netns: string,
  targets: readonly ProbeTarget[],
  timeoutMs: number,
  from = netns,
): Promise<ProbeResult[]> {
  const args = [
    `--net=${netns}`,
    NODE_BIN,
    '--disable-warning=ExperimentalWarning',
    PROBE,
    JSON.stringify(targets),
    String(timeoutMs),
  ];
  try {
    const { stdout } = await promisify(execFile)('nsenter', args, { encoding: 'utf8' });
    return stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ProbeResult);
  } catch (error) {
    throw new Error(
      `probe from ${from} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`,
    );
  }
}

/** On the simulated datapath a probe is the model's verdict: no packet is sent. */
function simulatedProbe(pod: LabPodRecord, targets: readonly ProbeTarget[]): ProbeResult[] {
  const cluster = labCluster();
  const source = cluster.pod(pod.key);
  if (!source) throw new LabInputError(`no pod ${pod.key} in the lab`);
  return targets.map((target) => {
    const from = podEnd(cluster, source, endpointAt(cluster, target.host));
    const port = { port: target.port, protocol: target.protocol as Protocol };
    const service = cluster.serviceByIp(target.host);
    const servicePort = service && servicePortAt(service, port);
    if (service && servicePort) {
      const verdict = evaluateService(cluster, from, service, servicePort, { clusterIP: target.host });
      return { connected: verdict.allowed, ms: 0, simulated: true };
    }
    const peer = endpointAt(cluster, target.host);
    if (!peer) throw new LabInputError(`${target.host} is not an IP address`);
    const verdict = evaluate(cluster, from, peer, port);
    // An address outside the lab is never reached: no lab packet leaves the lab.
    return { connected: verdict.allowed && peer.pod !== undefined, ms: 0, simulated: true };
  });
}

/**
 * The lab's cluster with its Services as the nodes' proxy last applied them (those of the
 * cluster it stands in for, with `lab up --kube`), else as the lab's store holds them.
 */
export function labServices(): Cluster {
  const cluster = labCluster();
  const applied = readJson<Json[]>('services.json');
  if (!applied) return cluster;
  for (const service of cluster.allServices()) cluster.delete('Service', keyOf(service.metadata));
  for (const raw of applied) cluster.set(decodeObject(raw));
  return cluster;
}

/** Runs a command inside a pod's namespace, with the lab's DNS; returns its exit code. */
export function labExec(key: string, command: readonly string[]): number {
  if (requireLab().datapath === 'simulated') {
    throw new LabInputError(
      'lab exec needs the eBPF lab (pods as network namespaces): run as root on a kernel with BPF',
    );
  }
  const pod = labPod(key);
  const result = spawnSync('ip', ['netns', 'exec', pod.netns, ...command], { stdio: 'inherit' });
  return result.status ?? 1;
}
