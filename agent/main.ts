import { appendFileSync, renameSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { labFile } from './lab/lab-store.ts';
import { type NamedFlow, NodeAgent } from './node-agent.ts';

/**
 * The node agent process: `main.ts --node NAME`. Enforces the lab store's PolicyEndpoints on the
 * node's pods and writes every flow verdict to `flows-NAME.jsonl` in the lab folder (rotated at
 * 8 MB). SIGTERM stops it and leaves enforcement in place.
 */
const { values } = parseArgs({ options: { node: { type: 'string' } } });
const node = values.node;
if (!node) {
  process.stderr.write('usage: agent/main.ts --node NAME\n');
  process.exit(2);
}
const flowsFile = labFile(`flows-${node}.jsonl`);
const agent = new NodeAgent(node);

function record(flows: NamedFlow[]): void {
  const lines = flows
    .map((flow) => JSON.stringify({ ...flow, timestampNs: flow.timestampNs.toString() }))
    .join('\n');
  appendFileSync(flowsFile, `${lines}\n`);
  try {
    if (statSync(flowsFile).size > 8 * 1024 * 1024) renameSync(flowsFile, `${flowsFile}.1`);
  } catch {
    // Rotation is best effort; the next write tries again.
  }
}

process.on('SIGTERM', () => {
  agent.stop();
  process.exit(0);
});
await agent.start(record);
process.stdout.write(`palisade agent for ${node}: enforcing (eBPF), pid ${process.pid}\n`);
