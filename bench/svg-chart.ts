/** Minimal SVG charts for benchmark results, so they can be seen at a glance in the README. */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Bars of a comparison are coloured by what they stand for. */
  readonly kind: 'ours' | 'alternative' | 'target';
}

const COLOURS: Record<Bar['kind'], string> = { ours: '#2563eb', alternative: '#9ca3af', target: '#dc2626' };
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Horizontal bars on a log scale (values span orders of magnitude), each labelled with its value. */
export function barChart(title: string, unit: string, bars: readonly Bar[]): string {
  const width = 720;
  const rowHeight = 28;
  const left = 260;
  const right = 110;
  const height = 40 + bars.length * rowHeight + 10;
  const max = Math.max(...bars.map((bar) => bar.value));
  const min = Math.min(...bars.map((bar) => bar.value).filter((value) => value > 0));
  const floor = Math.log10(min) - 0.5;
  const span = Math.log10(max) - floor || 1;
  const scale = (value: number) =>
    ((Math.log10(Math.max(value, min)) - floor) / span) * (width - left - right);
  const rows = bars.map((bar, i) => {
    const y = 36 + i * rowHeight;
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${scale(bar.value).toFixed(1)}" height="${rowHeight - 8}" fill="${COLOURS[bar.kind]}"/>`,
      `<text x="${left + scale(bar.value) + 6}" y="${y + 15}">${formatValue(bar.value)} ${escapeXml(unit)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>
${rows.join('\n')}
<text x="${width - 12}" y="${height - 4}" text-anchor="end" font-size="10" fill="#6b7280">log scale · blue: Palisade · grey: alternative · red: target</text>
</svg>
`;
}

function formatValue(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toFixed(3);
}

/** One line of a {@link lineChart}: a value per x position (NaN or undefined: no point). */
export interface Series {
  readonly label: string;
  readonly values: readonly (number | undefined)[];
  readonly colour: string;
  /** Dashed: a figure of the alternative or a secondary one. */
  readonly dashed?: boolean;
}

/**
 * Lines over labelled x positions on a log y scale (costs that span orders of magnitude), each
 * point labelled with its value, an optional target drawn as a red horizontal line, and the
 * legend below the plot.
 */
export function lineChart(
  title: string,
  unit: string,
  xLabels: readonly string[],
  series: readonly Series[],
  target?: { readonly value: number; readonly label: string },
): string {
  const width = 720;
  const top = 40;
  const plotHeight = 220;
  const left = 70;
  const right = 60;
  const legend = [
    ...series.map((line) => ({ label: line.label, colour: line.colour, dash: line.dashed ? '6 4' : '' })),
    ...(target ? [{ label: target.label, colour: COLOURS.target, dash: '2 3' }] : []),
  ];
  const perRow = 3;
  const legendTop = top + plotHeight + 34;
  const height = legendTop + Math.ceil(legend.length / perRow) * 18 + 16;
  const values = series
    .flatMap((line) => line.values)
    .concat(target ? [target.value] : [])
    .filter((value): value is number => value !== undefined && Number.isFinite(value) && value > 0);
  const floor = Math.floor(Math.log10(Math.min(...values)));
  const ceiling = Math.ceil(Math.log10(Math.max(...values)));
  const span = ceiling - floor || 1;
  const y = (value: number) => top + plotHeight - ((Math.log10(value) - floor) / span) * plotHeight;
  const step = (width - left - right) / Math.max(xLabels.length - 1, 1);
  const x = (i: number) => left + i * step;
  const grid = Array.from({ length: span + 1 }, (_, i) => 10 ** (floor + i)).map(
    (value) =>
      `<line x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e7eb"/><text x="${left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#6b7280">${formatValue(value)}</text>`,
  );
  const ticks = xLabels.map(
    (label, i) =>
      `<text x="${x(i).toFixed(1)}" y="${top + plotHeight + 18}" text-anchor="middle" font-size="11">${escapeXml(label)}</text>`,
  );
  const lines = series.map((line) => {
    const points = line.values
      .map((value, i) =>
        value !== undefined && Number.isFinite(value) && value > 0 ? { i, value } : undefined,
      )
      .filter((point) => point !== undefined);
    const path = points.map((point) => `${x(point.i).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ');
    const dash = line.dashed ? ' stroke-dasharray="6 4"' : '';
    const dots = points
      .map(
        (point) =>
          `<circle cx="${x(point.i).toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="3" fill="${line.colour}"/><text x="${(x(point.i) + 5).toFixed(1)}" y="${(y(point.value) - 6).toFixed(1)}" font-size="10" fill="${line.colour}">${formatValue(point.value)}</text>`,
      )
      .join('');
    return `<polyline points="${path}" fill="none" stroke="${line.colour}" stroke-width="2"${dash}/>${dots}`;
  });
  const targetLine = target
    ? `<line x1="${left}" x2="${width - right}" y1="${y(target.value).toFixed(1)}" y2="${y(target.value).toFixed(1)}" stroke="${COLOURS.target}" stroke-dasharray="2 3"/>`
    : '';
  const keys = legend.map((item, i) => {
    const kx = left + (i % perRow) * ((width - left) / perRow);
    const ky = legendTop + Math.floor(i / perRow) * 18;
    const dash = item.dash ? ` stroke-dasharray="${item.dash}"` : '';
    return `<line x1="${kx}" x2="${kx + 20}" y1="${ky}" y2="${ky}" stroke="${item.colour}" stroke-width="2"${dash}/><text x="${kx + 26}" y="${ky + 4}" font-size="11">${escapeXml(item.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>
${grid.join('\n')}
${ticks.join('\n')}
${targetLine}
${lines.join('\n')}
${keys.join('\n')}
<text x="${width - 12}" y="${height - 4}" text-anchor="end" font-size="10" fill="#6b7280">log scale, ${escapeXml(unit)}</text>
</svg>
`;
}

/** Several charts one above the other, as one picture. */
export function stackCharts(charts: readonly string[]): string {
  let y = 0;
  const parts = charts.map((chart) => {
    const height = Number(/height="(\d+)"/.exec(chart)?.[1] ?? 0);
    const placed = chart.replace('<svg ', `<svg y="${y}" `);
    y += height;
    return placed;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${y}">\n${parts.join('')}</svg>\n`;
}

/** Colours of the lines of Palisade's figures, the alternatives' and the targets'. */
export const LINE_COLOURS = {
  ours: COLOURS.ours,
  oursSecondary: '#7c3aed',
  alternative: '#6b7280',
  target: COLOURS.target,
} as const;
