import type { Flow } from '../../server/flows/flow.ts';
import { decidedByFlow } from '../../server/flows/flow-decided-by.ts';
import { tierInWords } from '../../server/flows/flow-tier.ts';
import type { FlowNames } from '../../server/flows/service-flows.ts';
import { protocolName } from '../datapath/introspect.ts';

/**
 * A flow of an agent's file, named by the pod or Service (and backend) at its other end, as one
 * line: JSON (every field, the tier among them), or columns for people ending with the tier that
 * decided (`-` for none) and what decided it.
 */
export function formatFlow(flow: Flow & FlowNames, json: boolean): string {
  if (json) return JSON.stringify(flow);
  const why = decidedByFlow(flow) ?? 'no rule allows it';
  const peer = flow.service ? `svc/${flow.service}${flow.peer ? ` → ${flow.peer}` : ''}` : (flow.peer ?? '');
  return `${flow.node.padEnd(12)} ${(flow.pod ?? '?').padEnd(32)} ${flow.direction.padEnd(8)} ${flow.verdict.toUpperCase().padEnd(6)} ${`${flow.src}:${flow.sport}`.padEnd(22)} → ${`${flow.dst}:${flow.dport}`.padEnd(22)} ${protocolName(flow.protocol).padEnd(4)} ${(tierInWords(flow) ?? '-').padEnd(13)} ${why}${peer ? `  (${peer})` : ''}`;
}
