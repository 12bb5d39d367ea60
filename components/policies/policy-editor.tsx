'use client';

import { useEffect, useState } from 'react';
import type { Preview } from '../../server/policy/preview.ts';
import { readKubeToken, saveKubeToken, withKubeToken } from './kube-token.ts';
import { PreviewGraph } from './preview-graph.tsx';
import { type EditorProblem, YamlEditor } from './yaml-editor.tsx';
import { lineOfField } from './yaml-paths.ts';

/** The error answer of the policy routes: the message, and where in the YAML. */
interface PolicyError {
  readonly error: string;
  readonly field?: string;
  readonly document?: number;
  readonly line?: number;
}

async function post<T>(path: string, yaml: string): Promise<T | PolicyError> {
  const headers = withKubeToken({ 'content-type': 'application/yaml' });
  const response = await fetch(path, { method: 'POST', headers, body: yaml });
  return response.json();
}

const isError = (value: object): value is PolicyError => 'error' in value;

/**
 * Write a policy and see what it would do before it is enforced: Monaco with completion and the
 * policy model's own validation inline (the messages of the CLI), a preview of every pod-to-pod
 * connection it opens or closes (as a list and as a graph) and of the recent flows it would turn,
 * and Apply (all or nothing). In Kubernetes mode writes need the user's bearer token.
 */
export function PolicyEditor({
  initial,
  title,
  onApplied,
}: {
  initial: string;
  title: string;
  onApplied?: () => void;
}) {
  const [yaml, setYaml] = useState(initial);
  const [problems, setProblems] = useState<EditorProblem[]>([]);
  const [preview, setPreview] = useState<Preview | PolicyError>();
  const [status, setStatus] = useState<string>();
  const [kubernetes, setKubernetes] = useState(false);
  const [token, setToken] = useState('');
  useEffect(() => setToken(readKubeToken()), []);

  useEffect(() => setYaml(initial), [initial]);

  useEffect(() => {
    void fetch('/healthz')
      .then((response) => response.json())
      .then((health: { mode?: string }) => setKubernetes(health.mode === 'kubernetes'));
  }, []);

  // The model checks the YAML as it is typed; its first problem is marked where it is.
  useEffect(() => {
    const timer = setTimeout(async () => {
      const result = await post<{ policies: string[] }>('/api/policies/validate', yaml);
      setProblems(
        isError(result)
          ? [
              {
                line: result.line ?? lineOfField(yaml, result.document ?? 1, result.field ?? ''),
                message: result.error.replace(/^line \d+: /, ''),
              },
            ]
          : [],
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [yaml]);

  return (
    <div className="policy-editor" data-testid="policy-editor">
      <h3>{title}</h3>
      <YamlEditor value={yaml} onChange={setYaml} problems={problems} label="Policy YAML" />
      <p className="problems" role="status" data-testid="problems">
        {problems.length === 0
          ? 'Valid NetworkPolicy.'
          : `Line ${problems[0]?.line}: ${problems[0]?.message}`}
      </p>
      <div className="toolbar">
        <button type="button" onClick={async () => setPreview(await post('/api/policies/preview', yaml))}>
          Preview
        </button>
        <button
          type="button"
          onClick={async () => {
            const result = await post<{ applied: string[] }>('/api/policies', yaml);
            if (isError(result)) {
              setStatus(`Not applied: ${result.error}`);
              return;
            }
            setStatus(`Applied: ${result.applied.join(', ')}${kubernetes ? '' : ' (enforced)'}`);
            onApplied?.();
          }}
        >
          Apply
        </button>
        {kubernetes && (
          <label>
            Your Kubernetes token{' '}
            <input
              type="password"
              value={token}
              onChange={(event) => {
                setToken(event.target.value);
                saveKubeToken(event.target.value);
              }}
              placeholder="kubectl create token …"
            />
          </label>
        )}
        {status && <span role="status">{status}</span>}
      </div>
      {preview && isError(preview) && <p role="alert">{preview.error}</p>}
      {preview && !isError(preview) && (
        <div data-testid="preview">
          <ul className="preview">
            {preview.connections.length === 0 && <li>Changes no connection between pods.</li>}
            {preview.connections.map((change) => (
              <li key={`${change.from} ${change.to} ${change.port}`} className={change.change}>
                {change.change} {change.from} → {change.to} {change.port}
              </li>
            ))}
            {preview.flows.length > 0 && (
              <li>{preview.flows.length} recent flows would be judged the other way:</li>
            )}
          </ul>
          {preview.flows.length > 0 && (
            <ul className="preview" data-testid="preview-flows">
              {preview.flows.slice(0, 10).map(({ flow, change }) => (
                <li
                  key={`${flow.time} ${flow.node} ${flow.src}:${flow.sport} ${flow.dst}:${flow.dport}`}
                  className={change}
                >
                  {change === 'opens' ? 'now allowed' : 'now denied'}: {flow.src}:{flow.sport} → {flow.dst}:
                  {flow.dport} ({flow.verdict === 'allow' ? 'was allowed' : 'was denied'},{' '}
                  {new Date(flow.time).toLocaleTimeString()})
                </li>
              ))}
              {preview.flows.length > 10 && <li>…and {preview.flows.length - 10} more.</li>}
            </ul>
          )}
          {preview.connections.length > 0 && <PreviewGraph changes={preview.connections} />}
        </div>
      )}
    </div>
  );
}
