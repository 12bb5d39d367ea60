import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { labApply, labPod, labProbe } from '../agent/lab/lab.ts';
import { startLab, stopLab } from '../agent/lab/testing-lab.ts';
import { launchBrowser, startDashboard } from './dashboard.ts';

const PORT = 3918;
const policies = new URL('../examples/walkthrough/policies/', import.meta.url).pathname;
const screenshots = new URL('screenshots/', import.meta.url).pathname;
let server: ChildProcess;
let browser: Browser;

before(async () => {
  // The lab's agents send their flows to this dashboard, as with npm start.
  process.env.PALISADE_INGEST_URL = `http://127.0.0.1:${PORT}/api/ingest`;
  await startLab();
  server = await startDashboard(PORT, { PALISADE_DATA_DIR: mkdtempSync(join(tmpdir(), 'palisade-e2e-')) });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.kill();
  await stopLab();
});

test('the graph shows the lab’s pods, and a policy applied elsewhere turns its edge red without a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/`);
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
  await page.screenshot({ path: `${screenshots}graph.png` });
  // An edge explains itself: the denied one names the policy that isolates demo-app.
  await denied.first().click({ force: true });
  const details = page.getByTestId('edge-details');
  await details.getByText('Denied', { exact: true }).waitFor({ timeout: 5000 });
  assert.match(
    await details.innerText(),
    /isolated for ingress by default\/demo-app-allow-samens-client-one, default\/demo-app-deny-all/,
  );
});

test('a denied flow appears live on the flows page, and opening it says which policy denied it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/flows`);
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
  assert.match(await row.innerText(), /10\.77\.1\.11:\d+\s+10\.77\.1\.10:80\/TCP/);
  await row.click();
  const explanation = page.getByTestId('explanation');
  await explanation.getByText('Denied', { exact: true }).waitFor();
  assert.match(
    await explanation.innerText(),
    /isolated for ingress by default\/demo-app-allow-samens-client-one, default\/demo-app-deny-all/,
  );
  assert.match(await explanation.innerText(), /another-ns\/another-client-one matches none of its peers/);
  await page.screenshot({ path: `${screenshots}flows.png` });
});

test('the nodes page shows each agent healthy, with the programs attached to each pod', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/nodes`);
  const node = page.getByTestId('node-lab-node-1');
  await node.getByText('healthy', { exact: true }).waitFor({ timeout: 10_000 });
  const text = await node.innerText();
  assert.match(text, /Datapath: eBPF/);
  assert.match(text, /lost events 0/);
  assert.match(text, /default\/demo-app\s+\d+\s+\d+/);
  await page.screenshot({ path: `${screenshots}nodes.png` });
});
