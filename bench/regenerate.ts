import { readFileSync } from 'node:fs';
import { type ControllerFigures, controllerChart, controllerMarkdown } from './controller-report.ts';
import { type EnforcementFigures, enforcementChart, enforcementMarkdown } from './enforcement-report.ts';
import { type EventsFigures, eventsChart, eventsMarkdown } from './events-report.ts';
import { type PacketFigures, packetChart, packetMarkdown } from './packet-report.ts';
import { writeResults } from './report.ts';

/**
 * `node bench/regenerate.ts [NAME…]`: writes a benchmark's chart, table and README section again
 * from its results JSON as the last run left it, without running it (after a change to how
 * results are shown). Without names, every benchmark that has a report module.
 */
const reports = {
  packet: (figures: PacketFigures) => [packetChart(figures), packetMarkdown(figures)],
  events: (figures: EventsFigures) => [eventsChart(figures), eventsMarkdown(figures)],
  enforcement: (figures: EnforcementFigures) => [enforcementChart(figures), enforcementMarkdown(figures)],
  controller: (figures: ControllerFigures) => [controllerChart(figures), controllerMarkdown(figures)],
} as const;

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : Object.keys(reports)) {
  if (!(name in reports)) throw new Error(`no report for ${name}: one of ${Object.keys(reports).join(', ')}`);
  const figures = JSON.parse(readFileSync(new URL(`results/${name}.json`, import.meta.url), 'utf8'));
  const [chart = '', markdown = ''] = reports[name as keyof typeof reports](figures);
  writeResults(name, figures, chart, markdown);
}
