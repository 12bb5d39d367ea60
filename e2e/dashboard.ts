import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The repository, the walkthrough's policies and where screenshots go, for the end-to-end tests. */
export const root = new URL('../', import.meta.url).pathname;
export const policies = `${root}examples/walkthrough/policies/`;
export const screenshots = new URL('screenshots/', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, without reaching out to the network; `extraArgs` for its command line. */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (npm run setup does, as root)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** The dashboard as `npm start` serves it (built first when needed), on `port`; stop it with kill(). */
export async function startDashboard(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const next = `${root}node_modules/next/dist/bin/next`;
  execFileSync('bash', ['scripts/build-dashboard.sh'], { cwd: root, stdio: 'ignore' });
  const server = spawn(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return server;
    await sleep(100);
  }
  server.kill();
  throw new Error(`the dashboard did not answer on port ${port}`);
}

/** The themes every page is designed in, and checked in. */
export const THEMES = ['light', 'dark'] as const;

/** Switches the page's theme as the theme switch does (Monaco and React Flow follow it). */
export async function setTheme(page: Page, theme: (typeof THEMES)[number]): Promise<void> {
  await page.evaluate((chosen) => {
    document.documentElement.dataset.theme = chosen;
  }, theme);
  // Let transitions and Monaco's theme settle before anything is measured.
  await page.waitForTimeout(300);
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page as it is and throws, naming each rule, its
 * impact and where, when it finds a serious or critical violation.
 */
export async function checkAccessibility(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> } }
    ).axe;
    type AxeResults = {
      violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
    };
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) =>
          `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
            .slice(0, 3)
            .map((node) => node.target.join(' '))
            .join(', ')}${violation.nodes.length > 3 ? ` and ${violation.nodes.length - 3} more` : ''}`,
      );
  });
  if (violations.length > 0) throw new Error(`${what}: accessibility violations:\n${violations.join('\n')}`);
}

/** A screenshot of the page in each theme (`NAME-light.png`, `NAME-dark.png`), each checked by axe-core. */
export async function screenshotThemes(page: Page, name: string, what = name): Promise<void> {
  for (const theme of THEMES) {
    await setTheme(page, theme);
    await checkAccessibility(page, `${what} (${theme})`);
    await page.screenshot({ path: `${screenshots}${name}-${theme}.png` });
  }
  await page.evaluate(() => {
    delete document.documentElement.dataset.theme;
  });
}
