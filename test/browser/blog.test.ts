import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { toActor } from '../../src/features/auth/auth.service.ts';
import { createUser } from '../support/accounts.ts';
import { loginOverHttp, type ServedApp, startBrowserAndApp, stopBrowserAndApp } from '../support/browser.ts';

// Every test waits for pages, never for a fixed time; this only bounds a hang.
const limit = { timeout: 120_000 };

let browser: Browser;
let t: ServedApp;

before(async () => {
  ({ browser, t } = await startBrowserAndApp({ devMailbox: true }));
});

after(() => stopBrowserAndApp({ browser, t }));

/**
 * A fresh context, closed when the test ends. `bypassCSP` switches Herald's Content-Security-Policy
 * off, so the sanitiser alone has to keep scripts from running: the policy would hide its failures.
 */
async function newContext(tc: { after(fn: () => Promise<void>): void }, options: { bypassCSP?: boolean } = {}) {
  const context: BrowserContext = await browser.newContext(options);
  tc.after(() => context.close());
  return context;
}

/** Records every dialog (alert, confirm, prompt) the page opens, and dismisses it. */
function watchDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return dialogs;
}

/** Attributes in the rendered DOM that could run script: on* handlers and script-bearing URLs; foreign scripts. */
const dangerousNodes = (page: Page) =>
  page.evaluate(() => {
    const found: string[] = [];
    for (const element of document.querySelectorAll('*')) {
      for (const attribute of element.attributes) {
        // Herald's own <head> links (the empty data: icon) are not content.
        const url = !element.closest('head') && /^(href|src|action|formaction|xlink:href|data|srcdoc)$/i.test(attribute.name);
        if (/^on/i.test(attribute.name) || (url && /^\s*(javascript|vbscript|data):/i.test(attribute.value))) {
          found.push(`<${element.tagName.toLowerCase()} ${attribute.name}="${attribute.value}">`);
        }
      }
      if (element.tagName === 'SCRIPT' && !(element.getAttribute('src') ?? '').startsWith('/assets/')) {
        found.push(`<script>${element.textContent}</script>`);
      }
      if (['IFRAME', 'OBJECT', 'EMBED', 'FRAME', 'BASE', 'FORM'].includes(element.tagName) && element.closest('.post-body')) {
        found.push(`<${element.tagName.toLowerCase()}> in a post`);
      }
    }
    return found;
  });

// Classic payloads: script tags, handlers, script URLs in Markdown and HTML, data: URLs, frames,
// CSS expressions, entity-encoded and broken tags.
const corpus = [
  '<script>alert("script")</script>',
  '<SCRIPT SRC=/assets/../x.js></SCRIPT>',
  '<img src=x onerror=alert("img")>',
  '<IMG SRC="x" ONERROR="alert(\'IMG\')">',
  '<img src=x onerror=alert`tick`>',
  '<svg onload=alert("svg")>',
  '<svg><script>alert("svg-script")</script></svg>',
  '<svg><animate onbegin=alert("animate") attributeName=x dur=1s>',
  '[md link](javascript:alert("md"))',
  '[md upper](JAVASCRIPT:alert("MD"))',
  '[md entity](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert("ent"))',
  '[md tab](java\tscript:alert("tab"))',
  '![md image](javascript:alert("img-md"))',
  '<a href="javascript:alert(\'a\')">raw link</a>',
  '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(\'hex\')">hex link</a>',
  '<a href="  javascript:alert(\'space\')">space link</a>',
  '<a href="jav&#x09;ascript:alert(\'tab\')">tab link</a>',
  '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgiZGF0YSIpPC9zY3JpcHQ+)',
  '<a href="data:text/html,<script>alert(\'data\')</script>">data link</a>',
  '<iframe src="javascript:alert(\'iframe\')"></iframe>',
  '<iframe srcdoc="<script>alert(\'srcdoc\')</script>"></iframe>',
  '<object data="javascript:alert(\'object\')"></object>',
  '<embed src="javascript:alert(\'embed\')">',
  '<div style="background-image:url(javascript:alert(\'css\'))">styled</div>',
  '<p style="width:expression(alert(\'expr\'))">expression</p>',
  '<style>@import "javascript:alert(\'import\')";</style>',
  '<body onload=alert("body")>',
  '<details open ontoggle=alert("details")>x</details>',
  '<input autofocus onfocus=alert("focus")>',
  '<form><button formaction=javascript:alert("button")>go</button></form>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert("mxss")>',
  '<<script>script>alert("nested")<</script>/script>',
  '<img src=x onerror=alert("unclosed")//',
  '<a href=javascript&colon;alert("colon")>colon</a>',
  '<base href="javascript:alert(\'base\')//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(\'meta\')">',
  '"><img src=x onerror=alert("attr-break")>',
  '</textarea><script>alert("textarea")</script>',
];

// First: the home page shows three of all published posts, and the corpus below publishes dozens.
describe('a post from draft to public', () => {
  test('a user writes a draft with a cover, a manager publishes it, an anonymous reader sees it', limit, async (tc) => {
    const writer = await createUser(t.c, { fullName: 'Wanda Writer' });
    const manager = await createUser(t.c, { role: 'manager', fullName: 'Max Manager' });
    const title = `Spring release ${Date.now()}`;

    const writerContext = await newContext(tc);
    await loginOverHttp(writerContext.request, t.baseUrl, writer.email);
    const page = await writerContext.newPage();
    await page.goto(`${t.baseUrl}/blog`);
    await page.locator('main').getByRole('link', { name: 'Write a post' }).click();
    await page.getByLabel('Title').fill(title);
    await page.getByRole('textbox', { name: 'Body' }).fill('## What is new\n\nFaster *sending*.');
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    await page.getByLabel('Cover image').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL((url) => /^\/blog\/spring-release-\d+$/.test(url.pathname));
    const postPath = new URL(page.url()).pathname;
    await page.getByRole('heading', { name: title }).waitFor();
    await page.getByRole('heading', { name: 'What is new' }).waitFor();
    assert.equal(await page.locator('main p.flash').textContent(), 'The draft is saved. A manager publishes it.');
    const cover = page.locator('img.post-cover');
    assert.equal(await cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), 1, 'the cover loads');

    const anonymous = await (await newContext(tc)).newPage();
    assert.equal((await anonymous.goto(`${t.baseUrl}${postPath}`))?.status(), 404, 'a draft is not public');

    const managerContext = await newContext(tc);
    await loginOverHttp(managerContext.request, t.baseUrl, manager.email);
    const review = await managerContext.newPage();
    await review.goto(`${t.baseUrl}/blog/drafts`);
    await review.getByRole('link', { name: title }).click();
    await review.getByLabel('Reason (kept in the audit log)').fill('Approved for the release');
    await review.getByRole('button', { name: 'Publish' }).click();
    await review.getByText('The post is published.').waitFor();

    assert.equal((await anonymous.goto(`${t.baseUrl}${postPath}`))?.status(), 200);
    await anonymous.getByRole('heading', { name: title }).waitFor();
    await anonymous.goto(`${t.baseUrl}/blog`);
    await anonymous.getByRole('link', { name: title }).waitFor();
    await anonymous.goto(`${t.baseUrl}/`);
    await anonymous.locator('#home-posts').getByRole('link', { name: title }).click();
    await anonymous.waitForURL((url) => url.pathname === postPath);
    await page.screenshot({ path: '/tmp/herald-blog-post.png', fullPage: true });
  });
});

describe('the sanitiser in a real browser', () => {
  test('no payload of the corpus, as title and body of a published post, runs or leaves a handler', limit, async (tc) => {
    const author = toActor(await createUser(t.c), 'session');
    const manager = toActor(await createUser(t.c, { role: 'manager' }), 'session');
    const slugs: string[] = [];
    for (const [i, payload] of corpus.entries()) {
      const title = `${i} ${payload}`.replace(/[\t\r\n]/g, ' ').slice(0, 200);
      const post = await t.c.blog.createPost(author, { title, body: `Before ${i}\n\n${payload}\n\nAfter ${i}` });
      await t.c.blog.publishPost(manager, post.slug, {});
      slugs.push(post.slug);
    }
    const all = await t.c.blog.createPost(author, { title: 'Every payload at once', body: corpus.join('\n\n') });
    await t.c.blog.publishPost(manager, all.slug, {});
    slugs.push(all.slug);

    const page = await (await newContext(tc, { bypassCSP: true })).newPage();
    const dialogs = watchDialogs(page);
    // The watch works: a dialog opened on purpose is seen.
    await page.goto(`${t.baseUrl}/blog`);
    await page.evaluate(() => alert('control'));
    assert.deepEqual(dialogs.splice(0), ['alert: control']);

    const pages = [...slugs.map((slug) => `/blog/${slug}`), '/blog?pageSize=50', '/', '/blog/feed.atom'];
    for (const path of pages) {
      await page.goto(`${t.baseUrl}${path}`, { waitUntil: 'load' });
      // Let focus, animation and error events fire before looking.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      assert.deepEqual(await dangerousNodes(page), [], path);
      assert.deepEqual(dialogs, [], path);
    }
    // The text survives as text: the reader sees what was written, harmlessly.
    await page.goto(`${t.baseUrl}/blog/${slugs[0]}`);
    await page.getByRole('heading', { name: `0 ${corpus[0]}` }).waitFor();
  });
});
