import type { Reason } from '../../agent/datapath/layout.ts';

/**
 * The kernel's reasons other than the pod's rules, in a few words (the flows page's "decided by",
 * the CLI) and in a sentence (the explanation of a flow): what the policy model cannot say,
 * because it happened in the datapath.
 */
const REASONS_IN_WORDS: Record<Exclude<Reason, 'policy'>, { short: string; sentence: string }> = {
  node: {
    short: 'node traffic (kubelet)',
    sentence:
      'Traffic with the pod’s own node (kubelet probes, the node’s address): always allowed, whatever the policies say.',
  },
  cut: {
    short: 'cut by policy change',
    sentence:
      'A packet of a connection that a policy change cut: it stays dropped both ways until a new connection is judged again.',
  },
  icmp: {
    short: 'ICMP error of no allowed flow',
    sentence:
      'An ICMP error about no flow the pod let through (errors about allowed flows pass): dropped as the policy would drop its flow.',
  },
  fragment: {
    short: 'fragment of no allowed datagram',
    sentence: 'A later IP fragment of no datagram the pod let through: dropped.',
  },
  'deny-all': {
    short: 'direction closed (deny all)',
    sentence:
      'The direction is closed: strict mode, or the agent could not program the pod’s rules and failed closed.',
  },
};

/** Every reason with its short words, for filters: `policy` is the pod's rules (or no isolation). */
export const REASON_CHOICES: Record<Reason, string> = {
  policy: 'policy rules',
  ...Object.fromEntries(Object.entries(REASONS_IN_WORDS).map(([reason, words]) => [reason, words.short])),
} as Record<Reason, string>;

/** The kernel's reason for a flow in a few words, when it is not the pod's rules. */
export function kernelReason(flow: { readonly reason?: Reason }): string | undefined {
  return flow.reason && flow.reason !== 'policy' ? REASONS_IN_WORDS[flow.reason].short : undefined;
}

/** The kernel's reason for a flow in a sentence, when it is not the pod's rules. */
export function kernelReasonSentence(flow: { readonly reason?: Reason }): string | undefined {
  return flow.reason && flow.reason !== 'policy' ? REASONS_IN_WORDS[flow.reason].sentence : undefined;
}
