'use client';

import { useState } from 'react';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { fetchVerdict, VerdictView } from './verdict-view.tsx';

/** "What if": a source, a destination and a port, answered by the policy model with its reasons. */
export function WhatIf({ pods }: { pods: readonly string[] }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [port, setPort] = useState('80/TCP');
  const [answer, setAnswer] = useState<Verdict | { error: string }>();
  return (
    <details className="what-if" data-testid="what-if">
      <summary>What if…</summary>
      <form
        className="toolbar"
        onSubmit={async (event) => {
          event.preventDefault();
          setAnswer(await fetchVerdict(from, to, port));
        }}
      >
        <label>
          From{' '}
          <input
            list="what-if-pods"
            value={from}
            onChange={(event) => setFrom(event.target.value)}
            placeholder="ns/pod or IP"
          />
        </label>
        <label>
          To{' '}
          <input
            list="what-if-pods"
            value={to}
            onChange={(event) => setTo(event.target.value)}
            placeholder="ns/pod or IP"
          />
        </label>
        <label>
          Port <input size={8} value={port} onChange={(event) => setPort(event.target.value)} />
        </label>
        <button type="submit">Ask</button>
        <datalist id="what-if-pods">
          {pods.map((pod) => (
            <option key={pod} value={pod} />
          ))}
        </datalist>
      </form>
      {answer && 'error' in answer && <p role="alert">{answer.error}</p>}
      {answer && 'egress' in answer && <VerdictView verdict={answer} />}
    </details>
  );
}
