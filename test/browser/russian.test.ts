import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, uniqueEmail } from '../support/accounts.ts';
import { type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';
import { sameInEveryLanguage } from '../support/i18n-scan.ts';
import { linkIn } from '../support/smtp.ts';

// Every step waits for pages and mails, never for a fixed time; this only bounds a hang.
const limit = { timeout: 120_000 };

let browser: Browser;
let t: ServedApp;

before(async () => {
  ({ browser, t } = await startBrowserAndApp({ env: { SEND_RATE_PER_SECOND: '50', SEND_BATCH_SIZE: '10' } }));
});

after(() => stopBrowserAndApp({ browser, t }));

/**
 * The English words a reader meets on the page: its visible text and the texts a screen reader
 * reads (labels, titles, placeholders, button values), less what the test itself typed
 * (addresses, names, subjects) and the words above.
 */
async function englishOn(page: Page, typed: string[]): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const attributes = ['aria-label', 'title', 'placeholder', 'alt'];
    // Time zones are shown by their IANA names (Europe/Moscow), the same in every language.
    const zones = new Set([...document.querySelectorAll('select[name="timeZone"] option')].map((o) => o.textContent ?? ''));
    // What an SMTP server answered is shown as it came (<samp>), in the server's language.
    for (const sample of document.querySelectorAll('samp')) sample.remove();
    const visible = document.body.innerText
      .split('\n')
      .filter((line) => !zones.has(line.trim()))
      .join('\n');
    const found = [document.title, visible];
    for (const element of document.querySelectorAll('*')) {
      for (const name of attributes) {
        const value = element.getAttribute(name);
        if (value) found.push(value);
      }
    }
    return found;
  });
  let text = texts.join('\n');
  for (const value of typed) text = text.split(value).join(' ');
  text = text
    .replace(/\S+@\S+/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\{\{\s*\w+\s*\}\}/g, ' ');
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  return [...new Set(words.filter((word) => !sameInEveryLanguage.has(word)))];
}

async function expectRussian(page: Page, typed: string[]) {
  assert.equal(await page.locator('html').getAttribute('lang'), 'ru', `${page.url()} is not marked Russian`);
  const english = await englishOn(page, typed);
  assert.deepEqual(english, [], `English on ${new URL(page.url()).pathname}: ${english.join(', ')}`);
}

const pathMatches = (pattern: RegExp) => (url: URL) => pattern.test(url.pathname);
const submit = (page: Page) => page.locator('main form button[type=submit]').last();
const flash = (page: Page) => page.locator('main > p.flash');

describe('a Russian-speaking user', () => {
  test(
    'registers, confirms, adds a recipient, a message and a mailing, sends it and reads the statistics in Russian',
    limit,
    async (tc) => {
      const context = await browser.newContext({ locale: 'ru-RU' });
      tc.after(() => context.close());
      const page = await context.newPage();
      const email = uniqueEmail('russian');
      const recipientEmail = uniqueEmail('poluchatel');
      const typed = ['Анна Петрова', 'Иван Иванов', 'Новости для {{name}}', 'Осенние новости', email, recipientEmail];

      await page.goto(`${t.baseUrl}/`);
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/register`);
      await expectRussian(page, typed);
      // An invalid form first: its errors are Russian too.
      await page.locator('[name=fullName]').fill('Анна Петрова');
      await page.locator('[name=email]').fill('not-an-address');
      await page.locator('[name=password]').fill('short');
      await page.locator('[name=passwordConfirm]').fill('other');
      await submit(page).click();
      await page.locator('.field-error').first().waitFor();
      await expectRussian(page, [...typed, 'not-an-address']);

      await page.locator('[name=email]').fill(email);
      await page.locator('[name=password]').fill(PASSWORD);
      await page.locator('[name=passwordConfirm]').fill(PASSWORD);
      await submit(page).click();
      await page.getByText(email).first().waitFor();
      await expectRussian(page, typed);

      const mail = await t.smtp!.nextMail(email, () => true);
      assert.match(mail.parsed.subject ?? '', /[А-Яа-я]/, 'the confirmation mail has a Russian subject');
      assert.doesNotMatch(mail.parsed.text ?? '', /\b(Confirm|Hello|address|link)\b/, 'the confirmation mail is Russian');
      await page.goto(linkIn(mail, `${t.baseUrl}/confirm/`));
      await page.waitForURL(pathMatches(/^\/login$/));
      await flash(page).waitFor();
      await expectRussian(page, typed);

      await page.locator('[name=email]').fill(email);
      await page.locator('[name=password]').fill(PASSWORD);
      await submit(page).click();
      await page.waitForURL((url) => url.pathname !== '/login');
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/profile`);
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/recipients/new`);
      await expectRussian(page, typed);
      await page.locator('[name=email]').fill(recipientEmail);
      await page.locator('[name=fullName]').fill('Иван Иванов');
      await submit(page).click();
      await page.waitForURL(pathMatches(/^\/recipients\/\d+$/));
      await flash(page).waitFor();
      await expectRussian(page, typed);
      await page.goto(`${t.baseUrl}/recipients`);
      await page.getByText('1 получатель').first().waitFor();
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/messages/new`);
      await expectRussian(page, typed);
      await page.locator('[name=subject]').fill('Новости для {{name}}');
      await page.locator('[name=body]').fill('Здравствуйте, {{name}}!');
      await submit(page).click();
      await page.waitForURL(pathMatches(/^\/messages\/\d+$/));
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/mailings/new`);
      await expectRussian(page, typed);
      await page.locator('[name=name]').fill('Осенние новости');
      await page.locator('[name=messageId]').selectOption({ label: 'Новости для {{name}}' });
      await page.locator('[name=allRecipients]').check();
      // Start in two years: the mailing stays Created until the user sends it now.
      const year = new Date().getFullYear() + 2;
      await page.locator('[name=startsAt]').fill(`${year}-03-02T09:30`);
      await page.locator('[name=endsAt]').fill(`${year}-06-30T18:00`);
      await submit(page).click();
      await page.waitForURL(pathMatches(/^\/mailings\/\d+$/));
      await page.locator('main mark.badge', { hasText: 'Создана' }).waitFor();
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/mailings`);
      await expectRussian(page, typed);
      await page.getByRole('link', { name: 'Осенние новости' }).click();
      await page.waitForURL(pathMatches(/^\/mailings\/\d+$/));
      await page.locator('main').getByRole('button', { name: 'Отправить сейчас', exact: true }).click();
      await page.waitForURL(pathMatches(/^\/mailings\/\d+\/runs\/\d+$/));
      await t.smtp!.nextMail(recipientEmail, () => true);
      await page.reload();
      await page.waitForFunction(() => document.getElementById('run-remaining')?.textContent?.trim() === '0', null, {
        timeout: 60_000,
      });
      await expectRussian(page, typed);

      await page.goto(`${t.baseUrl}/stats`);
      await expectRussian(page, typed);
    },
  );

  test('an anonymous visitor switches the pages to Russian in the footer and back', limit, async (tc) => {
    const context = await browser.newContext({ locale: 'en-US' });
    tc.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/login`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.locator('footer').getByRole('link', { name: 'Русский' }).click();
    await page.waitForURL(pathMatches(/^\/login$/));
    await expectRussian(page, []);
    await page.goto(`${t.baseUrl}/blog`);
    await expectRussian(page, []);
    await page.locator('footer').getByRole('link', { name: 'English' }).click();
    await page.waitForURL(pathMatches(/^\/blog$/));
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  });
});
