import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/accounts.ts';
import { loginOverHttp, type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';

// Every test waits for pages, never for a fixed time; this only bounds a hang.
const limit = { timeout: 60_000 };

let browser: Browser;
let t: ServedApp;

before(async () => {
  ({ browser, t } = await startBrowserAndApp());
});

after(() => stopBrowserAndApp({ browser, t }));

/** A fresh browser context (its own cookies), closed when the test ends. */
async function newContext(tc: { after(fn: () => Promise<void>): void }): Promise<BrowserContext> {
  const context = await browser.newContext();
  tc.after(() => context.close());
  return context;
}

/** A page in a fresh context logged in as `user` over HTTP. */
async function pageAs(tc: { after(fn: () => Promise<void>): void }, user: UserRow): Promise<Page> {
  const context = await newContext(tc);
  await loginOverHttp(context.request, t.baseUrl, user.email);
  return context.newPage();
}

const pathIs = (path: string) => (url: URL) => url.pathname === path;
const pathMatches = (pattern: RegExp) => (url: URL) => pattern.test(url.pathname);
const flash = (page: Page) => page.locator('main > p.flash');
/** The value cell of a row in a detail page's table, found by the row's header. */
const rowValue = (page: Page, header: string) =>
  page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: header, exact: true }) })
    .getByRole('cell');
const submit = (page: Page, name: string) => page.locator('main').getByRole('button', { name, exact: true });
const idFrom = (page: Page) => Number(new URL(page.url()).pathname.split('/').at(-1));

/** Full-page screenshots (not asserted) at desktop and phone widths; the viewport is restored afterwards. */
async function screenshots(page: Page, name: string) {
  await page.screenshot({ path: `/tmp/${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `/tmp/${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });
}

describe('a mailing from scratch, and a manager overseeing it', () => {
  /** What the first test made, for the second: the manager acts on that user's mailing. */
  let made: { owner: UserRow; mailingId: number; name: string } | undefined;

  test('a user adds a recipient, writes and previews a message, and schedules a weekly mailing', limit, async (tc) => {
    const owner = await createUser(t.c, { fullName: 'Mona Owner' });
    const page = await pageAs(tc, owner);
    const recipientEmail = uniqueEmail('reader');

    await page.goto(`${t.baseUrl}/recipients/new`);
    await page.getByLabel('E-mail').fill(recipientEmail);
    await page.getByLabel('Full name').fill('Ada Reader');
    await page.getByLabel('Comment').fill('Met at the conference');
    await submit(page, 'Save').click();
    await page.waitForURL(pathMatches(/^\/recipients\/\d+$/));
    await flash(page)
      .filter({ hasText: `Recipient ${recipientEmail} is added.` })
      .waitFor();
    await page.getByRole('heading', { name: recipientEmail }).waitFor();

    await page.goto(`${t.baseUrl}/messages/new`);
    await page.getByLabel('Subject', { exact: true }).fill('News for {{name}}');
    await page.getByLabel('Format', { exact: true }).selectOption({ label: 'Markdown' });
    await page
      .getByRole('textbox', { name: 'Body', exact: true })
      .fill('# Weekly news\n\nHello **{{name}}**, here is what happened.\n\n[Unsubscribe]({{unsubscribe_url}})');
    await submit(page, 'Save').click();
    await page.waitForURL(pathMatches(/^\/messages\/\d+$/));
    await flash(page).filter({ hasText: 'The message is saved.' }).waitFor();
    await page.getByRole('heading', { name: 'News for {{name}}' }).waitFor();

    await page.locator('main').getByRole('link', { name: 'Preview' }).click();
    await page.waitForURL(pathMatches(/^\/messages\/\d+\/preview$/));
    await page.getByText('Subject: News for Mona Owner').waitFor();
    const iframe = page.getByTitle('HTML preview');
    assert.equal(await iframe.getAttribute('sandbox'), '', 'the preview iframe is not fully sandboxed');
    const html = page.frameLocator('iframe[title="HTML preview"]');
    await html.getByRole('heading', { name: 'Weekly news' }).waitFor();
    assert.equal(await html.locator('strong').textContent(), 'Mona Owner');
    assert.match((await html.getByRole('link', { name: 'Unsubscribe' }).getAttribute('href')) ?? '', /\/unsubscribe\/example$/);
    const text = (await page.locator('main pre.mail').textContent()) ?? '';
    assert.match(text, /# Weekly news/);
    assert.match(text, /Hello \*\*Mona Owner\*\*, here is what happened\./);
    assert.doesNotMatch(text, /<\w+/, 'the text part holds HTML');

    // A start two years ahead keeps the mailing Created whatever the scheduler does meanwhile.
    const year = new Date().getFullYear() + 2;
    const name = `Weekly news ${year}`;
    await page.goto(`${t.baseUrl}/mailings/new`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Message', { exact: true }).selectOption({ label: 'News for {{name}}' });
    await page.getByLabel('Or choose some').selectOption([{ label: `Ada Reader <${recipientEmail}>` }]);
    await page.getByLabel('Time zone', { exact: true }).selectOption('Europe/Berlin');
    await page.getByLabel('Start', { exact: true }).fill(`${year}-03-02T09:30`);
    await page.getByLabel('End', { exact: true }).fill(`${year}-06-30T18:00`);
    await page.getByLabel('Schedule', { exact: true }).selectOption({ label: 'Every week, on chosen days' });
    await page.getByRole('checkbox', { name: 'Monday' }).check();
    await page.getByRole('checkbox', { name: 'Thursday' }).check();
    await screenshots(page, 'herald-mailing-form');
    await submit(page, 'Save').click();

    await page.waitForURL(pathMatches(/^\/mailings\/\d+$/));
    const mailingId = idFrom(page);
    await flash(page)
      .filter({ hasText: `Mailing “${name}” is created.` })
      .waitFor();
    await page.getByRole('heading', { name }).waitFor();
    await page.locator('main mark.badge', { hasText: 'Created' }).waitFor();
    assert.equal(await rowValue(page, 'Message').textContent(), 'News for {{name}}');
    assert.equal(await rowValue(page, 'Recipients').textContent(), '1');
    assert.equal(await rowValue(page, 'Schedule').textContent(), 'Every Monday and Thursday at 09:30 (Europe/Berlin)');
    assert.equal(await rowValue(page, 'Window').textContent(), `${year}-03-02 09:30 – ${year}-06-30 18:00 (Europe/Berlin)`);
    assert.equal(await rowValue(page, 'Next send').textContent(), `${year}-03-02 09:30 (Europe/Berlin)`);
    assert.equal(await rowValue(page, 'Owner').textContent(), owner.email);
    await screenshots(page, 'herald-mailing');

    await page.goto(`${t.baseUrl}/mailings`);
    const filters = page.getByRole('navigation', { name: 'Filter by status' });
    await filters.getByRole('link', { name: 'Created (1)' }).click();
    await page.waitForURL((url) => url.pathname === '/mailings' && url.searchParams.get('status') === 'created');
    assert.equal(await filters.getByRole('link', { name: 'Created (1)' }).getAttribute('aria-current'), 'page');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name }) });
    await row.waitFor();
    const cells = (await row.getByRole('cell').allTextContents()).map((cell) => cell.trim());
    assert.deepEqual(cells, [name, 'Created', 'Every Monday and Thursday at 09:30 (Europe/Berlin)', '1', `${year}-03-02 09:30`]);

    made = { owner, mailingId, name };
  });

  test(
    "a manager disables the user's mailing with a reason, the owner sees why, and the manager enables it",
    limit,
    async (tc) => {
      assert.ok(made, 'needs the mailing of the previous test');
      const { owner, mailingId, name } = made;
      const manager = await createUser(t.c, { role: 'manager', fullName: 'Max Manager' });
      const reason = 'Complaints about the sending rate';
      const url = `${t.baseUrl}/mailings/${mailingId}`;

      const managerPage = await pageAs(tc, manager);
      await managerPage.goto(url);
      await managerPage.getByRole('heading', { name }).waitFor();
      assert.equal(await rowValue(managerPage, 'Owner').textContent(), owner.email);
      await managerPage.getByLabel('Reason (kept in the audit log)').fill(reason);
      await submit(managerPage, 'Disable mailing').click();
      // The action redirects to the page it was posted from, so the flash (not the URL) marks the redirect.
      await flash(managerPage).filter({ hasText: 'The mailing is disabled.' }).waitFor();
      await managerPage.locator('main mark.badge', { hasText: 'Disabled' }).waitFor();
      await submit(managerPage, 'Enable mailing').waitFor();

      const ownerPage = await pageAs(tc, owner);
      await ownerPage.goto(url);
      await ownerPage.getByRole('heading', { name }).waitFor();
      await ownerPage
        .getByText(`Disabled by a manager: ${reason} It does not send until it is enabled again.`, { exact: true })
        .waitFor();
      assert.equal(await rowValue(ownerPage, 'Next send').textContent(), 'Not while paused or disabled');
      assert.equal(await submit(ownerPage, 'Enable mailing').count(), 0, 'the owner is offered the enable button');

      await submit(managerPage, 'Enable mailing').click();
      await flash(managerPage).filter({ hasText: 'The mailing is enabled.' }).waitFor();
      await submit(managerPage, 'Disable mailing').waitFor();

      await ownerPage.reload();
      await ownerPage.getByRole('heading', { name }).waitFor();
      assert.equal(await ownerPage.getByText('Disabled by a manager').count(), 0);
      assert.equal(await ownerPage.locator('main mark.badge', { hasText: 'Disabled' }).count(), 0);
      assert.match((await rowValue(ownerPage, 'Next send').textContent()) ?? '', /\(Europe\/Berlin\)$/);
    },
  );
});

describe('blocking in the browser', () => {
  test("a manager's block ends the user's open session and refuses their logins until an admin unblocks", limit, async (tc) => {
    const user = await createUser(t.c, { fullName: 'Bea Blocked' });
    const manager = await createUser(t.c, { role: 'manager' });
    const admin = await createUser(t.c, { role: 'admin' });
    const reason = 'Sent mail to bought addresses';

    const userPage = await pageAs(tc, user);
    await userPage.goto(`${t.baseUrl}/mailings`);
    await userPage.getByRole('heading', { name: 'Mailings' }).waitFor();

    const managerPage = await pageAs(tc, manager);
    await managerPage.goto(`${t.baseUrl}/users/${user.id}`);
    await managerPage.getByRole('heading', { name: 'Bea Blocked' }).waitFor();
    await managerPage.getByLabel('Reason (optional)').fill(reason);
    await submit(managerPage, 'Block').click();
    await flash(managerPage)
      .filter({ hasText: `${user.email} is blocked and their sessions have ended.` })
      .waitFor();
    assert.match((await rowValue(managerPage, 'State').textContent()) ?? '', new RegExp(`^Blocked since .* — ${reason}$`));

    await userPage.reload();
    await userPage.waitForURL(pathIs('/login'));
    assert.equal(new URL(userPage.url()).searchParams.get('next'), '/mailings');
    const logIn = async () => {
      await userPage.getByLabel('E-mail').fill(user.email);
      await userPage.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await submit(userPage, 'Log in').click();
    };
    await logIn();
    await userPage.getByRole('alert').filter({ hasText: 'This account is blocked. Contact the administrator.' }).waitFor();
    assert.equal(new URL(userPage.url()).pathname, '/login');

    const adminPage = await pageAs(tc, admin);
    await adminPage.goto(`${t.baseUrl}/users/${user.id}`);
    const unblock = adminPage.locator('article').filter({ has: adminPage.getByRole('heading', { name: 'Unblock' }) });
    await unblock.getByLabel('Reason (optional)').fill('Cleared after a talk');
    await unblock.getByRole('button', { name: 'Unblock' }).click();
    await flash(adminPage)
      .filter({ hasText: `${user.email} is unblocked and may log in again.` })
      .waitFor();
    assert.equal(await rowValue(adminPage, 'State').textContent(), 'Active');

    await userPage.goto(`${t.baseUrl}/login?next=%2Fmailings`);
    await logIn();
    await userPage.waitForURL(pathIs('/mailings'));
    await flash(userPage).filter({ hasText: 'Welcome back, Bea Blocked.' }).waitFor();
  });
});

describe('keyboard', () => {
  test('the recipient form is filled and submitted with the keyboard alone', limit, async (tc) => {
    const user = await createUser(t.c);
    const page = await pageAs(tc, user);
    const email = uniqueEmail('keyboard');
    const focused = () => page.locator(':focus');

    await page.goto(`${t.baseUrl}/recipients/new`);
    await page.getByLabel('E-mail').focus();
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    assert.equal(await focused().getAttribute('id'), 'field-fullName');
    await page.keyboard.type('Kay Board');
    await page.keyboard.press('Tab');
    assert.equal(await focused().getAttribute('id'), 'field-comment');
    await page.keyboard.type('Typed, not clicked');
    await page.keyboard.press('Tab');
    assert.equal((await focused().textContent())?.trim(), 'Save', 'Tab from the last field does not reach Save');
    await page.keyboard.press('Enter');

    await page.waitForURL(pathMatches(/^\/recipients\/\d+$/));
    await flash(page)
      .filter({ hasText: `Recipient ${email} is added.` })
      .waitFor();
    await page.getByRole('heading', { name: email }).waitFor();
    assert.equal(await rowValue(page, 'Name').textContent(), 'Kay Board');
    assert.equal(await rowValue(page, 'Comment').textContent(), 'Typed, not clicked');
  });
});

describe('labels and layout', () => {
  test("the message body's accessible name is its label, not its label and hint", limit, async (tc) => {
    const page = await pageAs(tc, await createUser(t.c));
    await page.goto(`${t.baseUrl}/messages/new`);
    await page.getByRole('heading', { name: 'New message' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Body', exact: true }).count(), 1);
  });

  test('a page fits a 390px-wide phone without scrolling sideways', limit, async (tc) => {
    const page = await pageAs(tc, await createUser(t.c));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${t.baseUrl}/mailings`);
    await page.getByRole('heading', { name: 'Mailings' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  });
});
