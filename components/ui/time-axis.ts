/** Room for one time label on the axis, in pixels, and how wide the widest (`23:59:59`) is drawn. */
const LABEL_WIDTH = 72;
const TEXT_WIDTH = 48;

/** A label of a time axis: its slice, where it starts, and the time it reads. */
export interface AxisLabel {
  readonly index: number;
  readonly x: number;
  readonly text: string;
}

const twoDigits = (value: number) => String(value).padStart(2, '0');

/**
 * A local time of day on the 24-hour clock, `17:51` (`17:51:09` with seconds): the one way every
 * page writes a time (axes, tables, titles), short and never read as morning for evening.
 */
export function clock(time: number, seconds = false): string {
  const date = new Date(time);
  const minutes = `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}`;
  return seconds ? `${minutes}:${twoDigits(date.getSeconds())}` : minutes;
}

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
    if (x + TEXT_WIDTH > width) break;
    labels.push({ index, x, text: clock(starts[index] ?? 0, seconds) });
  }
  return labels;
}
