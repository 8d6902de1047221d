import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createUser, ensureAdmin, PASSWORD, uniqueEmail } from '../support/accounts.ts';
import { launchBrowser, loginOverHttp, postLogin, type ServedApp, serveTestApp } from '../support/browser.ts';
import { linkIn } from '../support/smtp.ts';

// Every test waits for pages and mails, never for a fixed time; this only bounds a hang.
const limit = { timeout: 60_000 };

let browser: Browser;
/** The app most tests share; it has an admin, so no page leads to /setup. */
let t: ServedApp;
/** A second app with no admin yet, only for the first-run test. */
let fresh: ServedApp;

before(async () => {
  // Started side by side (an app takes seconds to migrate); whatever started is stopped in after().
  const started = await Promise.allSettled([
    launchBrowser().then((b) => {
      browser = b;
    }),
    serveTestApp().then((app) => {
      t = app;
    }),
    serveTestApp().then((app) => {
      fresh = app;
    }),
  ]);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  await ensureAdmin(t);
});

after(async () => {
  await browser?.close();
  await Promise.all([t?.close(), fresh?.close()]);
});

/** A fresh browser context (its own cookies), closed when the test ends. */
async function newContext(tc: { after(fn: () => Promise<void>): void }): Promise<BrowserContext> {
  const context = await browser.newContext();
  tc.after(() => context.close());
  return context;
}

const pathIs = (path: string) => (url: URL) => url.pathname === path;
const flash = (page: Page) => page.locator('main > p.flash');
/** Found by its exact accessible name: hints and errors describe a field, they are not its name. */
const passwordField = (page: Page) => page.getByLabel('Password', { exact: true });
const passwordAgainField = (page: Page) => page.getByLabel('Password again');

describe('first run', () => {
  test('the first visit leads to setup, which creates the admin, logs them in, and is gone afterwards', limit, async (tc) => {
    const page = await (await newContext(tc)).newPage();
    await page.goto(`${fresh.baseUrl}/`);
    await page.waitForURL(pathIs('/setup'));
    await page.getByRole('heading', { name: 'Welcome to Herald' }).waitFor();

    await page.getByLabel('Full name').fill('Grace Admin');
    await page.getByLabel('E-mail').fill('grace.admin@example.com');
    await passwordField(page).fill(PASSWORD);
    await passwordAgainField(page).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin' }).click();

    await page.waitForURL(pathIs('/'));
    await flash(page).filter({ hasText: 'Herald is ready. You are logged in as its administrator.' }).waitFor();
    const nav = page.locator('header nav');
    await nav.getByRole('link', { name: 'Grace Admin' }).waitFor();
    await nav.getByRole('button', { name: 'Log out' }).waitFor();
    assert.equal(await fresh.c.auth.isSetupNeeded(), false);

    const again = await page.goto(`${fresh.baseUrl}/setup`);
    assert.equal(again?.status(), 404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    assert.equal(await page.getByLabel('Full name').count(), 0);
  });
});

describe('accounts in the browser', () => {
  test('register → confirm from the mail → log in by the form → profile → log out', limit, async (tc) => {
    const email = uniqueEmail('browser');
    const page = await (await newContext(tc)).newPage();

    await page.goto(`${t.baseUrl}/register`);
    await page.getByLabel('Full name').pressSequentially('Ada Lovelace');
    await page.getByLabel('E-mail').pressSequentially(email);
    await passwordField(page).pressSequentially(PASSWORD);
    await passwordAgainField(page).pressSequentially(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await page.getByText(email).waitFor();

    const mail = await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'Confirm your e-mail address');
    await page.goto(linkIn(mail, `${t.baseUrl}/confirm/`));
    await page.waitForURL(pathIs('/login'));
    await flash(page).filter({ hasText: 'Your e-mail address is confirmed' }).waitFor();

    await page.getByLabel('E-mail').fill(email);
    await passwordField(page).fill(PASSWORD);
    await page.locator('main').getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(pathIs('/'));
    await flash(page).filter({ hasText: 'Welcome back, Ada Lovelace.' }).waitFor();

    await page.goto(`${t.baseUrl}/profile`);
    await page.waitForURL(pathIs('/profile'));
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    const emailRow = page.getByRole('row', { name: /E-mail/ });
    assert.equal((await emailRow.getByRole('cell').textContent())?.trim(), email);
    await page.screenshot({ path: '/tmp/herald-profile.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: '/tmp/herald-profile-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });

    await page.locator('header nav').getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(pathIs('/'));
    await flash(page).filter({ hasText: 'You are logged out.' }).waitFor();
    await page.locator('header nav').getByRole('link', { name: 'Log in' }).waitFor();

    await page.goto(`${t.baseUrl}/profile`);
    await page.waitForURL(pathIs('/login'));
    assert.equal(new URL(page.url()).searchParams.get('next'), '/profile');
  });

  test('a password reset sets the new password, ends other sessions, and its link works once', limit, async (tc) => {
    const user = await createUser(t.c, { fullName: 'Reset Person' });
    const NEW_PASSWORD = 'another-long-password-77';

    const elsewhere = await newContext(tc);
    await loginOverHttp(elsewhere.request, t.baseUrl, user.email);
    const elsewherePage = await elsewhere.newPage();
    await elsewherePage.goto(`${t.baseUrl}/profile`);
    await elsewherePage.getByRole('heading', { name: 'Reset Person' }).waitFor();

    const context = await newContext(tc);
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/password-reset`);
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    const mail = await t.smtp!.nextMail(user.email, (m) => m.parsed.subject === 'Reset your password');
    const link = linkIn(mail, `${t.baseUrl}/password-reset/`);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await passwordField(page).fill(NEW_PASSWORD);
    await passwordAgainField(page).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(pathIs('/login'));
    await flash(page).filter({ hasText: 'Your password is changed.' }).waitFor();

    assert.equal(await postLogin(context.request, t.baseUrl, user.email, PASSWORD), 401, 'the old password still works');
    assert.equal(await postLogin(context.request, t.baseUrl, user.email, NEW_PASSWORD), 303, 'the new password does not work');
    await page.goto(`${t.baseUrl}/profile`);
    await page.getByRole('heading', { name: 'Reset Person' }).waitFor();

    await elsewherePage.goto(`${t.baseUrl}/profile`);
    await elsewherePage.waitForURL(pathIs('/login'));

    const reused = await page.goto(link);
    assert.equal(reused?.status(), 400);
    await page.getByText('This link has already been used.').waitFor();
    assert.equal(await passwordField(page).count(), 0);
  });

  test('logging in before confirmation offers to resend the mail, and the button sends a new one', limit, async (tc) => {
    const email = uniqueEmail('unconfirmed');
    const page = await (await newContext(tc)).newPage();
    await page.goto(`${t.baseUrl}/register`);
    await page.getByLabel('Full name').fill('Not Yet');
    await page.getByLabel('E-mail').fill(email);
    await passwordField(page).fill(PASSWORD);
    await passwordAgainField(page).fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    const first = await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'Confirm your e-mail address');

    await page.goto(`${t.baseUrl}/login`);
    await page.getByLabel('E-mail').fill(email);
    await passwordField(page).fill(PASSWORD);
    await page.locator('main').getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Confirm your e-mail address first' }).waitFor();

    await page.getByRole('button', { name: 'Resend the confirmation e-mail' }).click();
    // The refused login was shown at /login already, so the flash (not the URL) marks the redirect.
    await flash(page).filter({ hasText: 'a new confirmation link is on its way' }).waitFor();
    const second = await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'Confirm your e-mail address', new Set([first]));
    assert.notEqual(linkIn(second, `${t.baseUrl}/confirm/`), linkIn(first, `${t.baseUrl}/confirm/`));
  });

  test('wrong input on the register form is shown next to its field and keeps name and e-mail', limit, async (tc) => {
    const email = uniqueEmail('typo');
    const page = await (await newContext(tc)).newPage();
    await page.goto(`${t.baseUrl}/register`);
    await page.getByLabel('Full name').fill('Grace Hopper');
    await page.getByLabel('E-mail').fill(email);
    await passwordField(page).fill('short');
    await passwordAgainField(page).fill('short');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/register'),
      page.getByRole('button', { name: 'Register' }).click(),
    ]);
    assert.equal(response.status(), 422);
    await page.waitForLoadState();

    const error = page.locator('#field-password-error');
    await error.waitFor();
    assert.equal(await error.textContent(), 'Password must be at least 10 characters.');
    const describedBy = (await passwordField(page).getAttribute('aria-describedby'))?.split(' ') ?? [];
    assert.ok(describedBy.includes((await error.getAttribute('id')) ?? '-'), 'the error is not the field description');
    assert.equal(await passwordField(page).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('.field-error').count(), 1, 'only the password is wrong');

    assert.equal(await page.getByLabel('Full name').inputValue(), 'Grace Hopper');
    assert.equal(await page.getByLabel('E-mail').inputValue(), email);
    assert.equal(await passwordField(page).inputValue(), '');
    assert.equal(await passwordAgainField(page).inputValue(), '');
    assert.equal(t.smtp!.received.filter((m) => m.to.includes(email)).length, 0);
  });
});
