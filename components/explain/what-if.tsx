'use client';

import { useState } from 'react';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { Button } from '../ui/button.tsx';
import { TextField } from '../ui/field.tsx';
import { Notice } from '../ui/panel.tsx';
import { fetchVerdict, VerdictView } from './verdict-view.tsx';

/** "What if": a source, a destination and a port, answered by the policy model with its reasons. */
export function WhatIf({ pods }: { pods: readonly string[] }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [port, setPort] = useState('80/TCP');
  const [answer, setAnswer] = useState<Verdict | { error: string }>();
  return (
    <details className="rounded-lg border border-line bg-surface" data-testid="what-if">
      <summary className="cursor-pointer px-4 py-2 text-sm font-medium">What if…</summary>
      <div className="space-y-3 border-t border-line p-4">
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={async (event) => {
            event.preventDefault();
            setAnswer(await fetchVerdict(from, to, port));
          }}
        >
          <TextField
            label="From"
            list="what-if-pods"
            value={from}
            onChange={(event) => setFrom(event.target.value)}
            placeholder="ns/pod or IP"
          />
          <TextField
            label="To"
            list="what-if-pods"
            value={to}
            onChange={(event) => setTo(event.target.value)}
            placeholder="ns/pod or IP"
          />
          <TextField label="Port" size={8} value={port} onChange={(event) => setPort(event.target.value)} />
          <Button type="submit" tone="primary">
            Ask
          </Button>
          <datalist id="what-if-pods">
            {pods.map((pod) => (
              <option key={pod} value={pod} />
            ))}
          </datalist>
        </form>
        {answer && 'error' in answer && <Notice tone="error">{answer.error}</Notice>}
        {answer && 'egress' in answer && <VerdictView verdict={answer} />}
      </div>
    </details>
  );
}
