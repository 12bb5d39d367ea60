import { launchBrowser, startDashboard } from './e2e/dashboard.ts';

const server = await startDashboard(3931, { PALISADE_DATA_DIR: '/tmp/pe2e' });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  const draft =
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: x\nspec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - port: 70000\n  eg';
  await page.goto(`http://127.0.0.1:3931/policies?draft=${encodeURIComponent(draft)}`);
  await page.locator('.monaco-editor').waitFor({ timeout: 15000 });
  await page.waitForTimeout(800);
  console.log('problems:', await page.getByTestId('problems').innerText());
  console.log('markers:', await page.locator('.squiggly-error').count());
  await page.locator('.monaco-editor .view-line').last().click();
  await page.keyboard.press('End');
  await page.keyboard.press('Control+Space');
  await page.waitForTimeout(800);
  console.log('suggest:', await page.locator('.suggest-widget .monaco-list-row').allInnerTexts());
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  console.log('text:', JSON.stringify(await page.locator('.monaco-editor .view-lines').innerText()));
  await page.screenshot({ path: '/tmp/policies.png' });
} finally {
  await browser.close();
  server.kill();
}
