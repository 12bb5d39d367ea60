import { type Enforcement, enforcementWarnings } from '../../server/lab/closed-pod.ts';
import { Notice } from '../ui/panel.tsx';

/** What a write's answer warns of: an agent that has not caught up, and the pods agents closed. */
export function EnforcementNotice({ write }: { write: Partial<Enforcement> | undefined }) {
  const warnings = write ? enforcementWarnings(write) : [];
  if (warnings.length === 0) return null;
  return (
    <Notice tone="warn">
      {warnings.map((warning) => (
        <span key={warning} className="block" data-testid="enforcement-warning">
          ⚠ {warning}
        </span>
      ))}
    </Notice>
  );
}
