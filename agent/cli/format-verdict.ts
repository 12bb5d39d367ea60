import type { SideVerdict, Verdict } from '../../server/policy/evaluate.ts';

/** A verdict and its explanation, for people. */
export function formatVerdict(verdict: Verdict): string[] {
  return [
    `${verdict.from} → ${verdict.to} ${verdict.port}/${verdict.protocol}: ${verdict.allowed ? 'ALLOWED' : 'DENIED'}`,
    ...formatSide(verdict.egress),
    ...formatSide(verdict.ingress),
  ];
}

function formatSide(side: SideVerdict): string[] {
  const lines = [
    `  ${side.direction.toLowerCase()}: ${side.allowed ? 'allowed' : 'denied'} — ${side.summary}`,
  ];
  for (const miss of side.misses) {
    lines.push(`    ${miss.policy}${miss.rule >= 0 ? ` rule ${miss.rule}` : ''}: ${miss.reason}`);
  }
  return lines;
}
