'use client';

import { useEffect, useRef, useState } from 'react';
import type { Flow } from '../../server/flows/flow.ts';
import { protocolOfNumber } from '../../server/kube/protocol.ts';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { fetchVerdict, VerdictView } from '../explain/verdict-view.tsx';
import { PolicyEditor } from '../policies/policy-editor.tsx';

const KEEP = 2000;

/** Live flow verdicts (server-sent events), newest first, with why a flow was denied. */
export function FlowTable() {
  const [flows, setFlows] = useState<Flow[]>([]);
  const [dropped, setDropped] = useState(0);
  const [verdict, setVerdict] = useState<'all' | 'allow' | 'deny'>('all');
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState<Flow>();
  const [explanation, setExplanation] = useState<(Verdict & { draft: string }) | { error: string }>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    void fetch('/api/flows?limit=500')
      .then((response) => response.json())
      .then((body: { flows: Flow[] }) => setFlows((current) => [...current, ...body.flows].slice(0, KEEP)));
    const source = new EventSource('/api/flows/stream');
    source.onmessage = (event) => {
      if (pausedRef.current) return;
      const message = JSON.parse(event.data) as { flows: Flow[]; dropped: number };
      setDropped(message.dropped);
      setFlows((current) => [...message.flows.reverse(), ...current].slice(0, KEEP));
    };
    return () => source.close();
  }, []);

  useEffect(() => {
    if (!selected) return;
    setExplanation(undefined);
    void fetchVerdict(
      selected.src,
      selected.dst,
      `${selected.dport}/${protocolOfNumber(selected.protocol) ?? 'TCP'}`,
    ).then(setExplanation);
  }, [selected]);

  const shown = flows.filter((flow) => verdict === 'all' || flow.verdict === verdict);
  return (
    <section className="flows-view">
      <div className="toolbar">
        <label>
          Verdict{' '}
          <select value={verdict} onChange={(event) => setVerdict(event.target.value as typeof verdict)}>
            <option value="all">all</option>
            <option value="deny">denied</option>
            <option value="allow">allowed</option>
          </select>
        </label>
        <button type="button" onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span>
          {shown.length} flows{dropped > 0 ? `, ${dropped} not shown (the page fell behind)` : ''}
        </span>
      </div>
      {shown.length === 0 ? (
        <p>
          No flows yet. Send some:{' '}
          <code>palisade lab exec default/client-one -- curl --max-time 3 demo-app</code>
        </p>
      ) : (
        <table className="flows" data-testid="flows">
          <thead>
            <tr>
              <th>time</th>
              <th>pod</th>
              <th>direction</th>
              <th>verdict</th>
              <th>source</th>
              <th>destination</th>
              <th>policy</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, 500).map((flow) => (
              <tr
                key={`${flow.time} ${flow.node} ${flow.direction} ${flow.src}:${flow.sport} ${flow.dst}:${flow.dport}`}
                className={`flow-${flow.verdict}${flow === selected ? ' selected' : ''}`}
                onClick={() => setSelected(flow)}
                onKeyDown={(event) => event.key === 'Enter' && setSelected(flow)}
                tabIndex={0}
              >
                <td>{new Date(flow.time).toLocaleTimeString()}</td>
                <td>{flow.pod ?? '?'}</td>
                <td>{flow.direction}</td>
                <td>{flow.verdict}</td>
                <td>
                  {flow.src}:{flow.sport}
                </td>
                <td>
                  {flow.dst}:{flow.dport}/{protocolOfNumber(flow.protocol) ?? flow.protocol}
                </td>
                <td>{flow.policy ?? (flow.verdict === 'allow' ? 'not isolated' : '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && (
        <aside className="explanation" data-testid="explanation">
          <h2>
            {selected.src} → {selected.dst}:{selected.dport}
          </h2>
          {!explanation && <p>Asking the policy model…</p>}
          {explanation && 'error' in explanation && <p role="alert">{explanation.error}</p>}
          {explanation && 'egress' in explanation && <VerdictView verdict={explanation} />}
          {explanation && 'draft' in explanation && explanation.draft && (
            <PolicyEditor
              key={explanation.draft}
              initial={explanation.draft}
              title="Draft a policy that would allow this"
            />
          )}
        </aside>
      )}
    </section>
  );
}
