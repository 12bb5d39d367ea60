import { Badge } from './badge.tsx';

/** What the policies say of a connection (or of a group of them): every port, none, or some. */
export type VerdictState = 'allowed' | 'denied' | 'partial';

/**
 * The one visual language of verdicts, used on every page: a colour, an icon, a word and, for
 * edges, a dash pattern, so that colour is never the only signal.
 */
export const VERDICTS: Record<
  VerdictState,
  { label: string; colour: string; soft: string; dash?: string; tone: 'allow' | 'deny' | 'partial' }
> = {
  allowed: { label: 'allowed', colour: 'var(--allow)', soft: 'var(--allow-soft)', tone: 'allow' },
  denied: { label: 'denied', colour: 'var(--deny)', soft: 'var(--deny-soft)', dash: '6 4', tone: 'deny' },
  partial: {
    label: 'partial',
    colour: 'var(--partial)',
    soft: 'var(--partial-soft)',
    dash: '10 3 2 3',
    tone: 'partial',
  },
};

/** How much wider than its edge, and how faint, the halo of an edge that carried traffic is. */
export const TRAFFIC_HALO = { width: 7, opacity: 0.3 } as const;

/** The verdict's icon: a tick, a cross, or a half-filled disc; drawn in the current colour. */
export function VerdictIcon({ state, size = 12 }: { state: VerdictState; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 12 12" aria-hidden="true" className="shrink-0">
      {state === 'allowed' && (
        <path d="M2 6.5 5 9.5 10 3" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      )}
      {state === 'denied' && (
        <path d="M3 3l6 6M9 3l-6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      )}
      {state === 'partial' && (
        <>
          <circle cx="6" cy="6" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M6 1.5a4.5 4.5 0 0 1 0 9z" fill="currentColor" />
        </>
      )}
    </svg>
  );
}

/** A verdict as a badge: icon and word on its colour. */
export function VerdictBadge({ state, children }: { state: VerdictState; children?: React.ReactNode }) {
  return (
    <Badge tone={VERDICTS[state].tone}>
      <VerdictIcon state={state} />
      {children ?? VERDICTS[state].label}
    </Badge>
  );
}

/** A line sample as edges draw it: the colour and the dash pattern of the verdict. */
export function EdgeSample({ state }: { state: VerdictState }) {
  return (
    <svg width="28" height="8" aria-hidden="true" className="shrink-0">
      <line
        x1="1"
        y1="4"
        x2="27"
        y2="4"
        stroke={VERDICTS[state].colour}
        strokeWidth="2.5"
        strokeDasharray={VERDICTS[state].dash}
      />
    </svg>
  );
}

/** A line sample with the halo of an edge that carried traffic, in the current colour. */
function TrafficSample() {
  return (
    <svg width="28" height="12" aria-hidden="true" className="shrink-0">
      <line
        x1="5"
        y1="6"
        x2="23"
        y2="6"
        stroke="currentColor"
        strokeWidth={2.5 + TRAFFIC_HALO.width}
        strokeOpacity={TRAFFIC_HALO.opacity}
        strokeLinecap="round"
      />
      <line x1="1" y1="6" x2="27" y2="6" stroke="currentColor" strokeWidth="2.5" />
    </svg>
  );
}

/**
 * The legend of the graph's and the matrix's verdicts; with `traffic`, also of the halo that marks
 * an edge that carried traffic.
 */
export function VerdictLegend({
  partialMeans = 'some ports or pods denied',
  traffic = false,
}: {
  partialMeans?: string;
  traffic?: boolean;
}) {
  const meaning: Record<VerdictState, string> = {
    allowed: 'every port allowed',
    denied: 'every port denied',
    partial: partialMeans,
  };
  return (
    <ul className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-muted" aria-label="Legend">
      {(Object.keys(VERDICTS) as VerdictState[]).map((state) => (
        <li key={state} className="flex items-center gap-1.5">
          <EdgeSample state={state} />
          <span className="flex items-center gap-1" style={{ color: VERDICTS[state].colour }}>
            <VerdictIcon state={state} />
            <span className="font-medium">{VERDICTS[state].label}</span>
          </span>
          <span>{meaning[state]}</span>
        </li>
      ))}
      {traffic && (
        <li className="flex items-center gap-1.5">
          <TrafficSample />
          <span>halo: carried traffic in the last 10 minutes</span>
        </li>
      )}
    </ul>
  );
}
