import type { Verdict } from '../../server/policy/evaluate.ts';

/** A verdict and why: each side's summary and the rules that did not match. */
export function VerdictView({ verdict }: { verdict: Verdict }) {
  return (
    <>
      <p>
        <strong>{verdict.allowed ? 'Allowed' : 'Denied'}</strong>: {verdict.from} → {verdict.to}{' '}
        {verdict.port}/{verdict.protocol}
      </p>
      {[verdict.egress, verdict.ingress].map((side) => (
        <div key={side.direction}>
          <h3>{side.direction}</h3>
          <p>{side.summary}</p>
          <ul>
            {side.misses.map((miss) => (
              <li key={`${miss.policy} ${miss.rule}`}>
                {miss.policy}
                {miss.rule >= 0 ? ` rule ${miss.rule}` : ''}: {miss.reason}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </>
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
