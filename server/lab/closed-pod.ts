import type { AgentReport } from './lab-store.ts';

/**
 * A pod its agent closed rather than enforce part of its rules (the README's "Fail closed, per
 * pod"): in one direction, or in both when its programs could not be attached at all.
 */
export interface ClosedPod {
  readonly pod: string;
  readonly node: string;
  /** Absent when the pod has no programs at all. */
  readonly direction?: 'ingress' | 'egress';
  readonly reason: string;
}

/** How the agents enforce a generation: the pods they closed, and whether one has not caught up. */
export interface Enforcement {
  readonly closed: readonly ClosedPod[];
  /**
   * Why the generation is not enforced everywhere yet: an agent (or the Service proxy) that did not
   * report it in time, or reported an error. What was written stays, and is enforced once it does.
   */
  readonly pending?: string;
}

/** One sentence for a closed pod, as the CLI and the editor say it. */
export function describeClosedPod({ pod, node, direction, reason }: ClosedPod): string {
  return direction
    ? `the agent of ${node} closed ${pod} for ${direction} (all of its ${direction} is dropped) rather than enforce part of its rules: ${reason}`
    : `the agent of ${node} could not attach ${pod}'s programs: ${reason}`;
}

/** What a write's answer must warn of: an agent that has not caught up, and each pod closed. */
export function enforcementWarnings({ pending, closed = [] }: Partial<Enforcement>): string[] {
  return [...(pending ? [`not enforced everywhere yet: ${pending}`] : []), ...closed.map(describeClosedPod)];
}

/** The pods an agent's report says it closed. */
export function closedPodsOf(
  node: string,
  report: Pick<AgentReport, 'failClosed' | 'podErrors'>,
): ClosedPod[] {
  return [
    ...Object.entries(report.failClosed ?? {}).flatMap(([pod, directions]) =>
      (['ingress', 'egress'] as const).flatMap((direction) => {
        const reason = directions[direction];
        return reason === undefined ? [] : [{ pod, node, direction, reason }];
      }),
    ),
    ...Object.entries(report.podErrors ?? {}).map(([pod, reason]) => ({ pod, node, reason })),
  ];
}
