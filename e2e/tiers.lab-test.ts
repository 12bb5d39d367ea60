import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ensureApiToken } from '../server/http/api-token.ts';
import { readStateObjects } from '../server/kube/state-file.ts';
import { Cluster } from '../server/policy/cluster.ts';
import { launchBrowser, root, startDashboard } from './dashboard.ts';
import { simulatedLabOf } from './simulated-lab.ts';

/**
 * The cluster tiers in the dashboard, on a simulated lab store holding the walkthrough's cluster
 * and policies and examples/tiers' ClusterNetworkPolicies (no namespaces or packets): explanations
 * name the deciding tier and rule, graph nodes list their cluster policies, and the editor
 * validates, completes, previews and applies a ClusterNetworkPolicy, and deletes it again.
 */
const PORT = 3921;
const base = `http://127.0.0.1:${PORT}`;
const objects = readStateObjects([
  `${root}examples/walkthrough/cluster.yaml`,
  `${root}examples/walkthrough/policies`,
  `${root}examples/tiers`,
]);
const lab = simulatedLabOf(Cluster.of(objects), objects);
let server: ChildProcess;
let browser: Browser;
let token: string;

before(async () => {
  token = ensureApiToken(join(lab.dataDir, 'api-token'));
  server = await startDashboard(PORT, { PALISADE_LAB_DIR: lab.labDir, PALISADE_DATA_DIR: lab.dataDir });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.kill();
});

test('explanations name the deciding tier and rule; a pod’s node lists its cluster policies', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/graph`);
  await page.locator('.react-flow__node.pod').first().waitFor({ timeout: 15_000 });
  const whatIf = page.getByTestId('what-if');
  await whatIf.locator('summary').click();
  await whatIf.getByLabel('From').fill('another-ns/another-client-one');
  await whatIf.getByLabel('To').fill('default/demo-app');
  await whatIf.getByRole('button', { name: 'Ask' }).click();
  await whatIf.getByTestId('tier-Egress').waitFor();
  assert.equal(await whatIf.getByTestId('tier-Egress').innerText(), 'Admin tier');
  assert.match(
    await whatIf.innerText(),
    /egress denied in the Admin tier by ClusterNetworkPolicy isolate-another-ns \(priority 10\) egress rule 0 "no-default" \(Deny\)/,
  );
  assert.equal(await whatIf.getByTestId('tier-Ingress').innerText(), 'NetworkPolicy tier');
  // The Baseline tier decides for kube-system, which no NetworkPolicy isolates.
  await whatIf.getByLabel('From').fill('default/client-one');
  await whatIf.getByLabel('To').fill('kube-system/coredns');
  await whatIf.getByLabel('Port').fill('53/UDP');
  await whatIf.getByRole('button', { name: 'Ask' }).click();
  await whatIf
    .getByText(/ingress allowed in the Baseline tier by ClusterNetworkPolicy dns-for-everyone/)
    .waitFor();
  // coredns's node: its cluster policies, in evaluation order.
  await page.locator('.react-flow__node.pod', { hasText: 'coredns' }).click();
  const details = page.getByTestId('pod-details');
  await details.waitFor();
  assert.match(
    await details.innerText(),
    /Cluster policies\s*Baseline 10 dns-for-everyone\s*Baseline 20 kube-system-closed/,
  );
});

test('the editor validates, completes, previews and applies a ClusterNetworkPolicy', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/?token=${token}`);
  const draft = `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata:
  name: close-demo-app
spec:
  tier: Admin
  priority: 2000
  subject:
    pods:
      namespaceSelector: {}
      podSelector: {matchLabels: {app: demo-app}}
  ingress:
  - name: nobody
    action: Deny
    from:
    - namespaces: {}
`;
  await page.goto(`${base}/policies?draft=${encodeURIComponent(draft)}`);
  const editor = page.getByTestId('policy-editor');
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  const problems = editor.getByTestId('problems');
  await problems.getByText(/✕ Line 7: .*spec\.priority: must be between 0 and 1000, got 2000/).waitFor();
  await page.goto(`${base}/policies?draft=${encodeURIComponent(draft.replace('2000', '5'))}`);
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  await problems.getByText('✓ Valid ClusterNetworkPolicy.').waitFor();
  // An Accept before a Deny reads as ordered, but the Deny wins where both match: a warning says so.
  const ordered = `${draft.replace('2000', '5')}  - name: everyone-else
    action: Deny
    from:
    - namespaces: {}
`.replace(
    'action: Deny\n    from:\n    - namespaces: {}\n  - name: everyone-else',
    'action: Accept\n    from:\n    - namespaces: {}\n  - name: everyone-else',
  );
  await page.goto(`${base}/policies?draft=${encodeURIComponent(ordered)}`);
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  await editor
    .getByTestId('warnings')
    .getByText(/Line 13: ingress rule 0 \(Accept\) comes before rule 1 \(Deny\), but rule order is not kept/)
    .waitFor();
  await page.goto(`${base}/policies?draft=${encodeURIComponent(draft.replace('2000', '5'))}`);
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  assert.equal(await editor.getByTestId('warnings').count(), 0, 'no warning for a policy of one rule');
  // Completion knows the kind: inside spec, a cluster policy's fields.
  await editor.locator('.monaco-editor').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('  ');
  await page.keyboard.press('Control+Space');
  const suggestions = page.locator('.suggest-widget');
  await suggestions.getByText('egress', { exact: true }).waitFor();
  assert.match(await suggestions.innerText(), /tier/);
  await page.keyboard.press('Escape');
  await page.goto(`${base}/policies?draft=${encodeURIComponent(draft.replace('2000', '5'))}`);
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  await editor.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await preview.waitFor();
  // client-one reached demo-app through its NetworkPolicy; the Admin Deny comes first.
  assert.match(await preview.innerText(), /closes default\/client-one → default\/demo-app 80\/TCP/);
  await editor.getByRole('button', { name: 'Apply' }).click();
  await editor.getByText(/Applied: ClusterNetworkPolicy close-demo-app/).waitFor({ timeout: 20_000 });
  const clusterPolicies = async () =>
    ((await (await fetch(`${base}/api/policies`)).json()).policies as { name: string }[])
      .map((policy) => policy.name)
      .filter((name) => !name.includes('/'));
  assert.deepEqual(await clusterPolicies(), [
    'close-demo-app',
    'isolate-another-ns',
    'dns-for-everyone',
    'kube-system-closed',
  ]);
  const deleted = await fetch(`${base}/api/policies?name=close-demo-app`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}`, origin: base },
  });
  assert.equal(deleted.status, 200, await deleted.text());
  assert.deepEqual(await clusterPolicies(), ['isolate-another-ns', 'dns-for-everyone', 'kube-system-closed']);
});
