import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createUser } from '../support/accounts.ts';
import { insertMailingWithAttempts } from '../support/attempt-fixtures.ts';
import { loginOverHttp, type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';

// The test waits for the charts to be drawn, never for a fixed time; this only bounds a hang.
const limit = { timeout: 90_000 };
const DAY = 86_400_000;

let browser: Browser;
let t: ServedApp;

before(async () => {
  ({ browser, t } = await startBrowserAndApp({ devMailbox: true }));
});

after(() => stopBrowserAndApp({ browser, t }));

test(
  'the statistics page draws its charts with Chart.js from our origin, with no console error or CSP refusal',
  limit,
  async (tc) => {
    const user = await createUser(t.c, { fullName: 'Charlotte Charts' });
    const now = Date.now();
    await insertMailingWithAttempts(t.c, user.id, {
      name: 'Charted mailing',
      deliveries: [
        { email: 'one@example.com', state: 'sent', attempts: [{ at: new Date(now - 2 * DAY), success: true }] },
        {
          email: 'two@example.com',
          state: 'sent',
          attempts: [
            { at: new Date(now - 2 * DAY), success: false },
            { at: new Date(now - DAY), success: true },
          ],
        },
        { email: 'three@example.com', state: 'failed', attempts: [{ at: new Date(now - DAY), success: false, code: 550 }] },
      ],
    });

    const context = await browser.newContext();
    tc.after(() => context.close());
    await loginOverHttp(context.request, t.baseUrl, user.email);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const scripts: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(new URL(response.url()).origin);
      if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
    });

    await page.goto(`${t.baseUrl}/stats`);
    await page.locator('#own-daily-chart[data-drawn="true"]').waitFor();
    await page.locator('#own-mailings-chart[data-drawn="true"]').waitFor();

    const drawn = await page.evaluate(() => {
      const ChartJs = (
        window as unknown as {
          Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: number[]; label: string }[] } } };
        }
      ).Chart;
      const canvas = document.getElementById('own-daily-chart') as HTMLCanvasElement;
      const chart = ChartJs.getChart(canvas);
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      // (No named helper here: the test's compiler would wrap it in a function the page does not have.)
      return {
        width: canvas.width,
        painted,
        successful: chart.data.datasets[0]!.data.reduce((a, b) => a + b, 0),
        failed: chart.data.datasets[1]!.data.reduce((a, b) => a + b, 0),
        legend: chart.data.datasets.map((d) => d.label),
      };
    });
    assert.ok(drawn.width > 0, 'the canvas has a size');
    assert.ok(drawn.painted > 1000, `the chart painted the canvas (${drawn.painted} pixels)`);
    assert.deepEqual({ successful: drawn.successful, failed: drawn.failed }, { successful: 2, failed: 2 });
    assert.deepEqual(drawn.legend, ['Successful attempts', 'Failed attempts'], 'the legend names come from the page');

    assert.equal((await page.locator('#own-successful').textContent())?.trim(), '2');
    assert.equal((await page.locator('#own-failed').textContent())?.trim(), '2');
    assert.equal((await page.locator('#own-sent').textContent())?.trim(), '2');
    const mailingRow = page.locator('#own-mailings tbody tr').first();
    assert.deepEqual(
      (await mailingRow.locator('th, td').allTextContents()).map((s) => s.trim()),
      ['Charted mailing', '2', '2', '2'],
    );
    assert.equal(await page.locator('#own-daily tbody tr').count(), 30);

    assert.ok(scripts.length >= 2, 'Chart.js and the page script were loaded');
    assert.ok(
      scripts.every((origin) => origin === t.baseUrl),
      `every script comes from Herald itself: ${scripts.join(', ')}`,
    );
    assert.deepEqual(problems, []);
  },
);
