'use client';

import { useEffect, useState } from 'react';
import type { Enforcement } from '../../server/lab/closed-pod.ts';
import type { Preview } from '../../server/policy/preview.ts';
import { Badge } from '../ui/badge.tsx';
import { Button } from '../ui/button.tsx';
import { TextField } from '../ui/field.tsx';
import { formatCount } from '../ui/format-count.ts';
import { Notice, Panel } from '../ui/panel.tsx';
import { clock } from '../ui/time-axis.ts';
import { VERDICTS, VerdictIcon } from '../ui/verdict.tsx';
import { clusterYamlFor, type ListedPolicy } from './cluster-yaml.ts';
import { DiffView } from './diff-view.tsx';
import { EnforcementNotice } from './enforcement-notice.tsx';
import { readKubeToken, saveKubeToken, withKubeToken } from './kube-token.ts';
import { changesAnything, type DiffLine, lineDiff } from './line-diff.ts';
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

/** A valid rule that may not do what it seems to: where it is, and why. */
interface PolicyWarning {
  readonly document: number;
  readonly field: string;
  readonly message: string;
}

async function post<T>(path: string, yaml: string): Promise<T | PolicyError> {
  const headers = withKubeToken({ 'content-type': 'application/yaml' });
  const response = await fetch(path, { method: 'POST', headers, body: yaml });
  return response.json();
}

const isError = (value: object): value is PolicyError => 'error' in value;

async function listPolicies(): Promise<ListedPolicy[]> {
  const body = (await (await fetch('/api/policies', { cache: 'no-store' })).json()) as {
    policies?: ListedPolicy[];
  };
  return body.policies ?? [];
}

/**
 * Write a policy and see what it would do before it is enforced: Monaco with completion and the
 * policy model's own validation inline (the messages of the CLI), the diff against what the cluster
 * holds, a preview of every pod-to-pod connection it opens or closes (as a list and as a graph) and
 * of the recent flows it would turn, and Apply (all or nothing), after which the diff shows what
 * changed in the cluster. In Kubernetes mode writes need the user's bearer token.
 */
export function PolicyEditor({
  initial,
  title,
  onApplied,
  onPolicies,
}: {
  initial: string;
  title: string;
  onApplied?: () => void;
  /** Told the policies the YAML holds (`ns/name`) each time it is valid. */
  onPolicies?: (names: string[]) => void;
}) {
  const [yaml, setYaml] = useState(initial);
  const [problems, setProblems] = useState<EditorProblem[]>([]);
  /** Valid rules that may not do what they seem to, each on its line. */
  const [warnings, setWarnings] = useState<EditorProblem[]>([]);
  /** The kinds the YAML holds, as the model last read it. */
  const [kinds, setKinds] = useState<string[]>(['NetworkPolicy']);
  const [preview, setPreview] = useState<Preview | PolicyError>();
  /** What the last Apply said, of the YAML as it then was. */
  const [status, setStatus] = useState<{ ok: boolean; text: string }>();
  /** What the last Apply's answer warned of (an agent behind, pods closed). */
  const [enforcement, setEnforcement] = useState<Partial<Enforcement>>();
  const [applied, setApplied] = useState<DiffLine[]>();
  /** The request in flight, if any: its button says so, and neither can be pressed again. */
  const [busy, setBusy] = useState<'preview' | 'apply'>();
  const [listed, setListed] = useState<ListedPolicy[]>([]);
  const [kubernetes, setKubernetes] = useState(false);
  const [token, setToken] = useState('');
  useEffect(() => setToken(readKubeToken()), []);
  useEffect(() => {
    setYaml(initial);
    setApplied(undefined);
    setStatus(undefined);
    setPreview(undefined);
  }, [initial]);
  useEffect(() => {
    void listPolicies().then(setListed);
    void fetch('/healthz')
      .then((response) => response.json())
      .then((health: { mode?: string }) => setKubernetes(health.mode === 'kubernetes'));
  }, []);

  // The model checks the YAML as it is typed; its first problem is marked where it is.
  useEffect(() => {
    const timer = setTimeout(async () => {
      const result = await post<{ policies: string[]; kinds: string[]; warnings: PolicyWarning[] }>(
        '/api/policies/validate',
        yaml,
      );
      if (!isError(result)) {
        setKinds(result.kinds);
        onPolicies?.(result.policies);
      }
      setWarnings(
        isError(result)
          ? []
          : result.warnings.map((warning) => ({
              line: lineOfField(yaml, warning.document, warning.field),
              message: warning.message,
            })),
      );
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
  }, [yaml, onPolicies]);

  const before = clusterYamlFor(yaml, listed);
  const pending = lineDiff(before, yaml);
  // An edit makes the last Apply's and Preview's answers about another YAML: they go.
  const edit = (next: string) => {
    if (next === yaml) return;
    setYaml(next);
    setStatus(undefined);
    setEnforcement(undefined);
    setApplied(undefined);
    setPreview(undefined);
  };
  /** Runs `request` as the one in flight; a failure to reach the server is an error like the server's. */
  const run = async (what: 'preview' | 'apply', request: () => Promise<void>) => {
    setBusy(what);
    setStatus(undefined);
    setEnforcement(undefined);
    try {
      await request();
    } catch (failure) {
      setStatus({ ok: false, text: `Cannot reach the server: ${(failure as Error).message}` });
    } finally {
      setBusy(undefined);
    }
  };
  const apply = () =>
    run('apply', async () => {
      const result = await post<{ applied: string[] } & Partial<Enforcement>>('/api/policies', yaml);
      if (isError(result)) {
        setStatus({ ok: false, text: `Not applied: ${result.error}` });
        return;
      }
      const state = kubernetes ? '' : result.pending ? ' (not enforced everywhere yet)' : ' (enforced)';
      setStatus({ ok: !result.pending, text: `Applied: ${result.applied.join(', ')}${state}` });
      setEnforcement(result);
      const now = await listPolicies();
      setApplied(lineDiff(before, clusterYamlFor(yaml, now)));
      setListed(now);
      onApplied?.();
    });
  const showPreview = () =>
    run('preview', async () => setPreview(await post<Preview>('/api/policies/preview', yaml)));

  return (
    <Panel title={title} testId="policy-editor">
      <div className="space-y-3">
        <YamlEditor value={yaml} onChange={edit} problems={problems} label="Policy YAML" />
        <p
          className={`text-sm ${problems.length === 0 ? 'text-allow' : 'text-deny'}`}
          role="status"
          data-testid="problems"
        >
          {problems.length === 0
            ? `✓ Valid ${kinds.join(' and ')}.`
            : `✕ Line ${problems[0]?.line}: ${problems[0]?.message}`}
        </p>
        {warnings.length > 0 && (
          <ul
            className="space-y-1 rounded border border-partial/50 bg-warn-soft px-2 py-1 text-sm text-ink"
            data-testid="warnings"
          >
            {warnings.map((warning) => (
              <li key={`${warning.line}:${warning.message}`}>
                ⚠ Line {warning.line}: {warning.message}
              </li>
            ))}
          </ul>
        )}
        <div className="flex flex-wrap items-end gap-2">
          <Button onClick={showPreview} disabled={busy !== undefined}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </Button>
          <Button tone="primary" onClick={apply} disabled={busy !== undefined}>
            {busy === 'apply' ? 'Applying…' : 'Apply'}
          </Button>
          {kubernetes && (
            <TextField
              label="Your Kubernetes token"
              type="password"
              value={token}
              onChange={(event) => {
                setToken(event.target.value);
                saveKubeToken(event.target.value);
              }}
              placeholder="kubectl create token …"
            />
          )}
          {status && (
            <span role="status" className={`text-sm ${status.ok ? 'text-allow' : 'text-deny'}`}>
              {status.text}
            </span>
          )}
        </div>
        <EnforcementNotice write={enforcement} />
        {applied ? (
          <DiffView lines={applied} label="What the apply changed in the cluster" />
        ) : (
          changesAnything(pending) && (
            <DiffView
              lines={pending}
              label={before ? 'Changes to the cluster’s version' : 'New: the cluster has no such policy yet'}
            />
          )
        )}
        {preview && isError(preview) && <Notice tone="error">{preview.error}</Notice>}
        {preview && !isError(preview) && <PreviewList preview={preview} />}
      </div>
    </Panel>
  );
}

/** `Opens 3 and closes 1,200 connections`, each part only when there is some. */
function turns({ opens, closes }: Preview): string {
  const parts = [opens ? `opens ${formatCount(opens)}` : '', closes ? `closes ${formatCount(closes)}` : ''];
  const text = `${parts.filter(Boolean).join(' and ')} ${opens + closes === 1 ? 'connection' : 'connections'}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What a change opens and closes, counted, as a list and a graph, and the recent flows it turns. */
function PreviewList({ preview }: { preview: Preview }) {
  return (
    <div data-testid="preview" className="space-y-2 text-sm">
      {preview.wouldClose.length > 0 && (
        <Notice tone="warn">
          {preview.wouldClose.map((closing) => (
            <span key={`${closing.pod} ${closing.direction}`} className="block" data-testid="would-close">
              ⚠ Once applied, the agent would close {closing.pod} for {closing.direction} (all of its{' '}
              {closing.direction} dropped, what the policies allow too) rather than enforce part of its rules:{' '}
              {closing.reason}
            </span>
          ))}
        </Notice>
      )}
      {preview.opens + preview.closes > 0 && (
        <p data-testid="preview-counts">
          {turns(preview)} (a pair of pods and a port each)
          {preview.opens + preview.closes > preview.connections.length &&
            `; the first ${formatCount(preview.connections.length)}:`}
        </p>
      )}
      <ul className="space-y-1">
        {preview.connections.length === 0 && (
          <li className="text-muted">Changes no connection between pods.</li>
        )}
        {preview.connections.map((change) => (
          <li key={`${change.from} ${change.to} ${change.port}`} className="flex items-center gap-2">
            <span style={{ color: VERDICTS[change.change === 'opens' ? 'allowed' : 'denied'].colour }}>
              <VerdictIcon state={change.change === 'opens' ? 'allowed' : 'denied'} />
            </span>
            <span className="font-mono text-xs">
              <strong className="font-sans">{change.change}</strong> {change.from} → {change.to} {change.port}
            </span>
          </li>
        ))}
        {preview.opens + preview.closes > preview.connections.length && (
          <li className="text-muted">
            …and {formatCount(preview.opens + preview.closes - preview.connections.length)} more.
          </li>
        )}
      </ul>
      {preview.flows.length > 0 && (
        <>
          <p>
            <Badge tone="partial">{preview.flows.length}</Badge> recent flows would be judged the other way:
          </p>
          <ul className="space-y-0.5 font-mono text-xs" data-testid="preview-flows">
            {preview.flows.slice(0, 10).map(({ flow, change }) => (
              <li key={`${flow.time} ${flow.node} ${flow.src}:${flow.sport} ${flow.dst}:${flow.dport}`}>
                {change === 'opens' ? 'now allowed' : 'now denied'}: {flow.src}:{flow.sport} → {flow.dst}:
                {flow.dport} ({flow.verdict === 'allow' ? 'was allowed' : 'was denied'},{' '}
                {clock(flow.time, true)})
              </li>
            ))}
            {preview.flows.length > 10 && <li>…and {preview.flows.length - 10} more.</li>}
          </ul>
        </>
      )}
      {preview.connections.length > 0 && <PreviewGraph changes={preview.connections} />}
    </div>
  );
}
