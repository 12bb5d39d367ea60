'use client';

import { useCallback, useEffect, useState } from 'react';
import { withKubeToken } from './kube-token.ts';
import { PolicyEditor } from './policy-editor.tsx';

const TEMPLATE = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: my-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: demo-app
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: client-one
      ports:
        - port: 80
`;

/** The editor with a policy's YAML: `?draft=` (from a flow or a suggestion), or the cluster's policies to pick. */
export function PoliciesView() {
  const [policies, setPolicies] = useState<{ name: string; yaml: string }[]>();
  const [error, setError] = useState<string>();
  const [initial, setInitial] = useState<string>();
  const [status, setStatus] = useState<string>();

  const load = useCallback(async () => {
    const body = (await (await fetch('/api/policies')).json()) as {
      policies?: { name: string; yaml: string }[];
      error?: string;
    };
    setError(body.error);
    setPolicies(body.policies ?? []);
  }, []);

  useEffect(() => {
    setInitial(new URLSearchParams(window.location.search).get('draft') ?? TEMPLATE);
    void load();
  }, [load]);

  return (
    <section className="policies-view">
      <aside className="policy-list">
        <h2>In the cluster</h2>
        <button type="button" onClick={() => setInitial(TEMPLATE)}>
          New policy
        </button>
        {error && <p role="alert">{error}</p>}
        {!policies && <p>Loading…</p>}
        {policies?.length === 0 && <p>No NetworkPolicy yet: every pod reaches every pod.</p>}
        <ul>
          {policies?.map((policy) => (
            <li key={policy.name}>
              <button type="button" className="link" onClick={() => setInitial(policy.yaml)}>
                {policy.name}
              </button>{' '}
              <button
                type="button"
                aria-label={`Delete ${policy.name}`}
                onClick={async () => {
                  const response = await fetch(`/api/policies?name=${encodeURIComponent(policy.name)}`, {
                    method: 'DELETE',
                    headers: withKubeToken(),
                  });
                  const body = (await response.json()) as { error?: string };
                  setStatus(body.error ? `Not deleted: ${body.error}` : `Deleted ${policy.name}`);
                  await load();
                }}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
        {status && <p role="status">{status}</p>}
      </aside>
      {initial !== undefined && (
        <PolicyEditor initial={initial} title="Edit, preview, apply" onApplied={load} />
      )}
    </section>
  );
}
