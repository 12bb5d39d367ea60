import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { labFile, readJson, readLab } from '../server/lab/lab-store.ts';
import { datapathOf } from './datapath/introspect.ts';
import { FlowShipper } from './flow-shipper.ts';
import { FlowSink } from './flow-sink.ts';
import { LabNodeSource } from './lab/lab-node-source.ts';
import { AgentMetrics } from './metrics.ts';
import { NodeAgent } from './node-agent.ts';

/**
 * The node agent process: `main.ts --node NAME`. Enforces the lab store's PolicyEndpoints on the
 * node's pods; writes every flow verdict to `flows-NAME.jsonl` in the lab folder (rotated at 8 MB)
 * and, when PALISADE_INGEST_URL is set, sends them to the server with the node's token; serves
 * Prometheus metrics on 127.0.0.1 (port PALISADE_METRICS_PORT, default 9470 + the node's number).
 * SIGTERM stops it and leaves enforcement in place.
 */
const { values } = parseArgs({ options: { node: { type: 'string' } } });
const node = values.node;
if (!node) {
  process.stderr.write('usage: agent/main.ts --node NAME\n');
  process.exit(2);
}
const agent = new NodeAgent(node, new LabNodeSource(node));
const metrics = new AgentMetrics(node);
const token = readJson<Record<string, string>>('tokens.json')?.[node];
const shipper =
  process.env.PALISADE_INGEST_URL && token
    ? new FlowShipper({ url: process.env.PALISADE_INGEST_URL, token, node })
    : undefined;

const sink = new FlowSink(labFile(`flows-${node}.jsonl`), metrics, shipper);

const index = readLab()?.nodes.find((candidate) => candidate.name === node)?.index ?? 0;
const metricsPort = Number(process.env.PALISADE_METRICS_PORT ?? 9470 + index);
createServer((request, response) => {
  if (request.url !== '/metrics') {
    response.writeHead(404).end();
    return;
  }
  try {
    const pods = (readLab()?.pods ?? [])
      .filter((pod) => pod.node === node)
      .map((pod) => ({ key: pod.key, ifname: pod.ifname, activeSlot: datapathOf(pod).state().activeSlot }));
    response
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(metrics.render(pods, shipper));
  } catch (error) {
    response.writeHead(500).end(`${(error as Error).message}\n`);
  }
}).listen(metricsPort, '127.0.0.1');

process.on('SIGTERM', () => {
  agent.stop();
  shipper?.close();
  process.exit(0);
});
await agent.start((flows) => sink.take(flows));
process.stdout.write(
  `palisade agent for ${node}: enforcing (eBPF), metrics on 127.0.0.1:${metricsPort}, pid ${process.pid}\n`,
);
