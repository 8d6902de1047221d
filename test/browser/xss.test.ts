/**
 * XSS across the site (issue #6, hostile input): a payload in every text field of every entity
 * (a recipient's name, comment and e-mail local part, a message's subject and body, a mailing's
 * name, a user's full name, a post's title, an audit reason), then every page that shows them,
 * in Chromium with the Content-Security-Policy bypassed so only escaping stands in the way: no
 * dialog opens, and no element the payloads would create exists.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as s from '../../src/db/schema.ts';
import { toActor } from '../../src/features/auth/auth.service.ts';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import { createUser, uniqueEmail } from '../support/accounts.ts';
import { loginOverHttp, type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';

let browser: Browser;
let t: ServedApp;
const contexts: BrowserContext[] = [];

/** Payloads for one field, each marked so an element it created can be found. */
const payloads = (field: string) => [
  `<img src=x onerror="alert('${field}')" data-xss="${field}">`,
  `"><svg onload="alert('${field}')" data-xss="${field}">`,
  `'><script data-xss="${field}">alert('${field}')</script>`,
  `</textarea></title><iframe srcdoc="<script>parent.alert('${field}')</script>" data-xss="${field}"></iframe>`,
  `javascript:alert('${field}')`,
];
const one = (field: string) => payloads(field).join(' ');

before(async () => {
  ({ browser, t } = await startBrowserAndApp({ devMailbox: true }));
});
after(async () => {
  for (const context of contexts) await context.close();
  await stopBrowserAndApp({ browser, t });
});

/** Records every dialog the page opens, and dismisses it. */
function watchDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return dialogs;
}

/**
 * Elements the payloads would have made, and `javascript:` links, in the page and its same-origin
 * frames. A string, not a function: tsx would add a helper the page does not have.
 */
const findInjected = `(() => {
  const found = [];
  const docs = [document];
  for (const frame of document.querySelectorAll('iframe')) {
    try {
      if (frame.contentDocument) docs.push(frame.contentDocument);
    } catch {}
  }
  for (const doc of docs) {
    for (const el of doc.querySelectorAll('[data-xss], a[href^="javascript:" i], [src^="javascript:" i]')) {
      found.push(el.outerHTML.slice(0, 120));
    }
  }
  return found;
})()`;
const injected = (page: Page) => page.evaluate<string[]>(findInjected);

async function pageFor(user: UserRow): Promise<{ page: Page; dialogs: string[] }> {
  const context = await browser.newContext({ bypassCSP: true });
  contexts.push(context);
  await loginOverHttp(context.request, t.baseUrl, user.email);
  const page = await context.newPage();
  return { page, dialogs: watchDialogs(page) };
}

test('payloads in every text field are shown as text on every page that shows them', async () => {
  const owner = await createUser(t.c, { fullName: one('user-name').slice(0, 200), email: uniqueEmail('xss-owner') });
  const admin = await createUser(t.c, { role: 'admin', email: uniqueEmail('xss-admin') });
  const db = t.c.db;
  // Stored as they are: whatever the forms let through, the pages must escape what is in the database.
  const [recipient] = await db
    .insert(s.recipients)
    .values({
      ownerId: owner.id,
      email: `"><img/src=x/onerror=alert('local')/data-xss=local>@example.com`,
      fullName: one('recipient-name'),
      comment: one('recipient-comment'),
    })
    .returning();
  const [message] = await db
    .insert(s.messages)
    .values({ ownerId: owner.id, subject: one('subject'), body: `${one('body')}\n\n{{name}}`, format: 'markdown' })
    .returning();
  const [mailing] = await db
    .insert(s.mailings)
    .values({
      ownerId: owner.id,
      name: one('mailing-name'),
      messageId: message!.id,
      startsAt: new Date('2031-01-01T09:00Z'),
      endsAt: new Date('2032-01-01T09:00Z'),
      timeZone: 'UTC',
      // Daily, so the run below leaves it Running (still editable), and disabled so no scheduler sends it.
      schedule: { kind: 'daily' },
      disabledAt: new Date(),
      disabledReason: one('disabled-reason'),
    })
    .returning();
  await db.insert(s.mailingRecipients).values({ mailingId: mailing!.id, recipientId: recipient!.id });
  const [run] = await db
    .insert(s.runs)
    .values({ mailingId: mailing!.id, trigger: 'manual', state: 'finished', total: 1, failed: 1, finishedAt: new Date() })
    .returning();
  const [delivery] = await db
    .insert(s.deliveries)
    .values({
      runId: run!.id,
      email: recipient!.email,
      fullName: recipient!.fullName,
      state: 'failed',
      lastResponse: one('smtp-reply'),
    })
    .returning();
  await db.insert(s.attempts).values({
    deliveryId: delivery!.id,
    runId: run!.id,
    attemptedAt: new Date(),
    success: false,
    code: 550,
    response: one('attempt-response'),
    durationMs: 5,
    server: '127.0.0.1',
  });
  const [post] = await db
    .insert(s.posts)
    .values({
      authorId: owner.id,
      title: one('post-title'),
      slug: 'xss-post',
      body: one('post-body'),
      published: true,
      publishedAt: new Date(),
    })
    .returning();
  const [draft] = await db
    .insert(s.posts)
    .values({ authorId: owner.id, title: one('draft-title'), slug: 'xss-draft', body: one('draft-body') })
    .returning();
  // An oversight action with a reason, for the audit log.
  const victim = await createUser(t.c, { fullName: one('victim-name').slice(0, 200), email: uniqueEmail('xss-victim') });
  await t.c.oversight.blockUser(toActor(admin, 'session'), victim.id, one('audit-reason').slice(0, 500));

  const mailingPages = [`/mailings/${mailing!.id}`, `/mailings/${mailing!.id}/edit`, `/mailings/${mailing!.id}/runs/${run!.id}`];
  const ownerPages = [
    '/',
    '/profile',
    '/profile/edit',
    '/recipients',
    `/recipients/${recipient!.id}`,
    `/recipients/${recipient!.id}/edit`,
    `/recipients/${recipient!.id}/delete`,
    '/messages',
    `/messages/${message!.id}`,
    `/messages/${message!.id}/edit`,
    `/messages/${message!.id}/preview`,
    `/messages/${message!.id}/delete`,
    '/mailings',
    '/mailings/new',
    ...mailingPages,
    `/mailings/${mailing!.id}/delete`,
    '/attempts',
    '/stats',
    '/blog',
    `/blog/${post!.slug}`,
    `/blog/${draft!.slug}`,
    `/blog/${draft!.slug}/edit`,
    '/blog/drafts',
  ];
  const adminPages = [
    '/users',
    `/users/${owner.id}`,
    `/users/${victim.id}`,
    `/users/${owner.id}/delete`,
    '/audit',
    '/stats',
    '/attempts',
    '/recipients?q=onerror',
    `/recipients/${recipient!.id}`,
    ...mailingPages,
    '/dev/mailbox',
  ];

  for (const [who, user, paths] of [
    ['owner', owner, ownerPages],
    ['admin', admin, adminPages],
  ] as const) {
    const { page, dialogs } = await pageFor(user);
    // The watch works: a dialog opened on purpose is seen, and an element made on purpose is found.
    await page.goto(`${t.baseUrl}/`);
    await page.evaluate(() => alert('control'));
    assert.deepEqual(dialogs.splice(0), ['alert: control']);
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<b data-xss="control"></b>'));
    assert.equal((await injected(page)).length, 1);
    for (const path of paths) {
      const response = await page.goto(`${t.baseUrl}${path}`, { waitUntil: 'load' });
      assert.equal(response?.status(), 200, `${who}: ${path}`);
      // Let load, error and animation events fire before looking.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      assert.deepEqual(await injected(page), [], `${who}: ${path}`);
      assert.deepEqual(dialogs, [], `${who}: ${path}`);
    }
  }
  // The text survives as text: the reader sees what was written.
  const { page } = await pageFor(owner);
  await page.goto(`${t.baseUrl}/mailings/${mailing!.id}`);
  await page.getByText(`<img src=x onerror="alert('mailing-name')"`, { exact: false }).first().waitFor();
});
