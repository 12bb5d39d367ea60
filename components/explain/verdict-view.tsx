import type { Verdict } from '../../server/policy/evaluate.ts';
import { VerdictBadge } from '../ui/verdict.tsx';

/** A verdict and why: each side's summary and the rules that did not match. */
export function VerdictView({ verdict }: { verdict: Verdict }) {
  return (
    <div className="space-y-3 text-sm">
      <p className="flex flex-wrap items-center gap-2">
        <VerdictBadge state={verdict.allowed ? 'allowed' : 'denied'}>
          <strong>{verdict.allowed ? 'Allowed' : 'Denied'}</strong>
        </VerdictBadge>
        <span className="font-mono">
          {verdict.from} → {verdict.to} {verdict.port}/{verdict.protocol}
        </span>
      </p>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
        {[verdict.egress, verdict.ingress].map((side) => (
          <div key={side.direction} className="rounded-md border border-line bg-raised p-3">
            <h3 className="mb-1 flex items-center gap-2 text-xs font-semibold uppercase tracking-wide text-muted">
              {side.direction}
              <VerdictBadge state={side.allowed ? 'allowed' : 'denied'} />
              {side.tier !== 'None' && (
                <span className="font-normal normal-case" data-testid={`tier-${side.direction}`}>
                  {side.tier} tier
                </span>
              )}
            </h3>
            <p>{side.summary}</p>
            {side.misses.length > 0 && (
              <ul className="mt-2 list-disc space-y-0.5 pl-5 text-muted">
                {side.misses.map((miss) => (
                  <li key={`${miss.policy} ${miss.rule}`}>
                    <span className="font-medium text-ink">{miss.policy}</span>
                    {miss.rule >= 0 ? ` rule ${miss.rule}` : ''}: {miss.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Asks the server's explainer about one connection. */
export async function fetchVerdict(
  from: string,
  to: string,
  port: string,
): Promise<(Verdict & { draft: string }) | { error: string }> {
  const [number, protocol = 'TCP'] = port.split('/');
  const params = new URLSearchParams({ from, to, port: number ?? '', protocol });
  return (await fetch(`/api/explain?${params}`)).json();
}
