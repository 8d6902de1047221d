import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createUser, ensureAdmin } from '../support/accounts.ts';
import { launchBrowser, loginOverHttp, type ServedApp, serveTestApp } from '../support/browser.ts';

let browser: Browser | undefined;
let t: ServedApp | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-import-'));

before(async () => {
  [browser, t] = await Promise.all([launchBrowser(), serveTestApp({ devMailbox: true })]);
  await ensureAdmin(t);
});
after(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a CSV upload through the page (with its progress script) ends on the report with the skipped lines', {
  timeout: 120_000,
}, async () => {
  if (!browser || !t) throw new Error('setup failed');
  const user = await createUser(t.c);
  const context = await browser.newContext();
  try {
    await loginOverHttp(context.request, t.baseUrl, user.email);
    const file = path.join(dir, 'people.csv');
    const rows = Array.from({ length: 20_000 }, (_, i) => `person${i}@example.com,Person ${i},`);
    writeFileSync(file, ['email,name,comment', ...rows, 'not-an-address,Broken,'].join('\n'));

    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/recipients/import`);
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.locator('#import-report').waitFor();
    // The script uploaded it (the page never navigated to the form's action URL, which carries the token).
    assert.equal(new URL(page.url()).search, '');
    const report = (await page.locator('#import-report').textContent()) ?? '';
    assert.match(report, /20,001 rows read: 20,000 imported, 0 duplicates skipped, 1 invalid row skipped\./);
    assert.match(report, /Line 20002: Enter a valid e-mail address/);
    assert.equal(
      (
        await t.c.recipients.listRecipients(
          { userId: user.id, role: 'user', email: user.email, fullName: '', via: 'session' },
          {},
        )
      ).total,
      20_000,
    );
  } finally {
    await context.close();
  }
});
