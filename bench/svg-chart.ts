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
