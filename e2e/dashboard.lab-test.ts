import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { labApply, labPod, labProbe, probeFrom } from '../agent/lab/lab.ts';
import { nodeNetnsPath } from '../agent/lab/names.ts';
import { chatter, startLab, stopLab } from '../agent/lab/testing-lab.ts';
import { WALKTHROUGH } from '../examples/walkthrough/steps.ts';
import { ensureApiToken } from '../server/http/api-token.ts';
import { launchBrowser, policies, root, screenshotThemes, startDashboard } from './dashboard.ts';

const PORT = 3918;
let server: ChildProcess;
let browser: Browser;
/** The API token that writes need, as `npm start` prints it; a page signs in with `/?token=…`. */
let token: string;

before(async () => {
  // The lab's agents send their flows to this dashboard, as with npm start.
  process.env.PALISADE_INGEST_URL = `http://127.0.0.1:${PORT}/api/ingest`;
  await startLab();
  const data = mkdtempSync(join(tmpdir(), 'palisade-e2e-'));
  token = ensureApiToken(join(data, 'api-token'));
  server = await startDashboard(PORT, { PALISADE_DATA_DIR: data });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.kill();
  await stopLab();
});

test('the graph shows the lab’s pods, and a policy applied elsewhere turns its edge red without a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The graph's old address (the home page, with its filters) leads to it.
  await page.goto(`http://127.0.0.1:${PORT}/?group=pod`);
  await page.waitForURL(/\/graph\?level=pod$/);
  await page.goto(`http://127.0.0.1:${PORT}/graph`);
  const pods = page.locator('.react-flow__node.pod');
  await pods.first().waitFor({ timeout: 15000 });
  assert.deepEqual((await pods.allInnerTexts()).map((text) => text.split('\n')[0]).sort(), [
    'another-client-one',
    'client-one',
    'coredns',
    'demo-app',
  ]);
  const denied = page.locator('.react-flow__edge.edge-denied');
  assert.equal(await denied.count(), 0, 'no policy: nothing denied');
  await labApply([
    `${policies}01-deny-all-ingress.yaml`,
    `${policies}03-allow-ingress-from-samens-client-one.yaml`,
  ]);
  const started = Date.now();
  await denied.first().waitFor({ timeout: 5000 });
  assert.ok(Date.now() - started < 2500, 'the graph followed within the refresh');
  assert.equal(await denied.count(), 2, 'another-client-one and coredns may no longer reach demo-app');
  assert.match(
    await page.locator('.react-flow__node.pod-isolated').innerText(),
    /demo-app[\s\S]*isolated: ingress/,
  );
  // The Services switch draws each Service beside its backends, linked to them.
  const servicesSwitch = page.getByLabel('Services', { exact: true });
  await servicesSwitch.check();
  const services = page.locator('.react-flow__node-service');
  await services.first().waitFor({ timeout: 5000 });
  assert.deepEqual((await services.allInnerTexts()).map((text) => text.split('\n')[0]).sort(), [
    'svc demo-app',
    'svc kube-dns',
  ]);
  assert.equal(await page.locator('.react-flow__edge.edge-service').count(), 2);
  await servicesSwitch.uncheck();
  await screenshotThemes(page, 'graph', 'the graph');
  // An edge explains itself (reached by the keyboard): the denied one names the policy that isolates demo-app.
  await denied.first().focus();
  await page.keyboard.press('Enter');
  const details = page.getByTestId('edge-details');
  await details.getByText('Denied', { exact: true }).waitFor({ timeout: 5000 });
  assert.match(
    await details.innerText(),
    /isolated for ingress by default\/demo-app-allow-samens-client-one, default\/demo-app-deny-all/,
  );
  // What if: the model answers a connection typed in, with its reasons.
  const whatIf = page.getByTestId('what-if');
  await whatIf.locator('summary').click();
  await whatIf.getByLabel('From').fill('another-ns/another-client-one');
  await whatIf.getByLabel('To').fill('default/demo-app');
  await whatIf.getByRole('button', { name: 'Ask' }).click();
  await whatIf.getByText('Denied', { exact: true }).waitFor();
  // Filters narrow the view, live in the URL, and survive a reload.
  await page.getByLabel('Denied only').check();
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 2);
  assert.match(page.url(), /deniedOnly=1/);
  await page.getByLabel('Pod', { exact: true }).fill('coredns');
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 1);
  await page.reload();
  await page.locator('.react-flow__edge.edge-denied').first().waitFor();
  assert.equal(await page.locator('.react-flow__edge').count(), 1);
  const shown = await page.locator('.react-flow__node.pod').allInnerTexts();
  assert.deepEqual(shown.map((text) => text.split('\n')[0]).sort(), ['coredns', 'demo-app']);
});

test('a denied flow appears live on the flows page, and opening it says which policy denied it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/flows?token=${token}`);
  assert.equal(page.url(), `http://127.0.0.1:${PORT}/flows`, 'signed in, and the token left the address');
  await page
    .getByText(/No flows yet|flows/)
    .first()
    .waitFor();
  await page.getByLabel('Verdict').selectOption('deny');
  await labProbe(
    'another-ns/another-client-one',
    [{ host: labPod('default/demo-app').ip, port: 80, protocol: 'TCP' }],
    300,
  );
  const row = page.locator('tr.flow-deny', { hasText: 'default/demo-app' }).first();
  await row.waitFor({ timeout: 10_000 });
  assert.match(
    await row.innerText(),
    /10\.77\.1\.11:\d+\s+10\.77\.1\.10:80\/TCP\s+another-ns\/another-client-one/,
  );
  await row.click();
  const explanation = page.getByTestId('explanation');
  await explanation.getByText('Denied', { exact: true }).waitFor();
  assert.match(
    await explanation.innerText(),
    /isolated for ingress by default\/demo-app-allow-samens-client-one, default\/demo-app-deny-all/,
  );
  assert.match(await explanation.innerText(), /another-ns\/another-client-one matches none of its peers/);
  // The table says which tier and policies decided the denial; repeats fold into one row with a count.
  assert.match(
    await row.innerText(),
    /NetworkPolicy\s+default deny: isolated by default\/demo-app-allow-samens-client-one, default\/demo-app-deny-all/,
  );
  // Paused, the table holds still; on Resume it catches up with the flows that came meanwhile.
  await page.getByRole('button', { name: 'Pause' }).click();
  const pausedAt = Date.now();
  const held = await page.getByTestId('flow-count').innerText();
  await labProbe(
    'another-ns/another-client-one',
    [{ host: labPod('default/demo-app').ip, port: 80, protocol: 'TCP' }],
    300,
  );
  let meanwhile: { sport: number } | undefined;
  while (!meanwhile) {
    const stored = (await (
      await fetch(`http://127.0.0.1:${PORT}/api/flows?verdict=deny&since=${pausedAt}`)
    ).json()) as { flows: { sport: number }[] };
    meanwhile = stored.flows[0];
    assert.ok(meanwhile || Date.now() - pausedAt < 10_000, 'the flow reached the server while paused');
    await page.waitForTimeout(200);
  }
  await page.waitForTimeout(1500);
  assert.equal(await page.getByTestId('flow-count').innerText(), held, 'paused: no row comes');
  await page.getByRole('button', { name: 'Resume' }).click();
  await page
    .locator('tr.flow-deny', { hasText: `10.77.1.11:${meanwhile.sport}` })
    .first()
    .waitFor({ timeout: 10_000 });
  // An edge that carried traffic keeps its verdict's dash pattern, as the legend draws it; a halo,
  // not a dash, says it carried traffic.
  await labProbe(
    'default/client-one',
    [{ host: labPod('default/demo-app').ip, port: 80, protocol: 'TCP' }],
    600,
  );
  const graph = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await graph.goto(`http://127.0.0.1:${PORT}/graph`);
  const edgePath = (from: string, to: string) =>
    graph.getByTestId(`rf__edge-${from} ${to}`).locator('path.react-flow__edge-path');
  const deniedSeen = graph.locator('.react-flow__edge.edge-denied.edge-traffic');
  const allowedSeen = graph.locator('.react-flow__edge.edge-allowed.edge-traffic');
  await deniedSeen.first().waitFor({ timeout: 10_000 });
  await allowedSeen.first().waitFor({ timeout: 10_000 });
  const dashOf = (from: string, to: string) =>
    edgePath(from, to).evaluate((path) => getComputedStyle(path).strokeDasharray);
  assert.equal(
    await dashOf('another-ns/another-client-one', 'default/demo-app'),
    '6px, 4px',
    'denied: dashed',
  );
  assert.equal(await dashOf('default/client-one', 'default/demo-app'), 'none', 'allowed: solid');
  assert.equal(await graph.locator('.react-flow__edge.animated').count(), 0);
  assert.equal(
    await graph.locator('.edge-traffic .edge-traffic-halo').count(),
    await graph.locator('.edge-traffic').count(),
  );
  await graph.getByLabel('Legend').getByText('halo: carried traffic').waitFor();
  await screenshotThemes(graph, 'graph-traffic', 'the graph with traffic');
  await graph.close();
  // Two more tries of the same connection: with repeats grouped, one row counts them.
  for (let i = 0; i < 2; i++)
    await labProbe(
      'another-ns/another-client-one',
      [{ host: labPod('default/demo-app').ip, port: 80, protocol: 'TCP' }],
      300,
    );
  await page.getByLabel('Group repeats').check();
  await page
    .locator('tr.flow-deny', { hasText: /×([3-9]|\d{2,})/ })
    .first()
    .waitFor({ timeout: 10_000 });
  assert.match(await page.getByTestId('flow-count').innerText(), /^([3-9]|\d{2,}) flows in 1 group$/);
  await screenshotThemes(page, 'flows', 'the flows');
  // Draft the allowing policy, preview it, apply it: the connection works.
  const draft = page.getByTestId('policy-editor');
  await draft.locator('.monaco-editor').waitFor();
  await draft.getByText('Valid NetworkPolicy.').waitFor();
  await draft.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await preview.getByText('opens another-ns/another-client-one → default/demo-app 80/TCP').waitFor();
  assert.doesNotMatch(await preview.innerText(), /closes/);
  assert.match(await draft.getByTestId('diff').innerText(), /New: the cluster has no such policy yet/);
  await screenshotThemes(page, 'draft-preview', 'a draft’s preview');
  await draft.getByRole('button', { name: 'Apply' }).click();
  await draft
    .getByText(/Applied: NetworkPolicy default\/allow-another-ns-another-client-one-to-demo-app-80/)
    .waitFor({ timeout: 20_000 });
  // What the apply changed in the cluster, line by line.
  const diff = draft.getByTestId('diff');
  await diff.getByText('What the apply changed in the cluster').waitFor();
  assert.match(await diff.innerText(), /added:\s+name: allow-another-ns-another-client-one-to-demo-app-80/);
  const [after] = await labProbe(
    'another-ns/another-client-one',
    [{ host: labPod('default/demo-app').ip, port: 80, protocol: 'TCP' }],
    600,
  );
  assert.equal(after?.connected, true);
});

test('the nodes page shows each agent healthy, with the programs attached to each pod', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/nodes`);
  const node = page.getByTestId('node-lab-node-1');
  await node.getByText('healthy', { exact: true }).waitFor({ timeout: 10_000 });
  const text = await node.innerText();
  assert.match(text, /Datapath: eBPF/);
  assert.match(text, /lost events 0/);
  assert.match(text, /denied packets \d+/);
  assert.match(text, /default\/demo-app\s+\d+\s+\d+\s+\d+\.\d{3}%/, 'programs and map fill, from the agent');
  await screenshotThemes(page, 'nodes', 'the nodes');
  // The overview: the policy, the denied flows of the tests before, both agents healthy.
  await page.goto(`http://127.0.0.1:${PORT}/`);
  const figures = page.getByTestId('overview-figures');
  await figures.getByText('2 / 2', { exact: true }).waitFor({ timeout: 10_000 });
  const overview = await figures.innerText();
  assert.match(overview, /NETWORK POLICIES\s+3\b/i);
  assert.match(overview, /DENIED FLOWS, LAST HOUR\s+✕?\s*[1-9]/i);
  await page.getByText('another-ns/another-client-one').first().waitFor();
  await screenshotThemes(page, 'overview', 'the overview');
  const metrics = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  assert.match(
    metrics,
    /^palisade_ingest_flows_total [1-9]\d*$/m,
    'the agents deliver their flows to the server',
  );
  assert.match(metrics, /^palisade_stored_flows [1-9]\d*$/m);
});

test('every page fits a phone (390 px wide): only wide tables scroll sideways, inside their panels', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  for (const [path, ready] of [
    ['/', 'overview-figures'],
    ['/nodes', 'node-lab-node-1'],
    ['/graph', 'graph'],
    ['/flows', 'flows'],
    ['/policies', 'policy-editor'],
  ] as const) {
    await page.goto(`http://127.0.0.1:${PORT}${path}`);
    await page.getByTestId(ready).first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(
      (widths[0] ?? 0) <= (widths[1] ?? 0),
      `${path} is ${widths[0]} px wide in a ${widths[1]} px window`,
    );
  }
  await page.close();
});

/** Runs one of the article's commands in a lab pod, as a user would: `palisade lab exec`. */
function labExec(pod: string, command: string): boolean {
  return spawnSync(`${root}bin/palisade`, ['lab', 'exec', pod, '--', ...command.split(' ')]).status === 0;
}

test('the article’s walkthrough through the policy editor: apply, the graph follows, real packets agree', async () => {
  const api = `http://127.0.0.1:${PORT}/api`;
  await labApply([], { replacePolicies: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://127.0.0.1:${PORT}/?token=${token}`);
  for (const [index, step] of WALKTHROUGH.entries()) {
    if (step.policy) {
      const yaml = readFileSync(`${policies}${step.policy}`, 'utf8');
      await page.goto(`http://127.0.0.1:${PORT}/policies?draft=${encodeURIComponent(yaml)}`);
      const editor = page.getByTestId('policy-editor');
      await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
      await editor.getByText('Valid NetworkPolicy.').waitFor();
      await editor.getByRole('button', { name: 'Preview' }).click();
      await page.getByTestId('preview').waitFor();
      if (index === 1) await screenshotThemes(page, 'editor-preview', 'the editor’s preview');
      await editor.getByRole('button', { name: 'Apply' }).click();
      await editor.getByText(/Applied: NetworkPolicy .* \(enforced\)/).waitFor({ timeout: 20_000 });
    }
    await page.goto(`http://127.0.0.1:${PORT}/graph`);
    for (const check of step.checks) {
      // The edge's colour agrees with the check: never all green when denied, never red when allowed.
      const edge = page.getByTestId(`rf__edge-${check.from} ${check.to}`);
      await edge.waitFor({ state: 'attached', timeout: 10_000 });
      const wrong = check.allowed ? 'edge-denied' : 'edge-allowed';
      assert.doesNotMatch(
        (await edge.getAttribute('class')) ?? '',
        new RegExp(wrong),
        `${step.title}: ${check.from} → ${check.to}`,
      );
      assert.equal(
        labExec(check.from, check.command),
        check.allowed,
        `${step.title}: \`${check.command}\` in ${check.from}`,
      );
    }
  }
  const suggestion = await (await fetch(`${api}/policies/suggest?pod=default/demo-app`)).json();
  assert.match(
    suggestion.yaml,
    /name: suggested-demo-app[\s\S]*ingress:[\s\S]*port: 80/,
    'drafted from the traffic the probes made',
  );
  const listed = await (await fetch(`${api}/policies`)).json();
  assert.equal(listed.policies.length, 5);
  // A policy's page: the pods it selects, and the edges its rules allow, highlighted.
  await page.goto(`http://127.0.0.1:${PORT}/policies?policy=default%2Fdemo-app-allow-samens-client-one`);
  const effect = page.getByTestId('policy-effect');
  await effect.getByText('Selects 1 pod:').waitFor({ timeout: 10_000 });
  assert.match(await effect.innerText(), /its rules allow traffic on 1 edge\b/);
  await page.getByTestId('policy-editor').locator('.monaco-editor').waitFor();
  await screenshotThemes(page, 'policies', 'a policy');
  const bad = await fetch(`${api}/policies`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', authorization: `Bearer ${token}` },
    body: 'kind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: {}, policyTypes: [Sideways]}\n',
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), {
    error:
      'NetworkPolicy default/x: spec.policyTypes[0]: unsupported policy type "Sideways": must be Ingress or Egress',
    field: 'spec.policyTypes[0]',
    document: 1,
  });
  assert.equal((await (await fetch(`${api}/policies`)).json()).policies.length, 5, 'nothing half-applied');
});

test('the flows page says why the kernel decided: node traffic, and a connection cut by a policy change', async () => {
  await labApply([], { replacePolicies: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/flows?token=${token}`);
  await page
    .getByText(/No flows yet|flows/)
    .first()
    .waitFor();
  // A probe from demo-app's own node (as the kubelet's): allowed as node traffic.
  await page.getByLabel('Reason').selectOption('node');
  const app = labPod('default/demo-app');
  await probeFrom(nodeNetnsPath(app.node), [{ host: app.ip, port: 80, protocol: 'TCP' }], 600);
  const fromNode = page.locator('tr.flow-allow', { hasText: 'node traffic (kubelet)' }).first();
  await fromNode.waitFor({ timeout: 10_000 });
  assert.match(await fromNode.innerText(), /default\/demo-app\s+ingress\s+allow/);
  // A connection, then a policy that closes the client's egress: its next packets are cut.
  await page.getByLabel('Reason').selectOption('cut');
  const denyEgress = join(mkdtempSync(join(tmpdir(), 'palisade-e2e-cut-')), 'deny-egress.yaml');
  writeFileSync(
    denyEgress,
    'kind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: another-ns}\nspec: {podSelector: {}, policyTypes: [Egress]}\n',
  );
  const server = chatter('default/demo-app', ['serve', '7001', '--every', '50']);
  await server.ready();
  const client = chatter('another-ns/another-client-one', ['connect', app.ip, '7001', '--every', '50']);
  try {
    await client.ready();
    await labApply([denyEgress]);
    const cut = page
      .locator('tr.flow-deny', { hasText: 'cut by policy change' })
      .filter({ hasText: 'egress' })
      .first();
    await cut.waitFor({ timeout: 10_000 });
    assert.match(await cut.innerText(), /another-ns\/another-client-one\s+egress\s+deny/);
    await cut.click();
    const reason = page.getByTestId('explanation').getByTestId('flow-reason');
    await reason.waitFor();
    assert.match(await reason.innerText(), /The kernel: A packet of a connection that a policy change cut/);
  } finally {
    client.close();
    server.close();
    await labApply([], { replacePolicies: true });
  }
});

test('the filters stay usable when what they ask for is wrong: a bad port, a focus on no pod, a namespace with no policy', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The page asks for its flows from an effect, so once it has, React has hydrated the fields:
  // typing before that reaches a field React then resets (the count is in the server's HTML).
  const hydrated = page.waitForResponse((response) =>
    new URL(response.url()).pathname.startsWith('/api/flows'),
  );
  await page.goto(`http://127.0.0.1:${PORT}/flows`);
  await hydrated;
  await page.getByTestId('flow-count').waitFor();
  // A port that is not one says so at the field; no "no flows yet", no bars of another query.
  const port = page.getByLabel('Port', { exact: true });
  for (const bad of ['abc', '99999']) {
    await port.fill(bad);
    await page.getByText('must be 0–65535').waitFor();
    assert.equal(await port.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByText('No flows yet').count(), 0);
    assert.equal(await page.getByTestId('flow-count').innerText(), '0 flows');
    assert.equal(await page.getByRole('img', { name: /Flows of this filter/ }).count(), 0);
  }
  await port.fill('80');
  await page.waitForURL(/port=80/);
  assert.equal(await page.getByText('must be 0–65535').count(), 0);
  assert.equal(await port.getAttribute('aria-invalid'), null);
  // A focus on a pod that is not there: the error under the filters, which clear it.
  await page.goto(`http://127.0.0.1:${PORT}/graph?focus=default/nope`);
  await page.getByText(/Cannot load the graph: .*nope/).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByLabel('Focus on pod').inputValue(), 'default/nope');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.locator('.react-flow__node.pod').first().waitFor({ timeout: 10_000 });
  assert.equal(await page.getByText(/Cannot load the graph/).count(), 0);
  // The overview's link to a namespace's policies, for a namespace with none: the list says so and
  // offers them all.
  await labApply([`${policies}01-deny-all-ingress.yaml`]);
  await page.goto(`http://127.0.0.1:${PORT}/policies?namespace=kube-system`);
  const total = (
    (await (await fetch(`http://127.0.0.1:${PORT}/api/policies`)).json()) as { policies: unknown[] }
  ).policies.length;
  await page.getByRole('heading', { name: `In kube-system (0 of ${total})` }).waitFor({ timeout: 10_000 });
  await page.getByText('No policy in kube-system').waitFor();
  await page.getByRole('button', { name: `Show all ${total}` }).click();
  await page.getByRole('heading', { name: `In the cluster (${total})` }).waitFor();
  assert.doesNotMatch(page.url(), /namespace=/);
});

test('the policy editor: an edit clears the last Apply’s error, a request in flight holds the buttons, Delete asks first', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://127.0.0.1:${PORT}/?token=${token}`);
  const yaml =
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: e2e-edit\n  namespace: default\nspec:\n  podSelector:\n    matchLabels:\n      app: none-e2e\n  policyTypes:\n    - Sideways\n';
  await page.goto(`http://127.0.0.1:${PORT}/policies?draft=${encodeURIComponent(yaml)}`);
  const editor = page.getByTestId('policy-editor');
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  await editor.getByText(/Line \d+: .*Sideways/).waitFor();
  await editor.getByRole('button', { name: 'Apply' }).click();
  const notApplied = editor.getByText(/Not applied: .*Sideways/);
  await notApplied.waitFor({ timeout: 10_000 });
  // Fixing the YAML makes that answer about another YAML: it goes.
  await editor.locator('.view-line', { hasText: 'Sideways' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  // Faster than React renders: the editor must not take the page's echo of an older text for a change.
  await page.keyboard.type('- Ingress');
  await editor.getByText('Valid NetworkPolicy.').waitFor();
  assert.equal(await notApplied.count(), 0, 'the old error is gone once the YAML changed');
  // While the preview is asked, both buttons wait, and one says why.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/api/policies/preview', async (route) => {
    await held;
    await route.continue();
  });
  await editor.getByRole('button', { name: 'Preview' }).click();
  const previewing = editor.getByRole('button', { name: 'Previewing…' });
  await previewing.waitFor();
  assert.equal(await previewing.isDisabled(), true);
  assert.equal(await editor.getByRole('button', { name: 'Apply' }).isDisabled(), true);
  release();
  await page.getByTestId('preview').waitFor();
  assert.equal(await editor.getByRole('button', { name: 'Preview' }).isEnabled(), true);
  await editor.getByRole('button', { name: 'Apply' }).click();
  await editor.getByText(/Applied: NetworkPolicy default\/e2e-edit/).waitFor({ timeout: 20_000 });
  // Delete asks first: dismissed, the policy stays; accepted, it goes.
  const remove = page.getByRole('button', { name: 'Delete default/e2e-edit' });
  page.once('dialog', (dialog) => void dialog.dismiss());
  await remove.click();
  await page.waitForTimeout(500);
  assert.equal(await remove.count(), 1, 'dismissed: still there');
  page.once('dialog', (dialog) => {
    assert.match(dialog.message(), /Delete default\/e2e-edit\?/);
    void dialog.accept();
  });
  await remove.click();
  await page.getByText('Deleted default/e2e-edit').waitFor({ timeout: 10_000 });
  // The list follows the cluster as it reads it again.
  await remove.waitFor({ state: 'detached', timeout: 10_000 });
});
