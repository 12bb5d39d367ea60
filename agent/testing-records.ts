import { encodeFlowEvent, type FlowEvent, monotonicToWallMs } from './datapath/layout.ts';
import type { RecordBatch } from './record-batch.ts';

/** The time of the tests' flow events: an hour ago, so neither too old for the store nor ahead of the server's clock. */
export const TEST_TIME = Date.now() - 3_600_000;

/** Flow event `i` of tests: an allowed TCP flow to port 80 whose source port and time say which it is. */
export function testEvent(i: number, overrides: Partial<FlowEvent> = {}): FlowEvent {
  return {
    time: TEST_TIME + i,
    src: '10.77.1.1',
    dst: '10.77.1.2',
    sport: 40000 + i,
    dport: 80,
    protocol: 6,
    family: 4,
    direction: 'ingress',
    verdict: 'allow',
    kind: 'new-flow',
    reason: 'policy',
    tier: 'None',
    ruleId: 0,
    podId: 1,
    ...overrides,
  };
}

/**
 * Events as the ring buffer would hand them over, with names for their ids: their times come back
 * from a frame within a millisecond (the frame's clock is taken anew when it is made).
 */
export function recordsOf(
  events: readonly FlowEvent[],
  names: { pods?: Record<string, string>; policies?: Record<string, string> } = {},
): RecordBatch {
  const clock = monotonicToWallMs();
  return {
    records: Buffer.concat(events.map((event) => encodeFlowEvent(event, clock))),
    pods: names.pods ?? {},
    policies: names.policies ?? {},
  };
}
