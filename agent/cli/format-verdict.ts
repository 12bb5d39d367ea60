import type { SideVerdict, Verdict } from '../../server/policy/evaluate.ts';
import type { ServiceVerdict } from '../../server/policy/evaluate-service.ts';

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
    `  ${side.direction.toLowerCase()}: ${side.allowed ? 'allowed' : 'denied'}${side.tier === 'None' ? '' : ` (${side.tier} tier)`} — ${side.summary}`,
  ];
  for (const miss of side.misses) {
    lines.push(`    ${miss.policy}${miss.rule >= 0 ? ` rule ${miss.rule}` : ''}: ${miss.reason}`);
  }
  return lines;
}

/** A verdict through a Service's ClusterIP: egress toward it, then each backend's ingress, then the notes. */
export function formatServiceVerdict(verdict: ServiceVerdict): string[] {
  const lines = [
    `${verdict.from} → ${verdict.service} ${verdict.clusterIP}:${verdict.port}/${verdict.protocol} (targetPort ${verdict.targetPort}): ${verdict.allowed ? 'ALLOWED' : 'DENIED'}`,
    ...formatSide(verdict.egress),
  ];
  if (verdict.backends.length === 0) lines.push('  backends: none');
  for (const backend of verdict.backends) {
    lines.push(
      `  backend ${backend.pod} ${backend.ip ?? ''}:${backend.targetPort}: ${backend.allowed ? 'allowed' : 'denied'}`,
      ...formatSide(backend.ingress).map((line) => `  ${line}`),
    );
  }
  for (const note of verdict.notes) lines.push(`  note: ${note}`);
  return lines;
}
