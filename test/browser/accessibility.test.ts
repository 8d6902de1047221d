/**
 * Accessibility (issue #6): axe-core in Chromium on every page Herald serves, for every role that
 * can reach it, in English and again in Russian for the main pages — no violation of impact
 * serious or critical. The page list comes from the app's registered GET routes, so a new page
 * fails here until it is visited or skipped with a reason. Then the main flows by keyboard alone
 * (Tab, Shift+Tab, Enter, Space), each focused control showing a visible focus indicator.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { Result } from 'axe-core';
import { desc, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import * as s from '../../src/db/schema.ts';
import { toActor } from '../../src/features/auth/auth.service.ts';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import type { Language } from '../../src/i18n/i18n.ts';
import { generateToken, hashToken } from '../../src/lib/secrets.ts';
import { type Actor, can, type Permission, type Role } from '../../src/permissions.ts';
import { createUser, ensureAdmin, PASSWORD, uniqueEmail } from '../support/accounts.ts';
import { launchBrowser, loginOverHttp, type ServedApp, serveTestApp } from '../support/browser.ts';
import { seedMailing } from '../support/sending-run.ts';

// Every step waits for pages and events, never for a fixed time; this only bounds a hang.
const limit = { timeout: 900_000 };

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type Who = 'anonymous' | Role;
const everyone: readonly Who[] = ['anonymous', 'user', 'manager', 'admin'];

/** GET routes that answer something other than an HTML page, each with the reason it is not audited. */
const notPages: Record<string, string> = {
  '/healthz': 'JSON health check',
  '/readyz': 'JSON readiness check',
  '/language/:language': 'sets the language cookie and redirects back; no page of its own',
  '/recipients/export.csv': 'CSV download',
  '/attempts/export.csv': 'CSV download',
  '/mailings/:id/runs/:runId/events': 'server-sent events stream of the run page',
  '/blog/feed.atom': 'Atom feed (XML)',
  '/blog/covers/:file': 'cover image',
  '/api/openapi.json': 'OpenAPI document (JSON)',
};
const isApi = (url: string) => url.startsWith('/api/v1/');

/** The pages audited once more in Russian. */
const mainPages = [
  '/',
  '/login',
  '/register',
  '/password-reset',
  '/blog',
  '/blog/:slug',
  '/profile',
  '/recipients',
  '/recipients/new',
  '/recipients/:id',
  '/messages',
  '/messages/new',
  '/mailings',
  '/mailings/new',
  '/mailings/:id',
  '/mailings/:id/runs/:runId',
  '/attempts',
  '/stats',
  '/users',
  '/unsubscribe/:token',
];

let browser: Browser;
let t: ServedApp;

before(async () => {
  // The dev mailbox captures mail, so its pages exist too. No admin yet: the first page audited is /setup.
  [browser, t] = await Promise.all([launchBrowser(), serveTestApp({ devMailbox: true })]);
  t.c.sender.events.on('finished', ({ runId }) => {
    finishedRuns.add(runId);
    waiting.get(runId)?.();
  });
});

after(async () => {
  await browser?.close();
  await t?.close();
});

/** What one person owns, to fill the route parameters of the pages they see. */
interface Seeded {
  user: UserRow | null;
  recipientId: number;
  messageId: number;
  mailingId: number;
  runId: number;
  postSlug: string;
}

const COVER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** Runs the sender has finished, and who waits for which; filled from the sender's events from the start. */
const finishedRuns = new Set<number>();
const waiting = new Map<number, () => void>();

/** Resolves once the sender has finished the run (at once if it already has). */
function runFinished(runId: number): Promise<void> {
  if (finishedRuns.has(runId)) return Promise.resolve();
  return new Promise((resolve) => waiting.set(runId, resolve));
}

/**
 * A user of `role` with one of everything: a recipient with a comment, a message, a mailing with
 * a finished run (its e-mails in the dev mailbox, its attempts recorded), a published post with a
 * cover written by them (published by `publisher`), and an API token.
 */
async function seed(role: Role, publisher: Actor | null, language: Language = 'en'): Promise<Seeded> {
  const user = await createUser(t.c, { role, fullName: `${role} ${language}` });
  if (language !== 'en') await t.c.db.update(s.users).set({ language }).where(eq(s.users.id, user.id));
  const actor = toActor({ ...user, language }, 'session');
  const [recipient] = await t.c.db
    .insert(s.recipients)
    .values({ ownerId: user.id, email: uniqueEmail('reader'), fullName: 'Rosa Reader', comment: 'Met at the fair' })
    .returning();
  const { mailingId } = await seedMailing(t.c, 3, { owner: user, label: `a11y-${role}` });
  const [mailing] = await t.c.db.select().from(s.mailings).where(eq(s.mailings.id, mailingId));
  const { runId } = await t.c.sending.sendNow(actor, mailingId, 'api');
  await runFinished(runId);
  const post = await t.c.blog.createPost(
    actor,
    { title: `Notes from a ${role} ${generateToken().slice(0, 6)}`, body: 'Some **news**.\n\n- one\n- two' },
    { bytes: COVER_PNG },
  );
  await t.c.blog.publishPost(publisher ?? actor, post.slug, { reason: 'accessibility test' });
  await t.c.auth.createApiToken(actor, { name: 'reporting' });
  return { user, recipientId: recipient!.id, messageId: mailing!.messageId, mailingId, runId, postSlug: post.slug };
}

/** A fresh single-use link token of a fresh user (confirmation or password reset). */
async function linkToken(purpose: 'confirm_email' | 'reset_password'): Promise<string> {
  const user = await createUser(t.c);
  const token = generateToken();
  await t.c.db.insert(s.userTokens).values({
    userId: user.id,
    purpose,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return token;
}

interface Fixtures {
  mine: Seeded;
  /** A plain user whose account managers and admins look at. */
  someone: UserRow;
  mailId: number;
}

/** The address of a route for one visitor: every parameter filled from seeded data, or an error naming the route. */
async function addressOf(url: string, f: Fixtures): Promise<string> {
  const { mine } = f;
  const fill: Record<string, () => Promise<string> | string> = {
    '/confirm/:token': async () => `/confirm/${await linkToken('confirm_email')}`,
    '/password-reset/:token': async () => `/password-reset/${await linkToken('reset_password')}`,
    '/recipients/:id': () => `/recipients/${mine.recipientId}`,
    '/recipients/:id/edit': () => `/recipients/${mine.recipientId}/edit`,
    '/recipients/:id/delete': () => `/recipients/${mine.recipientId}/delete`,
    '/messages/:id': () => `/messages/${mine.messageId}`,
    '/messages/:id/edit': () => `/messages/${mine.messageId}/edit`,
    '/messages/:id/delete': () => `/messages/${mine.messageId}/delete`,
    '/messages/:id/preview': () => `/messages/${mine.messageId}/preview`,
    '/mailings/:id': () => `/mailings/${mine.mailingId}`,
    '/mailings/:id/edit': () => `/mailings/${mine.mailingId}/edit`,
    '/mailings/:id/delete': () => `/mailings/${mine.mailingId}/delete`,
    '/mailings/:id/runs/:runId': () => `/mailings/${mine.mailingId}/runs/${mine.runId}`,
    '/users/:id': () => `/users/${f.someone.id}`,
    '/users/:id/delete': () => `/users/${f.someone.id}/delete`,
    '/unsubscribe/:token': () => new URL(t.c.sending.unsubscribeUrl(t.baseUrl, f.someone.id, 'reader@example.com')).pathname,
    '/blog/:slug': () => `/blog/${mine.postSlug}`,
    '/blog/:slug/edit': () => `/blog/${mine.postSlug}/edit`,
    '/blog/:slug/delete': () => `/blog/${mine.postSlug}/delete`,
    '/dev/mailbox/:id': () => `/dev/mailbox/${f.mailId}`,
  };
  if (!url.includes(':')) return url;
  const filler = fill[url];
  if (!filler) throw new Error(`no parameters for ${url}: add them to addressOf()`);
  return filler();
}

/** Whether the route's access rule lets this visitor in (what the access hook enforces). */
function mayReach(access: string | undefined, who: Who, actor: Actor | null): boolean {
  if (access === 'public') return true;
  if (access === 'guest') return who === 'anonymous';
  if (!actor) return false;
  if (access === 'signed-in') return true;
  return can(actor, access as Permission);
}

type Scheme = 'light' | 'dark';

/** A browser context for one visitor: logged in over HTTP, CSP bypassed so axe can be injected. */
async function contextFor(user: UserRow | null, language: Language, colorScheme: Scheme = 'light'): Promise<BrowserContext> {
  const context = await browser.newContext({ bypassCSP: true, colorScheme, locale: language === 'ru' ? 'ru-RU' : 'en-US' });
  if (user) await loginOverHttp(context.request, t.baseUrl, user.email);
  return context;
}

const serious = (violation: Result) => violation.impact === 'serious' || violation.impact === 'critical';

/** axe-core's serious and critical violations on the page as it is now, one readable line each. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
    // The message preview's sandboxed frame holds the e-mail, not Herald's page; it has its own title.
    const results = await axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return results.violations;
  });
  return violations.filter(serious).map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((node) => `      ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ')}`)
        .join('\n')}`,
  );
}

describe('axe-core on every page', () => {
  test('the checker itself finds a missing label, poor contrast and a missing language', async () => {
    const context = await contextFor(null, 'en');
    const page = await context.newPage();
    await page.setContent(
      '<html><head><title>Broken</title></head><body><main><h1>Broken</h1><input name="q"><p style="color:#bbb">faint</p></main></body></html>',
    );
    const found = (await axeViolations(page)).map((line) => line.split(' ')[0]);
    await context.close();
    assert.deepEqual(found.sort(), ['color-contrast', 'html-has-lang', 'label']);
  });

  test(
    'every HTML page, for every role that can reach it, in English, in Russian and in the dark scheme: no serious or critical violation',
    limit,
    async () => {
      const problems: string[] = [];
      const visited = new Map<string, Set<string>>();
      const note = (route: string, label: string) => visited.set(route, (visited.get(route) ?? new Set()).add(label));

      async function audit(page: Page, route: string, address: string, label: string, expectLanguage: Language) {
        const response = await page.goto(`${t.baseUrl}${address}`);
        assert.ok(response, `${address} answered`);
        const type = response.headers()['content-type'] ?? '';
        if (!type.startsWith('text/html')) {
          problems.push(`${label} ${route}: answered ${type}, not a page`);
          return;
        }
        const lang = await page.locator('html').getAttribute('lang');
        if (lang !== expectLanguage) problems.push(`${label} ${address}: lang="${lang}", expected ${expectLanguage}`);
        for (const line of await axeViolations(page)) problems.push(`${label} ${address} (${response.status()}): ${line}`);
        note(route, label);
      }

      // First run: no admin yet, so the setup page is there, in both languages.
      for (const language of ['en', 'ru'] as const) {
        const context = await contextFor(null, language);
        await audit(await context.newPage(), '/setup', '/setup', `anonymous/${language}`, language);
        await context.close();
      }
      await ensureAdmin(t);

      const admin = await createUser(t.c, { role: 'admin' });
      const adminActor = toActor(admin, 'session');
      const someone = await createUser(t.c, { fullName: 'Sam Someone' });
      // A blocked user and audit entries make the oversight pages show their states.
      await t.c.oversight.blockUser(adminActor, (await createUser(t.c, { fullName: 'Blake Blocked' })).id, 'spam');
      const english: Record<Role, Seeded> = {
        user: await seed('user', adminActor),
        manager: await seed('manager', null),
        admin: await seed('admin', null),
      };
      const russian: Record<Role, Seeded> = {
        user: await seed('user', adminActor, 'ru'),
        manager: await seed('manager', null, 'ru'),
        admin: await seed('admin', null, 'ru'),
      };
      const [mail] = await t.c.db.select().from(s.devMailbox).orderBy(desc(s.devMailbox.id)).limit(1);
      assert.ok(mail, 'the runs filled the dev mailbox');
      const mailId = mail.id;

      const routes = t.app.heraldRoutes.filter((route) => route.method === 'GET');
      const pages = routes.filter((route) => !isApi(route.url) && !(route.url in notPages) && route.url !== '/setup');
      const main = mainPages.map((url) => {
        const route = pages.find((candidate) => candidate.url === url);
        assert.ok(route, `main page ${url} is a registered page`);
        return route;
      });

      /** One pass: each visitor in their own context, every page of `list` they may reach. */
      async function pass(list: typeof pages, language: Language, scheme: Scheme) {
        const seeded = language === 'ru' ? russian : english;
        for (const who of everyone) {
          const mine = who === 'anonymous' ? seeded.user : seeded[who];
          const user = who === 'anonymous' ? null : mine.user;
          // Signed-in people read their profile's language; anonymous visitors their browser's (Accept-Language).
          const actor = user ? toActor({ ...user, language }, 'session') : null;
          const context = await contextFor(user, language, scheme);
          const page = await context.newPage();
          for (const route of list) {
            if (!mayReach(route.access, who, actor)) continue;
            const address = await addressOf(route.url, { mine, someone, mailId });
            await audit(
              page,
              route.url,
              address,
              scheme === 'light' ? `${who}/${language}` : `${who}/${language}/${scheme}`,
              language,
            );
          }
          await context.close();
        }
      }
      await pass(pages, 'en', 'light');
      await pass(main, 'ru', 'light');
      await pass(main, 'en', 'dark');

      // Every GET route is an audited page or skipped with a reason, and was audited for every role that may reach it.
      const forgotten = routes.filter((route) => !isApi(route.url) && !(route.url in notPages) && !visited.has(route.url));
      assert.deepEqual(
        forgotten.map((route) => route.url),
        [],
        'GET routes neither audited nor skipped with a reason',
      );
      for (const route of pages) {
        const seen = visited.get(route.url) ?? new Set();
        for (const who of everyone) {
          const actor = who === 'anonymous' ? null : toActor(english[who].user!, 'session');
          if (mayReach(route.access, who, actor)) assert.ok(seen.has(`${who}/en`), `${route.url} audited for ${who}`);
        }
      }
      assert.ok(visited.get('/setup')?.has('anonymous/ru'), 'the setup page audited');
      const stale = Object.keys(notPages).filter((url) => !routes.some((route) => route.url === url));
      assert.deepEqual(stale, [], 'skipped routes that no longer exist');
      assert.deepEqual(problems, [], `accessibility problems:\n${problems.join('\n')}`);
    },
  );

  test(
    'forms showing their errors, flashes and a new token: no serious or critical violation, light and dark',
    limit,
    async () => {
      await ensureAdmin(t);
      const user = await createUser(t.c);
      const problems: string[] = [];
      const forms = {
        anonymous: ['/login', '/register', '/password-reset', '/confirm/resend'],
        user: [
          '/recipients/new',
          '/messages/new',
          '/mailings/new',
          '/blog/new',
          '/profile/edit',
          '/profile/password',
          '/profile/tokens',
        ],
      };
      for (const scheme of ['light', 'dark'] as const) {
        for (const [who, urls] of Object.entries(forms)) {
          const context = await contextFor(who === 'user' ? user : null, 'en', scheme);
          const page = await context.newPage();
          for (const url of urls) {
            await page.goto(`${t.baseUrl}${url}`);
            if (url === '/profile/edit') await page.locator('#field-fullName').fill('');
            // Sent empty: the server answers with the form again, an error beside each field.
            await Promise.all([page.waitForEvent('load'), page.locator('main form button[type="submit"]').last().click()]);
            const errors = await page.locator('.field-error, .flash-error').count();
            if (errors === 0) problems.push(`${scheme} ${url}: no error shown after an empty submit`);
            for (const line of await axeViolations(page)) problems.push(`${scheme} ${url} with errors: ${line}`);
          }
          if (who === 'user') {
            await page.goto(`${t.baseUrl}/profile/tokens`);
            await page.locator('#field-name').fill('reporting');
            await Promise.all([page.waitForEvent('load'), page.locator('main form button[type="submit"]').last().click()]);
            assert.equal(await page.locator('.token').count(), 1, 'the new token is shown');
            for (const line of await axeViolations(page)) problems.push(`${scheme} new token: ${line}`);
            await page.goto(`${t.baseUrl}/recipients/new`);
            await page.locator('#field-email').fill(uniqueEmail('flash'));
            await Promise.all([page.waitForEvent('load'), page.locator('main form button[type="submit"]').last().click()]);
            assert.equal(await page.locator('.flash-success').count(), 1, 'the saved recipient is announced');
            for (const line of await axeViolations(page)) problems.push(`${scheme} flash: ${line}`);
          }
          await context.close();
        }
      }
      assert.deepEqual(problems, [], `accessibility problems:\n${problems.join('\n')}`);
    },
  );
});

/**
 * A context for the keyboard tests. Transitions are turned off so that the computed style read
 * right after a key press is the focused one, not the first frame of a fade.
 */
async function keyboardContext(user: UserRow | null): Promise<BrowserContext> {
  const context = await contextFor(null, 'en');
  if (user) await loginOverHttp(context.request, t.baseUrl, user.email);
  await context.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const style = document.createElement('style');
      style.textContent = '*, *::before, *::after { transition: none !important; }';
      document.head.append(style);
    });
  });
  return context;
}

/**
 * What is wrong with the focus at this stop, or null: something must have focus, match
 * :focus-visible and draw an outline or a ring; and the control focused before must look
 * different now that it has lost focus (the indicator comes with focus, not with the control).
 */
// Plain JavaScript in a string: the test runner's TypeScript transform would add helpers the page lacks.
const checkFocus = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return 'nothing has focus';
  const name = element.tagName.toLowerCase() + ' "' + (element.textContent || element.getAttribute('name') || '').trim().slice(0, 40) + '"';
  function lookOf(e) {
    const style = getComputedStyle(e);
    return style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor + ' | ' + style.boxShadow;
  }
  // Visible means opaque: an outline of 2px or more, or a box-shadow ring, in a colour without transparency.
  const opaque = (color) => !/^rgba\\(/.test(color) || /,\\s*1\\)$/.test(color);
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && opaque(style.outlineColor);
  const ring = (style.boxShadow.match(/rgba?\\([^)]*\\)/g) || []).some(opaque);
  const previous = window.heraldLastStop;
  window.heraldLastStop = { element, look: lookOf(element) };
  if (!element.matches(':focus-visible')) return name + ' has focus but not :focus-visible';
  if (!outline && !ring) return name + ' shows no opaque focus indicator (outline ' + style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor + ', box-shadow ' + style.boxShadow + ')';
  if (previous && previous.element !== element && previous.element.isConnected && lookOf(previous.element) === previous.look) {
    return previous.element.tagName.toLowerCase() + ' looked the same focused and unfocused';
  }
  return null;
})()`;

/**
 * Presses Tab (or Shift+Tab) until `target` has focus, checking the focus indicator at every
 * stop on the way. Fails when the target is not reached in `max` presses.
 */
async function tabTo(page: Page, target: Locator, options: { back?: boolean; max?: number } = {}) {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  for (let i = 0; i < (options.max ?? 60); i++) {
    await page.keyboard.press(key);
    const problem = await page.evaluate<string | null>(checkFocus);
    assert.equal(problem, null, `focus indicator at ${page.url()}`);
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  assert.fail(`${target} not reached with ${options.max ?? 60} presses of ${key} on ${page.url()}`);
}

/** Presses a key that submits or follows, and waits for the page it leads to. */
async function pressAndLoad(page: Page, key: 'Enter' | 'Space') {
  await Promise.all([page.waitForEvent('load'), page.keyboard.press(key)]);
}

describe('the main flows by keyboard alone, with a visible focus indicator', () => {
  test('log in', limit, async (tc) => {
    await ensureAdmin(t);
    const user = await createUser(t.c, { fullName: 'Kim Keys' });
    const context = await keyboardContext(null);
    tc.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/`);
    await tabTo(page, page.locator('header a[href="/login"]'));
    await pressAndLoad(page, 'Enter');
    assert.equal(new URL(page.url()).pathname, '/login');
    await tabTo(page, page.getByLabel('E-mail'));
    await page.keyboard.type(user.email);
    await tabTo(page, page.getByLabel('Password', { exact: true }));
    await page.keyboard.type('not the password');
    // Back to the address with Shift+Tab, and forward again, before the real attempt.
    await tabTo(page, page.getByLabel('E-mail'), { back: true });
    await tabTo(page, page.getByLabel('Password', { exact: true }));
    await page.keyboard.press('Control+A');
    await page.keyboard.type(PASSWORD);
    await pressAndLoad(page, 'Enter');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('header').getByRole('link', { name: 'Kim Keys' }).count(), 1, 'signed in');
    assert.deepEqual(await axeViolations(page), []);
  });

  test('add a recipient', limit, async (tc) => {
    await ensureAdmin(t);
    const user = await createUser(t.c);
    const context = await keyboardContext(user);
    tc.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/recipients`);
    await tabTo(page, page.locator('main a[href="/recipients/new"]'));
    await pressAndLoad(page, 'Enter');
    assert.equal(new URL(page.url()).pathname, '/recipients/new');
    const email = uniqueEmail('keyboard');
    await tabTo(page, page.getByLabel('E-mail'));
    await page.keyboard.type(email);
    await tabTo(page, page.getByLabel('Full name'));
    await page.keyboard.type('Kai Keyboard');
    await tabTo(page, page.getByLabel('Comment'));
    await page.keyboard.type('Typed, not clicked');
    await tabTo(page, page.locator('main form').getByRole('button', { name: 'Save' }));
    await pressAndLoad(page, 'Space');
    assert.match(new URL(page.url()).pathname, /^\/recipients\/\d+$/);
    const [row] = await t.c.db.select().from(s.recipients).where(eq(s.recipients.email, email));
    assert.equal(row?.ownerId, user.id);
    assert.equal(row?.fullName, 'Kai Keyboard');
    assert.equal(row?.comment, 'Typed, not clicked');
    assert.deepEqual(await axeViolations(page), []);
  });

  test('send a mailing now', limit, async (tc) => {
    await ensureAdmin(t);
    const user = await createUser(t.c);
    const { mailingId } = await seedMailing(t.c, 3, { owner: user, label: 'keyboard' });
    const context = await keyboardContext(user);
    tc.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/mailings`);
    await tabTo(page, page.locator(`main a[href="/mailings/${mailingId}"]`));
    await pressAndLoad(page, 'Enter');
    assert.equal(new URL(page.url()).pathname, `/mailings/${mailingId}`);
    await tabTo(page, page.locator('main').getByRole('button', { name: 'Send now', exact: true }));
    await pressAndLoad(page, 'Enter');
    const match = /^\/mailings\/(\d+)\/runs\/(\d+)$/.exec(new URL(page.url()).pathname);
    assert.ok(match, `the run page opened (${page.url()})`);
    const runId = Number(match[2]);
    const [run] = await t.c.db.select().from(s.runs).where(eq(s.runs.id, runId));
    assert.equal(run?.mailingId, mailingId);
    assert.equal(run?.trigger, 'manual');
    await runFinished(runId);
    assert.deepEqual(await axeViolations(page), []);
  });
});
