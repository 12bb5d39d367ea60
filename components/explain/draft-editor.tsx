'use client';

import { useState } from 'react';

interface PreviewResult {
  readonly connections?: readonly { from: string; to: string; port: string; change: string }[];
  readonly flows?: readonly unknown[];
  readonly error?: string;
  readonly field?: string;
}

/** A policy draft to edit, preview (what it opens and closes) and apply to the lab. */
export function DraftEditor({ initial }: { initial: string }) {
  const [yaml, setYaml] = useState(initial);
  const [preview, setPreview] = useState<PreviewResult>();
  const [status, setStatus] = useState<string>();
  const send = async (path: string) =>
    (
      await fetch(path, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml })
    ).json();
  return (
    <div className="draft" data-testid="draft">
      <h3>Draft a policy that would allow this</h3>
      <textarea
        aria-label="Policy YAML"
        value={yaml}
        onChange={(event) => setYaml(event.target.value)}
        rows={16}
        spellCheck={false}
      />
      <div className="toolbar">
        <button type="button" onClick={async () => setPreview(await send('/api/policies/preview'))}>
          Preview
        </button>
        <button
          type="button"
          onClick={async () => {
            const result = await send('/api/policies');
            setStatus(
              result.error
                ? `Not applied: ${result.error}`
                : `Applied: ${result.applied.join(', ')} (enforced)`,
            );
          }}
        >
          Apply
        </button>
        {status && <span role="status">{status}</span>}
      </div>
      {preview?.error && <p role="alert">{preview.error}</p>}
      {preview?.connections && (
        <ul className="preview" data-testid="preview">
          {preview.connections.length === 0 && <li>Changes no connection between pods.</li>}
          {preview.connections.map((change) => (
            <li
              key={`${change.from} ${change.to} ${change.port}`}
              className={change.change === 'opens' ? 'opens' : 'closes'}
            >
              {change.change} {change.from} → {change.to} {change.port}
            </li>
          ))}
          {(preview.flows?.length ?? 0) > 0 && (
            <li>{preview.flows?.length} recent flows would be judged the other way.</li>
          )}
        </ul>
      )}
    </div>
  );
}
