import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createUser } from '../support/accounts.ts';
import { postLogin, type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';

// Every step waits for a page, never for a fixed time; this only bounds a hang.
const limit = { timeout: 60_000 };

let browser: Browser;
let t: ServedApp;

before(async () => {
  ({ browser, t } = await startBrowserAndApp());
});

after(() => stopBrowserAndApp({ browser, t }));

test(
  'a real browser never shows the publicly cached home page to a signed-in user, nor theirs after logout',
  limit,
  async (tc) => {
    const user = await createUser(t.c, { fullName: 'Cache Tester' });
    const context = await browser.newContext();
    tc.after(() => context.close());
    const page = await context.newPage();
    const figuresTitle = page.locator('#figures-title');

    const first = await page.goto(`${t.baseUrl}/`);
    assert.equal(first?.headers()['cache-control'], 'public, max-age=60', 'the visitor’s home page may be cached');
    assert.equal(await figuresTitle.textContent(), 'On this Herald');
    // The hashed stylesheets load under the CSP, from the browser's cache or not.
    const sheets = await page.evaluate(() => [...document.styleSheets].map((sheet) => sheet.href ?? ''));
    assert.equal(sheets.filter((href) => /\/assets\/[\w.-]+\.[0-9a-f]{16}\.css$/.test(href)).length, 2);

    // Logged in beside the page (as another tab would): the browser still holds the visitor's home page.
    assert.equal(await postLogin(context.request, t.baseUrl, user.email), 303);
    // A link is followed with the browser's normal cache rules (a typed URL of the same page reloads).
    const home = page.locator('a.brand');
    await page.goto(`${t.baseUrl}/profile`);
    await home.click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.equal(await figuresTitle.textContent(), 'Yours', 'not the visitor’s page cached a moment ago');
    await page.getByRole('link', { name: 'Cache Tester' }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`${t.baseUrl}/login`);
    await home.click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.equal(await figuresTitle.textContent(), 'On this Herald');
    assert.equal(await page.getByRole('link', { name: 'Cache Tester' }).count(), 0, 'not the signed-in page either');
  },
);
