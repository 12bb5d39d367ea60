import type { PodIsolation } from '../../server/flows/deciding-policies.ts';
import type { Flow } from '../../server/flows/flow.ts';
import { decidedByFlow } from '../../server/flows/flow-decided-by.ts';

/** Flows that repeat one another: same pod, direction, verdict, reason, tier, ends and port (source ports differ). */
export interface FlowGroup {
  readonly key: string;
  /** The newest of them, as the table shows it. */
  readonly flow: Flow;
  readonly count: number;
  readonly first: number;
  readonly last: number;
}

/** What makes flows repeats of one another. */
export const repeatKey = (flow: Flow) =>
  `${flow.pod ?? ''} ${flow.direction} ${flow.verdict} ${flow.reason ?? ''} ${flow.tier ?? 'None'} ${flow.src} ${flow.dst} ${flow.dport}/${flow.protocol}`;

/** Flows (newest first) collapsed into groups of repeats, ordered by their newest flow. */
export function groupFlows(flows: readonly Flow[]): FlowGroup[] {
  const groups = new Map<string, { key: string; flow: Flow; count: number; first: number; last: number }>();
  for (const flow of flows) {
    const key = repeatKey(flow);
    const group = groups.get(key);
    if (!group) groups.set(key, { key, flow, count: 1, first: flow.time, last: flow.time });
    else {
      group.count++;
      group.first = Math.min(group.first, flow.time);
      if (flow.time > group.last) {
        group.last = flow.time;
        group.flow = flow;
      }
    }
  }
  return [...groups.values()].sort((a, b) => b.last - a.last);
}

/**
 * What decided a flow, in words: what the flow tells (the kernel's reason, a cluster tier's
 * ClusterNetworkPolicy, the allowing policy; see decidedByFlow); for a NetworkPolicy denial, that it
 * was denied by default and by which isolating policies of the pod (`isolation` says which, when
 * known).
 */
export function decidedBy(flow: Flow, isolation: PodIsolation | undefined): string {
  const told = decidedByFlow(flow);
  if (told) return told;
  const policies = isolation?.[flow.direction];
  if (!policies) return 'default deny';
  return policies.length
    ? `default deny: isolated by ${policies.join(', ')}`
    : 'denied (no policy isolates it now)';
}

const CSV_COLUMNS = [
  'time',
  'pod',
  'direction',
  'verdict',
  'tier',
  'src',
  'sport',
  'dst',
  'dport',
  'protocol',
  'peer',
  'policy',
  'count',
] as const;

function csvField(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV with a header line; `policy` says what decided each; times are ISO 8601. */
export function flowsToCsv(rows: readonly { flow: Flow; count: number; policy: string }[]): string {
  const lines = rows.map(({ flow, count, policy }) =>
    [
      new Date(flow.time).toISOString(),
      flow.pod,
      flow.direction,
      flow.verdict,
      flow.tier ?? 'None',
      flow.src,
      flow.sport,
      flow.dst,
      flow.dport,
      flow.protocol,
      flow.peer,
      policy,
      count,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\n')}\n`;
}
