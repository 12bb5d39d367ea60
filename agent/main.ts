import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../server/kube-api/kube-config.ts';
import { readJson, readLab, writeJson } from '../server/lab/lab-store.ts';
import { logger } from '../server/log.ts';
import type { AgentStatus } from '../server/nodes/agent-status.ts';
import { CONNTRACK_DEFAULT_ENTRIES } from './datapath/layout.ts';
import { PodDatapath } from './datapath/pod-datapath.ts';
import { FlowShipper } from './flow-shipper.ts';
import { FlowSink, flowFileOf } from './flow-sink.ts';
import { KubeNodeSource } from './kube-node-source.ts';
import { LabNodeSource } from './lab/lab-node-source.ts';
import { AgentMetrics } from './metrics.ts';
import { NodeAgent } from './node-agent.ts';
import type { NodeSource } from './node-source.ts';

/**
 * The node agent process: `main.ts --node NAME [--kubeconfig FILE|--in-cluster] [--netns PATH]
 * [--strict] [--conntrack-entries N]`. Enforces the PolicyEndpoints of the node's pods: from the lab's store, or with a
 * kubeconfig (or in a cluster) from the Kubernetes API. Writes every flow verdict to
 * `flows-NAME.frames` in the lab folder (flow frames, rotated at 8 MB) and, when PALISADE_INGEST_URL is set,
 * sends them to the server with the node's token (in Kubernetes mode the ServiceAccount token,
 * which the server checks with a TokenReview); serves Prometheus metrics and its status on 127.0.0.1
 * (port PALISADE_METRICS_PORT, default 9470 + the node's lab number). SIGTERM stops it and leaves
 * enforcement in place.
 */
const { values } = parseArgs({
  options: {
    node: { type: 'string' },
    kubeconfig: { type: 'string' },
    'in-cluster': { type: 'boolean', default: false },
    netns: { type: 'string', default: '' },
    strict: { type: 'boolean', default: false },
    'conntrack-entries': { type: 'string', default: process.env.PALISADE_CONNTRACK_ENTRIES },
  },
});
const node = values.node;
if (!node) {
  process.stderr.write(
    'usage: agent/main.ts --node NAME [--kubeconfig FILE|--in-cluster] [--netns PATH] [--strict] [--conntrack-entries N]\n',
  );
  process.exit(2);
}
if (values.kubeconfig?.trim() === '') {
  // An unset shell variable, not a call for Kubernetes mode with the default kubeconfig.
  process.stderr.write('agent: --kubeconfig: empty value\n');
  process.exit(2);
}
const conntrackEntries = Number(values['conntrack-entries'] ?? CONNTRACK_DEFAULT_ENTRIES);
if (!Number.isInteger(conntrackEntries) || conntrackEntries < 1 || conntrackEntries > 1 << 24) {
  process.stderr.write(
    `agent: --conntrack-entries (or PALISADE_CONNTRACK_ENTRIES): ${JSON.stringify(values['conntrack-entries'])} is not a whole number from 1 to ${1 << 24}\n`,
  );
  process.exit(2);
}
const log = logger('agent');
const kubeMode = values.kubeconfig !== undefined || values['in-cluster'];
/**
 * The agent's token for the server's ingest in Kubernetes mode: a ServiceAccount token projected
 * for the audience `palisade-ingest` (deploy/agent/daemonset.yaml), so that it is good for nothing
 * else; the kubelet rotates it, so it is read for each batch. `{node}` in PALISADE_AGENT_TOKEN_FILE
 * stands for the node's name (lab nodes standing in for a cluster's share one environment, and the
 * server holds each token to one node).
 */
const INGEST_TOKEN_FILE = (
  process.env.PALISADE_AGENT_TOKEN_FILE ?? '/var/run/secrets/palisade/token'
).replaceAll('{node}', node);

let source: NodeSource & { start?: () => Promise<void> };
let token: () => string | undefined;
if (kubeMode) {
  const config = loadKubeConfig(values.kubeconfig);
  const inLab = readLab()?.nodes.some((candidate) => candidate.name === node) === true;
  source = new KubeNodeSource(config, {
    node,
    netns: values.netns,
    strict: values.strict,
    log,
    // When the lab stands in for kubelets, the lab's tools read what the agent applied there too.
    onReport: inLab ? (report) => writeJson(`agent-${node}.json`, report) : undefined,
  });
  token = () => process.env.PALISADE_AGENT_TOKEN ?? readTokenFile(INGEST_TOKEN_FILE);
} else {
  source = new LabNodeSource(node);
  const labToken = readJson<Record<string, string>>('tokens.json')?.[node];
  token = () => labToken;
}

const agent = new NodeAgent(node, source, { conntrackEntries, log });
const metrics = new AgentMetrics(node);
/** The node's pods with the rule slot each has active, for reading their maps. */
const attachedPods = () =>
  (source.read()?.pods ?? []).map((pod) => ({
    key: pod.key,
    ifname: pod.ifname,
    activeSlot: new PodDatapath({
      node,
      netns: pod.netns,
      ifname: pod.ifname,
      podId: pod.podId,
      nodeIPs: pod.nodeIPs,
    }).state().activeSlot,
  }));
/** What the server's nodes page shows of this node: programs, the kernel's counters, the fullest map of each pod. */
const status = (): AgentStatus => {
  const { counters, fill } = metrics.datapath(attachedPods());
  const mapFill: Record<string, number> = {};
  for (const { pod, ratio } of fill) mapFill[pod] = Math.max(mapFill[pod] ?? 0, ratio);
  return {
    pods: agent.lastReport?.pods ?? {},
    deniedPackets: counters.deniedPackets,
    lostEvents: counters.lostEvents,
    mapFill,
    failClosed: agent.failClosed,
    podErrors: agent.lastReport?.podErrors,
    error: agent.lastReport?.error,
  };
};
const shipper =
  process.env.PALISADE_INGEST_URL && token()
    ? new FlowShipper({
        url: process.env.PALISADE_INGEST_URL,
        token,
        node,
        status,
        // A status counts the entries of every pod's maps (map-counts.ts): as often as the idle
        // heartbeat is enough for the nodes page.
        statusEveryMs: 10_000,
      })
    : undefined;
const sink = new FlowSink(node, flowFileOf(node), metrics, shipper);

const index = readLab()?.nodes.find((candidate) => candidate.name === node)?.index ?? 0;
const metricsPort = Number(process.env.PALISADE_METRICS_PORT ?? 9470 + index);
// `/metrics` for Prometheus; `/status` (JSON, what agents send the server with their flows) for
// the lab's nodes page, which runs on this machine.
createServer((request, response) => {
  try {
    if (request.url === '/metrics')
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(
        metrics.render(metrics.datapath(attachedPods()), shipper, {
          total: agent.failures,
          failClosed: agent.failClosed,
        }),
      );
    else if (request.url === '/status')
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
    else response.writeHead(404).end();
  } catch (error) {
    response.writeHead(500).end(`${(error as Error).message}\n`);
  }
}).listen(metricsPort, '127.0.0.1');

process.on('SIGTERM', () => {
  agent.stop();
  sink.flush();
  shipper?.close();
  process.exit(0);
});
await source.start?.();
await agent.start((batch) => sink.take(batch));
log.info('enforcing', {
  node,
  source: kubeMode ? 'kubernetes' : 'lab',
  datapath: 'ebpf',
  metrics: `127.0.0.1:${metricsPort}`,
  pid: process.pid,
});

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
