import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { labDown, labUp } from '../agent/lab/lab.ts';
import { TestingApiServer } from '../server/kube-api/testing-api-server.ts';
import { readAgentReport } from '../server/lab/lab-store.ts';
import { launchBrowser, policies, root, screenshotThemes, startDashboard } from './dashboard.ts';

const PORT = 3919;
let api: TestingApiServer;
let controller: ChildProcess;
let server: ChildProcess;
let browser: Browser;
/** A user who may change NetworkPolicies in `default`, and nothing else. */
let aliceToken: string;

/**
 * The dashboard in Kubernetes mode, in Chromium, against a real API server: the lab stands in for
 * the kubelets, `palisade controller` writes PolicyEndpoints, and the lab's agents read them from
 * the API and send their flows and status to the dashboard with ServiceAccount tokens.
 */
before(async () => {
  api = await TestingApiServer.start();
  await api.installCrds(['policyendpoints']);
  await api.kubectl(['create', 'namespace', 'palisade-system']);
  await api.kubectl(['create', 'serviceaccount', 'palisade-agent', '-n', 'palisade-system']);
  // What deploy/agent projects into each agent: a token good only for the dashboard's ingest, bound
  // to the agent's pod and so to its node (the server holds each agent to its own node).
  const tokens = mkdtempSync(join(tmpdir(), 'palisade-agent-tokens-'));
  for (const node of ['lab-node-1', 'lab-node-2'])
    writeFileSync(join(tokens, node), await api.agentToken(node), { mode: 0o600 });
  delete process.env.PALISADE_AGENT_TOKEN;
  process.env.PALISADE_AGENT_TOKEN_FILE = join(tokens, '{node}');
  process.env.PALISADE_INGEST_URL = `http://127.0.0.1:${PORT}/api/ingest`;
  aliceToken = await api.policyEditorToken('default', 'alice');
  await labDown();
  const lab = await labUp(undefined, { kubeconfig: api.kubeconfig });
  if (lab.datapath !== 'ebpf') throw new Error(`this test needs the eBPF lab: ${lab.simulatedBecause}`);
  controller = spawn(`${root}bin/palisade`, ['controller', '--kubeconfig', api.kubeconfig], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  server = await startDashboard(PORT, {
    PALISADE_CLUSTER: 'kubernetes',
    PALISADE_KUBECONFIG: api.kubeconfig,
    PALISADE_DATA_DIR: mkdtempSync(join(tmpdir(), 'palisade-e2e-kube-')),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill();
  controller?.kill('SIGTERM');
  await labDown();
  await api?.stop();
});

test('in Kubernetes mode the nodes page shows each node’s agent with the programs it attached', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/nodes`);
  const node = page.getByTestId('node-lab-node-1');
  // An idle agent is heard from within 10 s; flows bring its status sooner.
  await node.getByText('healthy', { exact: true }).waitFor({ timeout: 20_000 });
  const programs = readAgentReport('lab-node-1')?.pods['default/demo-app'];
  assert.ok(programs, 'lab-node-1 runs demo-app');
  await node
    .getByRole('row', { name: new RegExp(`default/demo-app ${programs.ingressId} ${programs.egressId}`) })
    .waitFor({ timeout: 15_000 });
  assert.match(await node.innerText(), /eBPF on a Kubernetes node; agent last heard from/);
  await screenshotThemes(page, 'nodes-kubernetes', 'the nodes in Kubernetes mode');
});

/** Runs a command in a lab pod, as a user would: `palisade lab exec`. */
const labExec = (pod: string, command: string) =>
  spawnSync(`${root}bin/palisade`, ['lab', 'exec', pod, '--', ...command.split(' ')]).status === 0;

test('a policy applied from the editor needs the user’s token, and then the graph, the API and real packets agree', async () => {
  assert.ok(labExec('another-ns/another-client-one', 'curl --max-time 3 demo-app.default'), 'open before');
  const yaml = readFileSync(`${policies}01-deny-all-ingress.yaml`, 'utf8');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://127.0.0.1:${PORT}/policies?draft=${encodeURIComponent(yaml)}`);
  const editor = page.getByTestId('policy-editor');
  await editor.locator('.monaco-editor').waitFor({ timeout: 15_000 });
  await editor.getByText('Valid NetworkPolicy.').waitFor();
  await editor.getByRole('button', { name: 'Apply' }).click();
  await editor.getByText(/needs your Kubernetes bearer token/).waitFor({ timeout: 10_000 });
  await editor.getByLabel('Your Kubernetes token').fill(aliceToken);
  await editor.getByRole('button', { name: 'Apply' }).click();
  await editor.getByText(/Applied: NetworkPolicy default\/demo-app-deny-all/).waitFor({ timeout: 20_000 });
  const written = JSON.parse(
    await api.kubectl(['get', 'networkpolicy', '-n', 'default', 'demo-app-deny-all', '-o', 'json']),
  );
  assert.deepEqual(written.spec.policyTypes, ['Ingress']);

  // The controller writes its PolicyEndpoint, the agents enforce it, and the graph shows it.
  await page.goto(`http://127.0.0.1:${PORT}/graph`);
  const edge = page.getByTestId('rf__edge-another-ns/another-client-one default/demo-app');
  await edge.waitFor({ state: 'attached', timeout: 15_000 });
  await page.waitForFunction(
    () =>
      document
        .querySelector('[data-testid="rf__edge-another-ns/another-client-one default/demo-app"]')
        ?.classList.contains('edge-denied'),
    undefined,
    { timeout: 15_000 },
  );
  const deadline = Date.now() + 15_000;
  while (labExec('another-ns/another-client-one', 'curl --max-time 3 demo-app.default')) {
    assert.ok(Date.now() < deadline, 'the agents enforce the policy within 15 s');
    await sleep(500);
  }
  // The agent that dropped it told the dashboard, with its ServiceAccount token.
  const flowDeadline = Date.now() + 15_000;
  for (;;) {
    const { flows } = (await (
      await fetch(`http://127.0.0.1:${PORT}/api/flows?verdict=deny&pod=default/demo-app`)
    ).json()) as { flows: { peer?: string }[] };
    if (flows.some((flow) => flow.peer === 'another-ns/another-client-one')) break;
    assert.ok(Date.now() < flowDeadline, 'the denied flow reached the dashboard within 15 s');
    await sleep(500);
  }
});
