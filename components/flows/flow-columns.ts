/** The longest value, in characters, of each column of the flows table whose values vary in length. */
export interface LongestValues {
  readonly pod: number;
  readonly peer: number;
  /** `IP:port`, and `IP:port/protocol`. */
  readonly source: number;
  readonly destination: number;
  /** 0 when no flow shown names a tier: the column is left out. */
  readonly tier: number;
}

/** Their widths in pixels; `tier` 0 when the column is left out. */
export type FlowColumns = { -readonly [column in keyof LongestValues]: number };

/** Time, direction and verdict: values of one length, and the count of repeats. */
export const FIXED_WIDTHS = { time: 76, direction: 76, verdict: 80, count: 52 } as const;
/** Pixels per character of the table's text (12 pixels) and of its addresses (11, monospace), and a cell's padding. */
const TEXT = 6.6;
const MONO = 6.7;
const PADDING = 16;
/** What "decided by" keeps at least: its reason and the start of the first policy's name. */
const DECIDED_BY = 200;
/** Below these, a column gives no more: an address's start, a destination's port, a pod's namespace. */
const NARROWEST = { pod: 96, peer: 96, source: 88, destination: 112 } as const;

const fit = (chars: number, perChar: number, narrowest: number, widest: number) =>
  Math.min(widest, Math.max(narrowest, Math.ceil(chars * perChar) + PADDING));

/**
 * The widths of the columns of varying values in a table `width` pixels wide: each as wide as its
 * longest value, "decided by" taking the rest. When that leaves "decided by" less than it needs, the
 * addresses give way first (the source, then the destination's address, never its port), then the
 * longer of the pod names, then both.
 */
export function flowColumns(longest: LongestValues, width: number, grouped: boolean): FlowColumns {
  const columns: FlowColumns = {
    pod: fit(longest.pod, TEXT, NARROWEST.pod, 240),
    peer: fit(longest.peer, TEXT, NARROWEST.peer, 240),
    source: fit(longest.source, MONO, NARROWEST.source, 200),
    destination: fit(longest.destination, MONO, NARROWEST.destination, 240),
    tier: longest.tier > 0 ? fit(longest.tier, TEXT, 48, 120) : 0,
  };
  const fixed =
    FIXED_WIDTHS.time + FIXED_WIDTHS.direction + FIXED_WIDTHS.verdict + (grouped ? FIXED_WIDTHS.count : 0);
  let short =
    fixed +
    columns.pod +
    columns.peer +
    columns.source +
    columns.destination +
    columns.tier +
    DECIDED_BY -
    width;
  for (const column of ['source', 'destination'] as const) {
    const given = Math.max(0, Math.min(short, columns[column] - NARROWEST[column]));
    columns[column] -= given;
    short -= given;
  }
  const [longer, shorter] =
    columns.pod >= columns.peer ? (['pod', 'peer'] as const) : (['peer', 'pod'] as const);
  const given = Math.max(0, Math.min(short, columns[longer] - columns[shorter]));
  columns[longer] -= given;
  short -= given;
  if (short > 0) {
    const each = Math.max(0, Math.min(Math.ceil(short / 2), columns.pod - NARROWEST.pod));
    columns.pod -= each;
    columns.peer -= each;
  }
  return columns;
}
