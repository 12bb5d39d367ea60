'use client';

import { useEffect, useState } from 'react';
import type { SourceStatus } from '../../server/sources/cluster-source.ts';
import { Notice } from './panel.tsx';

/**
 * What every page shows of where its cluster comes from, when that changes how to read it: asked
 * of `/healthz` now and every few seconds, so a lab brought up or down after the page opened shows.
 */
export function SourceNotice() {
  const [status, setStatus] = useState<SourceStatus>();
  useEffect(() => {
    const load = () =>
      fetch('/healthz', { cache: 'no-store' })
        .then((response) => response.json())
        .then((body: SourceStatus & { ok?: boolean }) => setStatus(body.ok ? body : undefined))
        .catch(() => setStatus(undefined));
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  if (status?.datapath === 'simulated')
    return (
      <Notice tone="warn">
        Simulated datapath: verdicts come from the policy model; no packet is enforced.
        {status.simulatedBecause && ` Why: ${status.simulatedBecause}.`}
      </Notice>
    );
  if (status?.mode === 'kubernetes')
    return (
      <Notice>
        Kubernetes cluster at {status.server}
        {status.readOnly ? ': read-only, policies cannot be changed from here' : ''}.
      </Notice>
    );
  return null;
}
