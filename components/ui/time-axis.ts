/** Room for one time label on the axis, in pixels. */
const LABEL_WIDTH = 90;

/** A label of a time axis: its slice, where it starts, and the time it reads. */
export interface AxisLabel {
  readonly index: number;
  readonly x: number;
  readonly text: string;
}

export const clock = (time: number, seconds = false) =>
  new Date(time).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
  });

/**
 * The labels of slices starting at `starts` (evenly spaced, in milliseconds), drawn `slot` pixels
 * apart from `left` on an axis `width` pixels wide: as many as fit without overlapping, each whole
 * inside the axis, with seconds when labels a minute apart or less would otherwise read the same.
 */
export function axisLabels(
  starts: readonly number[],
  left: number,
  slot: number,
  width: number,
): AxisLabel[] {
  const every = Math.max(1, Math.ceil(LABEL_WIDTH / Math.max(slot, 1)));
  const step = (starts[1] ?? 0) - (starts[0] ?? 0);
  const seconds = starts.length > 1 && every * step < 60_000;
  const labels: AxisLabel[] = [];
  for (let index = 0; index < starts.length; index += every) {
    const x = left + index * slot;
    if (x + LABEL_WIDTH - 20 > width) break;
    labels.push({ index, x, text: clock(starts[index] ?? 0, seconds) });
  }
  return labels;
}
