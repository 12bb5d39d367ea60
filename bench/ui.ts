import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { launchBrowser, startDashboard } from '../e2e/dashboard.ts';
import { encodeObject } from '../server/kube/objects.ts';
import type { Pod } from '../server/kube/pod.ts';
import { machine, progress, writeResults } from './report.ts';
import { median, percentile, round } from './stats.ts';
import { barChart } from './svg-chart.ts';
import { syntheticCluster } from './synthetic-cluster.ts';

/**
 * `npm run bench:ui`: the dashboard (next start, Debian's Chromium) on a simulated lab holding
 * 2,000 pods and 500 policies: the graph API, and the graph page's time to first render and to
 * interactive; then 10,000 flows/s ingested for 30 s while 5 browsers watch the flows page, with
 * their frame times and whether the server stored every flow.
 */
const PORT = 3977;
const SSE_SECONDS = 30;
const FLOWS_PER_SECOND = 10_000;
const BROWSERS = 5;
const TOKEN = 'bench-token';

const labDir = mkdtempSync(join(tmpdir(), 'palisade-bench-ui-'));
const dataDir = mkdtempSync(join(tmpdir(), 'palisade-bench-ui-data-'));
const { cluster, objects } = syntheticCluster({
  namespaces: 50,
  podsPerNamespace: 40,
  policiesPerNamespace: 10,
});
const pods = cluster.allPods();
// A simulated lab with the synthetic cluster: the dashboard reads it as it reads `npm start`'s lab.
const store = (name: string, value: unknown) => writeFileSync(join(labDir, name), JSON.stringify(value));
store('objects.json', objects.map(encodeObject));
store('lab.json', {
  nodes: [{ name: 'bench-node', index: 1 }],
  pods: [],
  processes: [],
  strict: false,
  datapath: 'simulated',
  simulatedBecause: 'bench:ui (no packets)',
});
store('tokens.json', { 'bench-node': TOKEN });

progress(`dashboard on a simulated lab of ${pods.length} pods and ${cluster.allPolicies().length} policies`);
const server = await startDashboard(PORT, { PALISADE_LAB_DIR: labDir, PALISADE_DATA_DIR: dataDir });
const browser = await launchBrowser();
const base = `http://127.0.0.1:${PORT}`;
try {
  progress('graph API (5 runs per grouping)');
  const api: Record<string, { ms: number; nodes: number; edges: number; bytes: number }> = {};
  for (const group of ['auto', 'workload', 'namespace']) {
    const runs: number[] = [];
    let shape = { nodes: 0, edges: 0, bytes: 0 };
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const text = await (await fetch(`${base}/api/graph?group=${group}`)).text();
      runs.push(performance.now() - started);
      const graph = JSON.parse(text) as { pods: unknown[]; edges: unknown[] };
      shape = { nodes: graph.pods.length, edges: graph.edges.length, bytes: text.length };
    }
    api[group] = { ms: round(median(runs), 1), ...shape };
  }

  progress('graph page: time to first render and to interactive (5 loads)');
  const firstRender: number[] = [];
  const interactive: number[] = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const started = performance.now();
    await page.goto(`${base}/`);
    const node = page.locator('.react-flow__node.pod').first();
    await node.waitFor({ timeout: 60_000 });
    firstRender.push(performance.now() - started);
    await node.click();
    await page.getByTestId('pod-details').waitFor();
    interactive.push(performance.now() - started);
    if (i === 0)
      await page.screenshot({
        path: new URL('../e2e/screenshots/graph-2000-pods.png', import.meta.url).pathname,
      });
    await page.close();
  }

  progress(`${BROWSERS} browsers on the flows page; ${FLOWS_PER_SECOND} flows/s for ${SSE_SECONDS} s`);
  const pages: Page[] = [];
  for (let i = 0; i < BROWSERS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/flows`);
    await page
      .getByText(/No flows yet|flows/)
      .first()
      .waitFor();
    // Every frame's duration, as the page lives it.
    await page.evaluate(() => {
      const frames: number[] = [];
      (window as unknown as { palisadeFrames: number[] }).palisadeFrames = frames;
      let last = performance.now();
      const tick = (now: number) => {
        frames.push(now - last);
        last = now;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    pages.push(page);
  }
  const before = (await (await fetch(`${base}/healthz`)).json()) as { flows: number };
  const batchesPerSecond = 10;
  const batchSize = FLOWS_PER_SECOND / batchesPerSecond;
  let sent = 0;
  let refused = 0;
  const started = performance.now();
  for (let batch = 0; batch < SSE_SECONDS * batchesPerSecond; batch++) {
    const due = started + (batch * 1000) / batchesPerSecond;
    if (due > performance.now()) await sleep(due - performance.now());
    const now = Date.now();
    const flows = Array.from({ length: batchSize }, (_, i) => {
      const from = pods[(batch * batchSize + i) % pods.length] as Pod;
      const to = pods[(batch * 7 + i * 13) % pods.length] as Pod;
      return {
        time: now,
        node: 'bench-node',
        pod: `${to.metadata.namespace}/${to.metadata.name}`,
        direction: 'ingress',
        verdict: i % 3 === 0 ? 'deny' : 'allow',
        kind: i % 3 === 0 ? 'denied' : 'new-flow',
        src: from.podIP,
        sport: 30000 + (i % 30000),
        dst: to.podIP,
        dport: 8080,
        protocol: 6,
      };
    });
    const response = await fetch(`${base}/api/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ node: 'bench-node', dropped: 0, flows }),
    });
    if (response.ok) sent += flows.length;
    else refused += flows.length;
    await response.arrayBuffer();
  }
  const seconds = (performance.now() - started) / 1000;
  await sleep(1000);
  const after = (await (await fetch(`${base}/healthz`)).json()) as { flows: number };
  const frames: number[] = [];
  const shownRows: string[] = [];
  for (const page of pages) {
    frames.push(
      ...(await page.evaluate(() => (window as unknown as { palisadeFrames: number[] }).palisadeFrames)),
    );
    shownRows.push(((await page.locator('.flows-view .toolbar span').first().textContent()) ?? '').trim());
  }
  await pages[0]?.screenshot({
    path: new URL('../e2e/screenshots/flows-10k-per-second.png', import.meta.url).pathname,
  });

  const figures = {
    machine: machine(),
    cluster: { pods: pods.length, policies: cluster.allPolicies().length },
    graphApi: api,
    graphPage: {
      firstRenderMs: round(median(firstRender)),
      interactiveMs: round(median(interactive)),
    },
    sse: {
      browsers: BROWSERS,
      seconds: round(seconds, 1),
      offeredPerSecond: FLOWS_PER_SECOND,
      acceptedPerSecond: round(sent / seconds),
      sent,
      refused,
      stored: after.flows - before.flows,
      frameP50Ms: round(percentile(frames, 50), 1),
      frameP99Ms: round(percentile(frames, 99), 1),
      frameMaxMs: round(Math.max(...frames), 1),
      browserCounters: shownRows,
    },
  };
  const chart = barChart(
    'Dashboard with 2,000 pods, and 10,000 flows/s to 5 browsers (ms, log scale)',
    'ms',
    [
      { label: 'graph API (auto: namespaces)', value: api.auto?.ms ?? 0, kind: 'ours' },
      { label: 'graph API (workloads)', value: api.workload?.ms ?? 0, kind: 'ours' },
      { label: 'graph page, first render', value: figures.graphPage.firstRenderMs, kind: 'ours' },
      { label: 'graph page, interactive', value: figures.graphPage.interactiveMs, kind: 'ours' },
      { label: 'flows page frame, p50', value: figures.sse.frameP50Ms, kind: 'ours' },
      { label: 'flows page frame, p99', value: figures.sse.frameP99Ms, kind: 'ours' },
      { label: 'one frame at 60 Hz', value: 16.7, kind: 'target' },
    ],
  );
  writeResults(
    'ui',
    figures,
    chart,
    `
![ui benchmark](bench/results/ui.svg)

\`next start\` and Debian's Chromium on ${figures.machine.cores} cores, a simulated lab of ${pods.length} pods and ${figures.cluster.policies} policies.

| measure | result |
|---|---|
| \`GET /api/graph\` (auto: ${api.auto?.nodes} namespace nodes, ${api.auto?.edges} edges, ${round((api.auto?.bytes ?? 0) / 1024)} KiB) | ${api.auto?.ms} ms |
| \`GET /api/graph?group=workload\` (${api.workload?.nodes} nodes, ${api.workload?.edges} edges, ${round((api.workload?.bytes ?? 0) / 1048576, 1)} MiB) | ${api.workload?.ms} ms |
| graph page: navigation → first node drawn / → a click on a node answered (median of 5) | ${figures.graphPage.firstRenderMs} / ${figures.graphPage.interactiveMs} ms |
| flows ingested while ${BROWSERS} browsers watch the live flows page (offered ${FLOWS_PER_SECOND}/s for ${SSE_SECONDS} s) | ${figures.sse.acceptedPerSecond}/s accepted, ${figures.sse.sent} sent, ${figures.sse.stored} stored, ${figures.sse.refused} refused |
| frame time of those pages, p50 / p99 / max | ${figures.sse.frameP50Ms} / ${figures.sse.frameP99Ms} / ${figures.sse.frameMaxMs} ms |
| what each page showed (flows kept; the server's per-browser queue drops what a slow page cannot take, and says so) | ${shownRows.map((row) => `"${row}"`).join('; ')} |
`,
  );
  progress('results in bench/results/ui.{json,md,svg} and the README');
} finally {
  await browser.close();
  server.kill();
}
