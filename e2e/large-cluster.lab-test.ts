import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshotThemes, startDashboard } from './dashboard.ts';
import { ingest, simulatedLab, syntheticFlows } from './simulated-lab.ts';

/**
 * The dashboard on a simulated lab of 2,000 pods and 500 policies (no namespaces or packets: the
 * real lab is not touched), in Chromium: every page readable at that size, in both themes, checked
 * by axe-core, and the graph's matrix, drill-down, keyboard use and live deltas.
 */
const PORT = 3920;
const base = `http://127.0.0.1:${PORT}`;
const lab = simulatedLab({ namespaces: 50, podsPerNamespace: 40, policiesPerNamespace: 10 });
let server: ChildProcess;
let browser: Browser;

before(async () => {
  server = await startDashboard(PORT, { PALISADE_LAB_DIR: lab.labDir, PALISADE_DATA_DIR: lab.dataDir });
  const pods = lab.cluster.allPods();
  // An hour of traffic: a batch every five minutes.
  for (let i = 0; i < 12; i++)
    assert.ok(await ingest(base, syntheticFlows(pods, 300, Date.now() - i * 300_000, i)));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.kill();
});

const open = async (path: string): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}${path}`);
  return page;
};

test('2,000 pods: the overview counts policies, isolation, denied flows and agents, each linking to its view', async () => {
  const page = await open('/');
  const figures = page.getByTestId('overview-figures');
  await figures.getByText('500', { exact: true }).waitFor({ timeout: 30_000 });
  assert.match(await figures.innerText(), /2,000 \/ 2,000/);
  assert.equal(
    await figures.getByRole('link', { name: /Denied flows/ }).getAttribute('href'),
    '/flows?verdict=deny&within=1h',
  );
  await screenshotThemes(page, 'overview-2000-pods', 'overview of 2,000 pods');
  // The time axis reads the 24-hour clock, as the flows table does.
  assert.match((await page.locator('figure svg text').last().textContent()) ?? '', /^\d\d:\d\d$/);
  // In a narrow window the side bar goes across the top, and nothing scrolls the page sideways.
  await page.setViewportSize({ width: 800, height: 800 });
  await page.waitForTimeout(300);
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(sideways <= 0, `no horizontal scroll at 800 pixels (${sideways} pixels too wide)`);
  const nav = await page.getByRole('navigation', { name: 'Pages' }).boundingBox();
  const main = await page.locator('main').boundingBox();
  assert.ok(
    nav && main && nav.y + nav.height <= main.y && main.width >= 760,
    'the pages above, the page full width',
  );
  await page.close();
});

test('2,000 pods: the graph is the namespace matrix; a cell opens by keyboard within the edge budget; a policy change comes as a delta', async () => {
  const page = await open('/graph');
  const cells = page.locator('[data-testid=matrix] button[data-state]');
  await cells.first().waitFor({ timeout: 60_000 });
  assert.equal(await cells.count(), 50 * 50);
  await screenshotThemes(page, 'graph-2000-pods', 'the matrix of 2,000 pods');

  // Live updates: the page asks for what changed since its version, and gets a small delta.
  const answers: {
    since: boolean;
    bytes: number;
    body: { delta?: { cells?: { set?: { id: string }[] } } };
  }[] = [];
  page.on('response', async (response) => {
    if (!response.url().includes('/api/graph?')) return;
    const text = await response.text().catch(() => '');
    if (text)
      answers.push({ since: response.url().includes('since='), bytes: text.length, body: JSON.parse(text) });
  });
  assert.equal(await page.locator('#matrix-0-0').getAttribute('data-state'), 'partial');
  lab.replace(
    lab.objects.filter(
      (object) => !(object.kind === 'NetworkPolicy' && object.metadata.namespace === 'ns-0'),
    ),
  );
  await page.waitForFunction(
    () => document.querySelector('#matrix-0-0')?.getAttribute('data-state') === 'allowed',
    undefined,
    {
      timeout: 20_000,
    },
  );
  // Its answer may still be on its way to the listener.
  const deltaOf = () => answers.find((answer) => answer.since && answer.body.delta?.cells?.set?.length);
  for (let i = 0; i < 50 && !deltaOf(); i++) await page.waitForTimeout(100);
  const change = deltaOf();
  assert.ok(
    change,
    `the change came as a delta: ${answers.map((answer) => JSON.stringify(answer.body).slice(0, 200)).join('\n')}`,
  );
  const full = (await (await fetch(`${base}/api/graph?view=auto`)).text()).length;
  assert.ok(change.bytes * 5 < full, `a delta (${change.bytes} B) is a fraction of the view (${full} B)`);
  assert.ok(
    change.body.delta?.cells?.set?.every((cell) => cell.id.startsWith('ns-0 ') || cell.id.endsWith(' ns-0')),
    'only the cells of the namespace that changed',
  );

  // The keyboard: one cell in the tab order, arrows move, Enter opens the pair's pods.
  await page.locator('#matrix-0-0').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'matrix-1-2');
  await page.keyboard.press('Enter');
  await page.waitForURL(/from=ns-1&to=ns-2/);
  const summary = page.getByText(/drawing \d+ nodes and \d+ edges/);
  await summary.waitFor({ timeout: 20_000 });
  const [, nodes, edges] = /drawing (\d+) nodes and (\d+) edges/.exec(await summary.innerText()) ?? [];
  assert.ok(Number(edges) > 0 && Number(edges) <= 300, `${edges} edges`);
  assert.equal(Number(nodes), 16, 'the 8 workloads of each namespace');
  await page.getByText(/Aggregated to stay readable/).waitFor();
  // Graph nodes are in the tab order, and Enter on one opens it.
  await page.locator('.react-flow__node.pod').first().focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('pod-details').waitFor();
  await screenshotThemes(page, 'graph-2000-pods-cell', 'a matrix cell of 2,000 pods');

  // Focus on one pod: its namespace's pods one by one, other namespaces as one node each.
  await page.goto(`${base}/graph?focus=ns-3%2Fweb-0`);
  await page.getByText(/drawing \d+ nodes and \d+ edges/).waitFor({ timeout: 20_000 });
  assert.match(await page.getByText(/drawing/).innerText(), /drawing 89 nodes and \d+ edges/);
  await screenshotThemes(page, 'graph-2000-pods-focus', 'a pod of 2,000 and its peers');
  await page.close();
  // The policies of ns-0 come back, so that the next pages show the cluster the overview counted.
  lab.replace(lab.objects);
});

test('2,000 pods: flows grouped with their deciding policies and a histogram, exported as CSV', async () => {
  const page = await open('/flows?verdict=deny&grouped=1');
  const row = page.locator('tr.flow-deny').first();
  await row.waitFor({ timeout: 20_000 });
  await page
    .getByText(/default deny: isolated by ns-\d+\/default-deny/)
    .first()
    .waitFor({ timeout: 10_000 });
  assert.match(
    (await page.locator('figure svg[role=img]').getAttribute('aria-label')) ?? '',
    /[1-9][\d,]* denied/,
  );
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = readFileSync((await (await download).path()) as string, 'utf8');
  const [header, first] = csv.split('\n');
  assert.equal(header, 'time,pod,direction,verdict,tier,src,sport,dst,dport,protocol,peer,policy,count');
  assert.match(first ?? '', /,deny,.*,"?default deny: isolated by/);
  // At 1280 pixels the pods and their peers are whole, and so is the port.
  const cut = await page.evaluate(() => {
    const heads = [...document.querySelectorAll('[data-testid=flows] thead th')].map((th) => th.textContent);
    const cells = [...document.querySelectorAll('[data-testid=flows] tbody tr[tabindex]')].flatMap((row) =>
      ['pod', 'peer pod'].map((name) => row.children[heads.indexOf(name)] as HTMLElement),
    );
    const ports = [...document.querySelectorAll('[data-testid=flows] tbody tr[tabindex]')].map(
      (row) => (row.children[heads.indexOf('destination')] as HTMLElement).innerText,
    );
    return {
      names: cells.filter((cell) => cell.scrollWidth > cell.clientWidth).map((cell) => cell.textContent),
      ports: ports.filter((port) => !/:8080\/TCP$/.test(port)),
    };
  });
  assert.deepEqual(cut, { names: [], ports: [] });
  await screenshotThemes(page, 'flows-2000-pods', 'flows of 2,000 pods');
  await page.close();
});

test('2,000 pods: a policy shows the pods it selects and the edges it decides, readable', async () => {
  // The list counts what the overview counts, once the policies the graph test took away are back.
  for (let i = 0; i < 100; i++) {
    const listed = (await (await fetch(`${base}/api/policies`)).json()) as { policies: unknown[] };
    if (listed.policies.length === 500) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const page = await open('/policies?policy=ns-4%2Fbackend-from-frontend');
  await page.getByRole('heading', { name: 'In the cluster (500)' }).waitFor({ timeout: 30_000 });
  const effect = page.getByTestId('policy-effect');
  await effect.getByText(/Selects 20 pods/).waitFor({ timeout: 30_000 });
  assert.match(await effect.innerText(), /its rules allow traffic on [1-9]\d* edges/);
  // Names are whole, beside a Delete that is there for each.
  const name = page.getByRole('button', { name: 'ns-1/egress-dns-and-internal', exact: true });
  assert.ok(await name.evaluate((button) => button.scrollWidth <= button.clientWidth));
  await page.getByRole('button', { name: 'Delete ns-1/egress-dns-and-internal' }).waitFor();
  // The graph's text reads at no less than 10 pixels: the whole graph fits at that zoom.
  const graph = effect.getByTestId('graph');
  await graph.locator('.react-flow__node.pod').first().waitFor();
  const zoom = await graph
    .locator('.react-flow__viewport')
    .evaluate((viewport) => new DOMMatrix(getComputedStyle(viewport).transform).a);
  assert.ok(zoom * 12 >= 9.5, `zoomed to ${zoom}`);
  await page.getByTestId('policy-editor').locator('.monaco-editor').waitFor({ timeout: 15_000 });
  await graph.scrollIntoViewIfNeeded();
  await screenshotThemes(page, 'policies-2000-pods', 'a policy of 500');
  await page.close();
});

test('2,000 pods: the nodes page', async () => {
  const page = await open('/nodes');
  await page
    .getByTestId('node-simulated-node')
    .getByText('healthy', { exact: true })
    .waitFor({ timeout: 15_000 });
  await screenshotThemes(page, 'nodes-2000-pods', 'the node of 2,000 pods');
});
