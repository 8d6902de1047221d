import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import { createUser } from '../support/accounts.ts';
import { loginOverHttp, type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';
import { seedMailing } from '../support/sending-run.ts';

// Every test waits for pages and figures, never for a fixed time; this only bounds a hang.
const limit = { timeout: 90_000 };
const RECIPIENTS = 240;

let browser: Browser;
let t: ServedApp;

before(async () => {
  // A slow pace (and small batches) so the run lasts long enough to be watched from its page.
  const env = { SEND_RATE_PER_SECOND: '30', SEND_BATCH_SIZE: '20' };
  ({ browser, t } = await startBrowserAndApp({ env }));
});

after(() => stopBrowserAndApp({ browser, t }));

/** A page in a fresh context logged in as `user` over HTTP; the context is closed when the test ends. */
async function pageAs(tc: { after(fn: () => Promise<void>): void }, user: UserRow): Promise<Page> {
  const context = await browser.newContext();
  tc.after(() => context.close());
  await loginOverHttp(context.request, t.baseUrl, user.email);
  return context.newPage();
}

const text = async (page: Page, id: string) => (await page.locator(`#${id}`).textContent())?.trim();

describe('a run watched from its page', () => {
  test('after "Send now" the figures and the bar count up to the final totals in place, without a reload', limit, async (tc) => {
    const owner = await createUser(t.c, { fullName: 'Rita Runner' });
    const { mailingId, emails } = await seedMailing(t.c, RECIPIENTS, { owner, label: 'watch' });
    const page = await pageAs(tc, owner);

    await page.goto(`${t.baseUrl}/mailings/${mailingId}`);
    await page.locator('main').getByRole('button', { name: 'Send now', exact: true }).click();
    await page.waitForURL((url) => /^\/mailings\/\d+\/runs\/\d+$/.test(url.pathname));
    // From here on the page must stay as it is: a reload would drop this flag, a navigation would be recorded.
    await page.evaluate(() => {
      (window as unknown as { heraldStayed: boolean }).heraldStayed = true;
    });
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    assert.equal(await text(page, 'run-state'), 'Sending');
    const sentAtFirst = Number(await text(page, 'run-sent'));
    assert.ok(sentAtFirst < RECIPIENTS, `the page opened while the run was sending (${sentAtFirst} sent)`);
    const bar = page.getByRole('progressbar', { name: new RegExp(`of ${RECIPIENTS} deliveries done`) });
    assert.equal(await bar.count(), 1, 'the bar is labelled');

    await page.waitForFunction(() => document.getElementById('run-state')?.textContent === 'Finished', null, {
      timeout: 80_000,
    });
    assert.equal(await text(page, 'run-sent'), String(RECIPIENTS));
    assert.equal(await text(page, 'run-failed'), '0');
    assert.equal(await text(page, 'run-remaining'), '0');
    assert.equal(await bar.evaluate((element) => (element as HTMLProgressElement).value), RECIPIENTS);
    assert.equal(await page.locator('#run-pace').isHidden(), true, 'no rate or ETA once finished');
    assert.match((await text(page, 'run-live')) ?? '', /^Finished\./);

    assert.equal(await page.evaluate(() => (window as unknown as { heraldStayed?: boolean }).heraldStayed), true);
    assert.deepEqual(navigations, [], 'the page never loaded again');
    const received = new Set(t.smtp!.received.map((mail) => mail.to[0]));
    assert.equal(emails.filter((email) => received.has(email)).length, RECIPIENTS, 'every recipient got the e-mail');
  });
});
