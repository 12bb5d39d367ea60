import { useId } from 'react';
import { formatCount } from './format-count.ts';
import { axisLabels, clock } from './time-axis.ts';
import { useWidth } from './use-width.ts';
import { VERDICTS, VerdictIcon } from './verdict.tsx';

/** Flows in one slice of time, by verdict. */
export interface TimeBucket {
  readonly start: number;
  readonly allowed: number;
  readonly denied: number;
}

const HEIGHT = 120;
const AXIS = 18;

/** A round scale maximum at or above `value`: 1, 2, 5, 10, 20, 50… */
function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/**
 * Flows over time as stacked bars drawn in SVG: denied (hatched, in the denied colour) under
 * allowed (solid). `only` draws one verdict. The chart is drawn at the width it is given, so that
 * it fills its panel with text at its real size (see axisLabels for its time labels). It says its
 * totals in words for screen readers.
 */
export function TimeChart({
  buckets,
  label,
  only,
}: {
  buckets: readonly TimeBucket[];
  label: string;
  only?: 'denied' | 'allowed';
}) {
  const hatch = `hatch-${useId().replace(/:/g, '')}`;
  const [frame, width] = useWidth<HTMLElement>(640);
  const value = (bucket: TimeBucket) =>
    (only === 'allowed' ? 0 : bucket.denied) + (only === 'denied' ? 0 : bucket.allowed);
  const max = niceMax(Math.max(0, ...buckets.map(value)));
  const slot = (width - 40) / Math.max(1, buckets.length);
  const scale = (count: number) => (count / max) * (HEIGHT - AXIS - 8);
  const total = (key: 'allowed' | 'denied') => buckets.reduce((sum, bucket) => sum + bucket[key], 0);
  const labels = axisLabels(
    buckets.map((bucket) => bucket.start),
    40,
    slot,
    width,
  );
  const summary = `${label}: ${only === 'allowed' ? '' : `${formatCount(total('denied'))} denied`}${only ? '' : ', '}${only === 'denied' ? '' : `${formatCount(total('allowed'))} allowed`}${buckets.length > 0 ? ` from ${clock(buckets[0]?.start ?? 0)} to now` : ''}.`;
  return (
    <figure className="space-y-1" ref={frame}>
      <svg
        viewBox={`0 0 ${width} ${HEIGHT}`}
        height={HEIGHT}
        className="w-full"
        role="img"
        aria-label={summary}
      >
        <defs>
          <pattern
            id={hatch}
            width="4"
            height="4"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="4" height="4" fill={VERDICTS.denied.colour} />
            <line x1="0" y1="0" x2="0" y2="4" stroke="var(--surface)" strokeWidth="1.2" />
          </pattern>
        </defs>
        {[0, 0.5, 1].map((share) => {
          const y = HEIGHT - AXIS - scale(max * share);
          return (
            <g key={share}>
              <line
                x1="36"
                x2={width}
                y1={y}
                y2={y}
                stroke="var(--line)"
                strokeDasharray={share ? '2 3' : undefined}
              />
              <text x="32" y={y + 3} textAnchor="end" fontSize="10" fill="var(--muted)">
                {formatCount(max * share)}
              </text>
            </g>
          );
        })}
        {buckets.map((bucket, i) => {
          const x = 40 + i * slot;
          const denied = only === 'allowed' ? 0 : scale(bucket.denied);
          const allowed = only === 'denied' ? 0 : scale(bucket.allowed);
          const base = HEIGHT - AXIS;
          return (
            <g key={bucket.start}>
              <title>{`${clock(bucket.start, true)}: ${bucket.denied} denied, ${bucket.allowed} allowed`}</title>
              {denied > 0 && (
                <rect
                  x={x}
                  y={base - denied}
                  width={Math.max(1, slot - 1)}
                  height={denied}
                  fill={`url(#${hatch})`}
                />
              )}
              {allowed > 0 && (
                <rect
                  x={x}
                  y={base - denied - allowed}
                  width={Math.max(1, slot - 1)}
                  height={allowed}
                  fill={VERDICTS.allowed.colour}
                  opacity="0.75"
                />
              )}
            </g>
          );
        })}
        {labels.map(({ index, x, text }) => (
          <text key={index} x={x} y={HEIGHT - 4} fontSize="10" fill="var(--muted)">
            {text}
          </text>
        ))}
      </svg>
      <figcaption className="flex gap-4 text-xs text-muted">
        {only !== 'allowed' && (
          <span className="flex items-center gap-1" style={{ color: VERDICTS.denied.colour }}>
            <VerdictIcon state="denied" /> denied (hatched) {formatCount(total('denied'))}
          </span>
        )}
        {only !== 'denied' && (
          <span className="flex items-center gap-1" style={{ color: VERDICTS.allowed.colour }}>
            <VerdictIcon state="allowed" /> allowed (solid) {formatCount(total('allowed'))}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
