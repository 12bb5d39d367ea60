'use client';

import { useCallback, useEffect, useState } from 'react';
import { type Enforcement, enforcementWarnings } from '../../server/lab/closed-pod.ts';
import { Button } from '../ui/button.tsx';
import { EmptyState } from '../ui/empty-state.tsx';
import { TextField } from '../ui/field.tsx';
import { formatCount } from '../ui/format-count.ts';
import { Notice, Panel } from '../ui/panel.tsx';
import type { ListedPolicy } from './cluster-yaml.ts';
import { withKubeToken } from './kube-token.ts';
import { PolicyEditor } from './policy-editor.tsx';
import { PolicyEffect } from './policy-effect.tsx';

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

/**
 * The cluster's policies, each with the pods it selects and its effect on the graph, and the
 * editor: `?draft=` (from a flow or a suggestion), a policy picked from the list, or a new one.
 */
export function PoliciesView() {
  const [policies, setPolicies] = useState<ListedPolicy[]>();
  const [error, setError] = useState<string>();
  const [initial, setInitial] = useState<string>();
  const [selected, setSelected] = useState<string>();
  /** The policies the editor's YAML holds, once it has been checked (it may no longer be the one picked). */
  const [editing, setEditing] = useState<string[]>();
  const [status, setStatus] = useState<string>();
  const [find, setFind] = useState('');

  const load = useCallback(async () => {
    const body = (await (await fetch('/api/policies', { cache: 'no-store' })).json()) as {
      policies?: ListedPolicy[];
      error?: string;
    };
    setError(body.error);
    setPolicies(body.policies ?? []);
  }, []);

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    setInitial(params.get('draft') ?? TEMPLATE);
    setSelected(params.get('policy') ?? undefined);
    const namespace = params.get('namespace');
    if (namespace) setFind(`${namespace}/`);
    void load();
  }, [load]);

  const pick = (policy: ListedPolicy) => {
    setSelected(policy.name);
    setEditing(undefined);
    setInitial(policy.yaml);
    window.history.replaceState(null, '', `?policy=${encodeURIComponent(policy.name)}`);
  };
  useEffect(() => {
    const chosen = policies?.find((policy) => policy.name === selected);
    if (chosen && !new URLSearchParams(window.location.search).get('draft')) setInitial(chosen.yaml);
  }, [policies, selected]);
  // What the editor is about: the policy its YAML names (one of the cluster's, or a new one).
  const subject = editing === undefined ? selected : editing.length === 1 ? editing[0] : undefined;
  const listed = policies?.some((policy) => policy.name === subject) ?? false;
  const remove = async (policy: ListedPolicy) => {
    if (!window.confirm(`Delete ${policy.name}? The cluster enforces the change at once.`)) return;
    const response = await fetch(`/api/policies?name=${encodeURIComponent(policy.name)}`, {
      method: 'DELETE',
      headers: withKubeToken(),
    });
    const body = (await response.json()) as { error?: string } & Partial<Enforcement>;
    setStatus(
      body.error
        ? `Not deleted: ${body.error}`
        : [`Deleted ${policy.name}`, ...enforcementWarnings(body)].join('; '),
    );
    await load();
  };

  // `?namespace=` (from the overview) finds `NS/`: the list holds that namespace's policies, and says so.
  const namespace = /^[^/]+\/$/.test(find) ? find.slice(0, -1) : undefined;
  const shown = policies?.filter((policy) =>
    namespace ? policy.name.startsWith(find) : policy.name.includes(find),
  );
  const clearFind = () => {
    setFind('');
    const params = new URLSearchParams(window.location.search);
    params.delete('namespace');
    window.history.replaceState(null, '', `${window.location.pathname}${params.size ? `?${params}` : ''}`);
  };

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <Panel
        title={`In ${namespace ?? 'the cluster'}${
          policies && shown
            ? ` (${find ? `${formatCount(shown.length)} of ${formatCount(policies.length)}` : formatCount(policies.length)})`
            : ''
        }`}
        actions={
          <Button
            size="sm"
            tone="primary"
            onClick={() => {
              setSelected(undefined);
              setInitial(TEMPLATE);
              window.history.replaceState(null, '', window.location.pathname);
            }}
          >
            New policy
          </Button>
        }
        className="self-start"
      >
        {error && <Notice tone="error">{error}</Notice>}
        {!policies && <p className="text-sm text-muted">Loading…</p>}
        {policies?.length === 0 && (
          <EmptyState title="No NetworkPolicy yet">Every pod reaches every pod.</EmptyState>
        )}
        {/* Shown as long as it narrows the list, so that it can be cleared. */}
        {((policies?.length ?? 0) > 8 || find !== '') && (
          <div className="mb-2">
            <TextField
              label="Find"
              type="search"
              placeholder="ns/name"
              value={find}
              onChange={(event) => (event.target.value ? setFind(event.target.value) : clearFind())}
              className="w-full"
            />
          </div>
        )}
        {policies && policies.length > 0 && shown?.length === 0 && (
          <EmptyState title={namespace ? `No policy in ${namespace}` : `No policy matches “${find}”`}>
            <Button size="sm" tone="ghost" onClick={clearFind}>
              Show all {policies.length}
            </Button>
          </EmptyState>
        )}
        {/* A thousand policies are two thousand Tab stops: keyboard users can jump past them. */}
        {shown && shown.length > 0 && (
          <a
            href="#editor"
            className="sr-only rounded-md bg-surface px-2 py-1 text-sm focus:not-sr-only focus:mb-2 focus:inline-block"
          >
            Skip to the editor
          </a>
        )}
        <ul className="-mx-2 max-h-[70vh] overflow-auto">
          {shown?.map((policy) => {
            const slash = policy.name.indexOf('/');
            return (
              <li key={policy.name} className="flex items-start gap-0.5">
                {/* The whole name, on two lines when it is long: a line may break after its namespace. */}
                <button
                  type="button"
                  aria-current={policy.name === selected ? 'true' : undefined}
                  className={`min-w-0 flex-1 rounded-md px-2 py-1 text-left font-mono text-xs break-words ${
                    policy.name === selected
                      ? 'bg-accent-soft font-semibold text-accent'
                      : 'text-ink hover:bg-raised'
                  }`}
                  onClick={() => pick(policy)}
                >
                  {slash < 0 ? (
                    policy.name
                  ) : (
                    <>
                      {policy.name.slice(0, slash + 1)}
                      <wbr />
                      {policy.name.slice(slash + 1)}
                    </>
                  )}
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${policy.name}`}
                  title={`Delete ${policy.name}`}
                  className="shrink-0 rounded-md p-1.5 text-muted hover:bg-deny-soft hover:text-deny"
                  onClick={() => remove(policy)}
                >
                  <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
                    <path
                      d="M1.5 3h9M4.5 3V1.5h3V3M2.75 3l.6 7.5h5.3l.6-7.5M5 5v3.5M7 5v3.5"
                      fill="none"
                      stroke="currentColor"
                      strokeWidth="1.2"
                      strokeLinecap="round"
                      strokeLinejoin="round"
                    />
                  </svg>
                </button>
              </li>
            );
          })}
        </ul>
        {status && (
          <p role="status" className="mt-2 text-sm text-muted">
            {status}
          </p>
        )}
      </Panel>
      <div id="editor" tabIndex={-1} className="min-w-0 space-y-4 outline-none">
        {subject && listed && <PolicyEffect policy={subject} />}
        {initial !== undefined && (
          <PolicyEditor
            initial={initial}
            title={subject ? `${listed ? 'Edit' : 'New policy'} ${subject}` : 'Edit, preview, apply'}
            onApplied={load}
            onPolicies={setEditing}
          />
        )}
      </div>
    </div>
  );
}
