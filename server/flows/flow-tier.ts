import type { Tier } from '../../agent/datapath/layout.ts';
import type { Flow } from './flow.ts';

/**
 * Every tier in a few words, for filters: `None` is what no policy decided (the pod is not
 * isolated, or the kernel decided on its own).
 */
export const TIER_CHOICES: Record<Tier, string> = {
  None: 'none',
  Admin: 'Admin tier',
  NetworkPolicy: 'NetworkPolicy',
  Baseline: 'Baseline tier',
};

/** The tier that decided a flow in a few words (the flows page, the CLI); undefined when none did. */
export function tierInWords(flow: Pick<Flow, 'tier'>): string | undefined {
  return flow.tier && flow.tier !== 'None' ? TIER_CHOICES[flow.tier] : undefined;
}
