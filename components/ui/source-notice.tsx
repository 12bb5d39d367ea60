import type { SourceStatus } from '../../server/sources/cluster-source.ts';
import { Notice } from './panel.tsx';

/** What every page shows of where its cluster comes from, when that changes how to read it. */
export function SourceNotice({ status }: { status: SourceStatus }) {
  if (status.datapath === 'simulated')
    return (
      <Notice tone="warn">
        Simulated datapath: verdicts come from the policy model; no packet is enforced.
        {status.simulatedBecause && ` Why: ${status.simulatedBecause}.`}
      </Notice>
    );
  if (status.mode === 'kubernetes')
    return (
      <Notice>
        Kubernetes cluster at {status.server}
        {status.readOnly ? ': read-only, policies cannot be changed from here' : ''}.
      </Notice>
    );
  return null;
}
