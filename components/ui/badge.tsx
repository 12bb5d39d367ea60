import type { ReactNode } from 'react';

/** Tones of a badge; the verdict ones are the same three colours everywhere. */
export type BadgeTone = 'neutral' | 'accent' | 'allow' | 'deny' | 'partial';

const TONES: Record<BadgeTone, string> = {
  neutral: 'bg-sunken text-muted border-line',
  accent: 'bg-accent-soft text-accent border-accent/30',
  allow: 'bg-allow-soft text-allow border-allow/30',
  deny: 'bg-deny-soft text-deny border-deny/30',
  partial: 'bg-partial-soft text-partial border-partial/40',
};

/** A small rounded label: a status, a count, a kind. */
export function Badge({ tone = 'neutral', children }: { tone?: BadgeTone; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full border px-2 py-px text-xs font-medium whitespace-nowrap ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}
