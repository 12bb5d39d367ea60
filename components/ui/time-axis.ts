/**
 * Room for one time label on the axis, in pixels, and how wide the widest is drawn: `23:59:59`,
 * or `30 Dec 23:59` on an axis that spans days.
 */
const LABEL_WIDTH = 72;
const TEXT_WIDTH = 48;
const DAY_LABEL_WIDTH = 104;
const DAY_TEXT_WIDTH = 80;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

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

/** Whether two times fall on the same local day. */
const sameDay = (a: number, b: number) => new Date(a).toDateString() === new Date(b).toDateString();

/** A time with its day: `5 Dec 17:51`. */
function withDay(time: number): string {
  const date = new Date(time);
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${clock(time)}`;
}

/** A time's clock, `17:51`, with its day (`5 Dec 17:51`) unless it is on the day of `now`. */
export function dayAndClock(time: number, now = Date.now()): string {
  return sameDay(time, now) ? clock(time) : withDay(time);
}

/**
 * The labels of slices starting at `starts` (evenly spaced, in milliseconds), drawn `slot` pixels
 * apart from `left` on an axis `width` pixels wide: as many as fit without overlapping, each whole
 * inside the axis, with seconds when labels a minute apart or less would otherwise read the same,
 * and with the day when the axis spans more than one.
 */
export function axisLabels(
  starts: readonly number[],
  left: number,
  slot: number,
  width: number,
): AxisLabel[] {
  const days = starts.length > 1 && !sameDay(starts[0] ?? 0, starts.at(-1) ?? 0);
  const every = Math.max(1, Math.ceil((days ? DAY_LABEL_WIDTH : LABEL_WIDTH) / Math.max(slot, 1)));
  const step = (starts[1] ?? 0) - (starts[0] ?? 0);
  const seconds = !days && starts.length > 1 && every * step < 60_000;
  const labels: AxisLabel[] = [];
  for (let index = 0; index < starts.length; index += every) {
    const x = left + index * slot;
    if (x + (days ? DAY_TEXT_WIDTH : TEXT_WIDTH) > width) break;
    const start = starts[index] ?? 0;
    labels.push({ index, x, text: days ? withDay(start) : clock(start, seconds) });
  }
  return labels;
}
