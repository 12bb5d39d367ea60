import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startDashboard } from '../e2e/dashboard.ts';
import { ingest, simulatedLab, syntheticFlows } from '../e2e/simulated-lab.ts';
import { machine, progress, writeResults } from './report.ts';
import { median, percentile, round } from './stats.ts';
import { barChart } from './svg-chart.ts';
import type { SyntheticShape } from './synthetic-cluster.ts';

/**
 * `npm run bench:ui`: the dashboard (next start, Debian's Chromium) on simulated labs of 2,000 and
 * 10,000 pods: the graph page's first render (the namespace matrix), how fast it answers a click on
 * a cell (its pods drawn) and a focus on one pod, and the bytes of a live update (a policy change
 * as a delta, against the whole view and the whole graph of before); then 10,000 flows/s ingested
 * for 30 s while 5 browsers watch the flows page, with their frame times and whether the server
 * stored every flow.
 */
const SSE_SECONDS = 30;
const FLOWS_PER_SECOND = 10_000;
const BROWSERS = 5;
const LOADS = 3;
const SHAPES: (SyntheticShape & { port: number })[] = [
  { namespaces: 50, podsPerNamespace: 40, policiesPerNamespace: 10, port: 3977 },
  { namespaces: 100, podsPerNamespace: 100, policiesPerNamespace: 10, port: 3978 },
];

/** Milliseconds from `started` until `ready` resolves. */
async function timed(started: number, ready: Promise<unknown>): Promise<number> {
  await ready;
  return performance.now() - started;
}

/** The graph page's figures on a cluster of one shape. */
async function graphFigures(browser: Browser, shape: (typeof SHAPES)[number]) {
  const lab = simulatedLab(shape);
  const pods = lab.cluster.allPods();
  progress(`graph: a simulated lab of ${pods.length} pods and ${lab.cluster.allPolicies().length} policies`);
  const server = await startDashboard(shape.port, {
    PALISADE_LAB_DIR: lab.labDir,
    PALISADE_DATA_DIR: lab.dataDir,
  });
  const base = `http://127.0.0.1:${shape.port}`;
  try {
    for (let i = 0; i < 5; i++) await ingest(base, syntheticFlows(pods, 400, Date.now() - i * 60_000, i));
    // The server computes what the policies say once per cluster version; the first view pays it.
    let started = performance.now();
    const first = await (await fetch(`${base}/api/graph?view=auto`)).text();
    const coldMs = performance.now() - started;
    const full = JSON.parse(first) as { version: number; full: { cells: unknown[] } };

    const firstRender: number[] = [];
    const cellOpened: number[] = [];
    const focused: number[] = [];
    const nodeOpened: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      started = performance.now();
      await page.goto(`${base}/graph`);
      firstRender.push(
        await timed(
          started,
          page.locator('[data-testid=matrix] button[data-state]').first().waitFor({ timeout: 120_000 }),
        ),
      );
      started = performance.now();
      await page.locator(`#matrix-${i + 1}-${i + 2}`).click();
      cellOpened.push(
        await timed(started, page.locator('.react-flow__node.pod').first().waitFor({ timeout: 60_000 })),
      );
      started = performance.now();
      await page.locator('.react-flow__node.pod').first().click();
      nodeOpened.push(await timed(started, page.getByTestId('pod-details').waitFor()));
      const focus = page.getByLabel('Focus on pod');
      const pod = pods[(i * 997) % pods.length];
      await focus.fill(`${pod?.metadata.namespace}/${pod?.metadata.name}`);
      started = performance.now();
      await focus.press('Enter');
      focused.push(
        await timed(
          started,
          page
            .getByText(/focus: ns-/)
            .waitFor()
            .then(() => page.getByText(/drawing \d+ nodes/).waitFor({ timeout: 60_000 })),
        ),
      );
      await page.close();
    }

    // A policy change, live: what a page holding the view downloads, and what it downloaded before.
    const held = full.version;
    const idle = await (await fetch(`${base}/api/graph?view=auto&since=${held}`)).text();
    lab.replace(
      lab.objects.filter(
        (object) =>
          !(
            object.kind === 'NetworkPolicy' &&
            object.metadata.name === 'default-deny' &&
            object.metadata.namespace === 'ns-1'
          ),
      ),
    );
    let delta = '';
    let cellsChanged = 0;
    for (let i = 0; i < 600 && cellsChanged === 0; i++) {
      await sleep(200);
      delta = await (await fetch(`${base}/api/graph?view=auto&since=${held}`)).text();
      cellsChanged =
        (JSON.parse(delta) as { delta?: { cells?: { set?: unknown[] } } }).delta?.cells?.set?.length ?? 0;
    }
    const after = await (await fetch(`${base}/api/graph?view=auto`)).text();
    let wholeGraph: { bytes: number; ms: number; edges: number } | undefined;
    if (pods.length <= 2000) {
      started = performance.now();
      const text = await (await fetch(`${base}/api/graph?group=workload`)).text();
      wholeGraph = {
        bytes: text.length,
        ms: round(performance.now() - started, 1),
        edges: (JSON.parse(text) as { edges: unknown[] }).edges.length,
      };
    }
    return {
      pods: pods.length,
      policies: lab.cluster.allPolicies().length,
      namespaces: shape.namespaces,
      matrixCells: full.full.cells.length,
      coldViewMs: round(coldMs),
      firstRenderMs: round(median(firstRender)),
      cellOpenedMs: round(median(cellOpened)),
      nodeOpenedMs: round(median(nodeOpened)),
      focusMs: round(median(focused)),
      liveUpdate: {
        fullViewBytes: after.length,
        unchangedBytes: idle.length,
        policyChangeDeltaBytes: delta.length,
        cellsChanged,
      },
      wholeGraphBefore: wholeGraph,
    };
  } finally {
    server.kill();
  }
}

/** 10,000 flows/s for 30 s while 5 browsers watch the live flows page. */
async function flowsFigures(browser: Browser) {
  const shape = SHAPES[0] as (typeof SHAPES)[number];
  const lab = simulatedLab(shape);
  const pods = lab.cluster.allPods();
  const server = await startDashboard(shape.port, {
    PALISADE_LAB_DIR: lab.labDir,
    PALISADE_DATA_DIR: lab.dataDir,
  });
  const base = `http://127.0.0.1:${shape.port}`;
  try {
    progress(`${BROWSERS} browsers on the flows page; ${FLOWS_PER_SECOND} flows/s for ${SSE_SECONDS} s`);
    const pages: Page[] = [];
    for (let i = 0; i < BROWSERS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${base}/flows`);
      await page.getByTestId('flow-count').waitFor();
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
      const flows = syntheticFlows(pods, batchSize, Date.now(), batch);
      if (await ingest(base, flows)) sent += flows.length;
      else refused += flows.length;
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
      shownRows.push(((await page.getByTestId('flow-count').textContent()) ?? '').trim());
    }
    await pages[0]?.screenshot({
      path: new URL('../e2e/screenshots/flows-10k-per-second.png', import.meta.url).pathname,
    });
    return {
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
    };
  } finally {
    server.kill();
  }
}

const browser = await launchBrowser();
try {
  const graphs = [];
  for (const shape of SHAPES) graphs.push(await graphFigures(browser, shape));
  const sse = await flowsFigures(browser);
  const figures = { machine: machine(), graphs, sse };
  const [small, large] = graphs as [(typeof graphs)[number], (typeof graphs)[number]];
  const kib = (bytes: number) => round(bytes / 1024, 1);
  const chart = barChart(
    'Graph page at 2,000 and 10,000 pods, and the flows page under 10,000 flows/s (ms, log scale)',
    'ms',
    [
      { label: 'first render, 2,000 pods', value: small.firstRenderMs, kind: 'ours' },
      { label: 'first render, 10,000 pods', value: large.firstRenderMs, kind: 'ours' },
      { label: 'cell → its pods, 2,000 pods', value: small.cellOpenedMs, kind: 'ours' },
      { label: 'cell → its pods, 10,000 pods', value: large.cellOpenedMs, kind: 'ours' },
      { label: 'focus on a pod, 10,000 pods', value: large.focusMs, kind: 'ours' },
      { label: 'flows page frame, p50', value: sse.frameP50Ms, kind: 'ours' },
      { label: 'flows page frame, p99', value: sse.frameP99Ms, kind: 'ours' },
      { label: 'one frame at 60 Hz', value: 16.7, kind: 'target' },
    ],
  );
  const row = (name: string, pick: (graph: typeof small) => string) =>
    `| ${name} | ${pick(small)} | ${pick(large)} |`;
  writeResults(
    'ui',
    figures,
    chart,
    `
![ui benchmark](bench/results/ui.svg)

\`next start\` and Debian's Chromium on ${figures.machine.cores} cores, simulated labs (the policy model, no packets); medians of ${LOADS} page loads.

| measure | ${small.pods} pods, ${small.policies} policies, ${small.namespaces} namespaces | ${large.pods} pods, ${large.policies} policies, ${large.namespaces} namespaces |
|---|---|---|
${row("the server computes a new cluster version's view (matrix of every pod pair and port), once", (graph) => `${graph.coldViewMs} ms`)}
${row('graph page: navigation → the namespace matrix drawn', (graph) => `${graph.firstRenderMs} ms (${graph.matrixCells} cells)`)}
${row('click on a matrix cell → its pods drawn (at most 300 edges)', (graph) => `${graph.cellOpenedMs} ms`)}
${row('click on a node → its details', (graph) => `${graph.nodeOpenedMs} ms`)}
${row('focus on a pod → it and its peers drawn', (graph) => `${graph.focusMs} ms`)}
${row('live update after a policy change (a delta)', (graph) => `${kib(graph.liveUpdate.policyChangeDeltaBytes)} KiB (${graph.liveUpdate.cellsChanged} cells)`)}
${row('live update when nothing changed', (graph) => `${graph.liveUpdate.unchangedBytes} B`)}
${row('the whole view, once per page', (graph) => `${kib(graph.liveUpdate.fullViewBytes)} KiB`)}
${row('before: the whole graph by workload, fetched every second', (graph) => (graph.wholeGraphBefore ? `${round(graph.wholeGraphBefore.bytes / 1048576, 1)} MiB (${graph.wholeGraphBefore.edges} edges)` : 'not measured (too large)'))}

Flows page: ${sse.acceptedPerSecond}/s accepted while ${BROWSERS} browsers watch it (offered ${FLOWS_PER_SECOND}/s for ${SSE_SECONDS} s): ${sse.sent} sent, ${sse.stored} stored, ${sse.refused} refused; frame time p50 / p99 / max ${sse.frameP50Ms} / ${sse.frameP99Ms} / ${sse.frameMaxMs} ms; each page showed ${sse.browserCounters.map((text) => `"${text}"`).join(', ')} (it keeps 10,000; the server's per-browser queue drops what a slow page cannot take, and says so).
`,
  );
  progress('results in bench/results/ui.{json,md,svg} and the README');
} finally {
  await browser.close();
}
