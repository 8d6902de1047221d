import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { posts, users } from '../../db/schema.ts';
import { formats } from '../../i18n/i18n.ts';
import { toActor } from '../auth/auth.service.ts';
import { blogFixtures } from './blog.fixtures.ts';

let t: TestApp;
let fx: ReturnType<typeof blogFixtures>;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
  fx = blogFixtures(t);
});
after(() => t.close());

const slugFrom = (location: unknown) => String(location).replace(/^\/blog\//, '');

describe('reading the blog', () => {
  test('anonymous visitors see published posts only, in the list, by slug and in the API', async () => {
    const visible = await fx.published({ title: fx.uniqueTitle('Visible') });
    const hidden = await fx.draft({ title: fx.uniqueTitle('Hidden') });
    const list = await t.app.inject({ method: 'GET', url: '/blog?pageSize=50' });
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes(`/blog/${visible.slug}`));
    assert.ok(!list.body.includes(hidden.slug));
    assert.doesNotMatch(list.body, /href="\/blog\/new"/, 'no write link for anonymous visitors');
    assert.equal((await t.app.inject({ method: 'GET', url: `/blog/${visible.slug}` })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: `/blog/${hidden.slug}` })).statusCode, 404);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/posts?pageSize=50' });
    assert.equal(api.statusCode, 200);
    const slugs = api.json().items.map((p: { slug: string }) => p.slug);
    assert.ok(slugs.includes(visible.slug));
    assert.ok(!slugs.includes(hidden.slug));
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/posts/${hidden.slug}` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/posts/${visible.slug}` })).json().published, true);
  });

  test('in Russian for an anonymous visitor whose browser asks for it; the post itself and the feed stay as written', async () => {
    const title = fx.uniqueTitle('English title');
    const post = await fx.published({ title, body: 'Written in English.' });
    const ru = { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' };
    const list = await t.app.inject({ method: 'GET', url: '/blog?pageSize=50', headers: ru });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<html lang="ru"/);
    assert.match(list.body, /<title>Блог · Herald<\/title>/);
    assert.match(list.body, /<h1>Блог<\/h1>/);
    assert.match(list.body, />Лента Atom</);
    assert.ok(list.body.includes(title), 'titles are the author’s words');
    const publishedAt = (await fx.findPost(post.slug))?.publishedAt;
    assert.ok(publishedAt);
    const published = formats('ru', 'UTC').date(publishedAt);
    assert.match(published, /^\d+ \S+ \d{4} г\.$/);
    assert.ok(list.body.includes(published), 'the day in Russian');
    assert.doesNotMatch(list.body, /Atom feed|No posts yet/);

    const page = await t.app.inject({ method: 'GET', url: `/blog/${post.slug}`, headers: ru });
    assert.match(page.body, /← Блог/);
    assert.match(page.body, /Written in English\./);

    const feed = await t.app.inject({ method: 'GET', url: '/blog/feed.atom', headers: ru });
    assert.match(feed.body, /<title type="text">Herald blog<\/title>/, 'the feed is machine-readable: not translated');
    assert.doesNotMatch(feed.body, /Блог/);
  });

  test('post views in Russian take the form their number needs: 1 просмотр, 2 просмотра, 5 просмотров', async () => {
    const { user, agent } = await signedIn(t, { role: 'manager' });
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    const post = await fx.published();
    // Each page shows the count before its own view is added: 0, 1, 2…
    const expected = ['0 просмотров', '1 просмотр', '2 просмотра', '3 просмотра', '4 просмотра', '5 просмотров'];
    for (const views of expected) assert.ok((await agent.get(`/blog/${post.slug}`)).body.includes(` · ${views}<`), views);
    const drafts = await agent.get('/blog/drafts');
    assert.match(drafts.body, /Черновики, ожидающие публикации/);
    assert.match(drafts.body, /<th scope="col">Изменено<\/th>/);
  });

  test('the list is paginated, newest first', async () => {
    await fx.published();
    await fx.published();
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/posts?pageSize=1' });
    const second = await t.app.inject({ method: 'GET', url: '/api/v1/posts?pageSize=1&page=2' });
    const [a] = first.json().items;
    const [b] = second.json().items;
    assert.notEqual(a.slug, b.slug);
    assert.ok(a.publishedAt >= b.publishedAt);
    const page = await t.app.inject({ method: 'GET', url: '/blog?pageSize=1' });
    assert.match(page.body, /href="\/blog\?page=2"/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/blog?page=abc' })).statusCode, 200, 'odd page falls back to 1');
  });

  test('a signed-in user sees links to write and to their drafts, and their drafts list holds only their own', async () => {
    const { user, agent } = await signedIn(t);
    const mine = await fx.draft({ author: toActor(user, 'session') });
    const theirs = await fx.draft();
    const list = await agent.get('/blog');
    assert.match(list.body, /href="\/blog\/new"/);
    assert.match(list.body, /href="\/blog\/drafts"/);
    const drafts = await agent.get('/blog/drafts');
    assert.equal(drafts.statusCode, 200);
    assert.ok(drafts.body.includes(mine.slug));
    assert.ok(!drafts.body.includes(theirs.slug));
    const manager = await signedIn(t, { role: 'manager' });
    const all = await manager.agent.get('/blog/drafts?pageSize=50');
    assert.ok(all.body.includes(mine.slug) && all.body.includes(theirs.slug), 'managers see every draft, to publish it');
  });

  test('a draft by slug: 404 to anonymous and other users, readable by its author and by a manager', async () => {
    const { user, agent } = await signedIn(t);
    const made = await fx.draft({ author: toActor(user, 'session') });
    const other = await signedIn(t);
    const manager = await signedIn(t, { role: 'manager' });
    assert.equal((await t.app.inject({ method: 'GET', url: `/blog/${made.slug}` })).statusCode, 404);
    assert.equal((await other.agent.get(`/blog/${made.slug}`)).statusCode, 404);
    assert.equal((await other.agent.api('GET', `/api/v1/posts/${made.slug}`)).statusCode, 404);
    const own = await agent.get(`/blog/${made.slug}`);
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /Draft/);
    const managed = await manager.agent.get(`/blog/${made.slug}`);
    assert.equal(managed.statusCode, 200);
    assert.match(managed.body, /action="\/blog\/[^"]+\/publish"/);
  });

  test('unknown and malformed slugs answer 404', async () => {
    for (const url of ['/blog/no-such-post', '/blog/UPPER', '/blog/a%20b', '/blog/..%2F..%2Fetc', '/api/v1/posts/%00']) {
      assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });
});

describe('writing posts', () => {
  test('a user writes a draft through the form; equal titles get distinct slugs', async () => {
    const { agent } = await signedIn(t);
    const title = fx.uniqueTitle('Same title');
    const first = await agent.post('/blog/new', { title, body: 'One' });
    const second = await agent.post('/blog/new', { title, body: 'Two' });
    const third = await agent.post('/blog/new', { title, body: 'Three' });
    const slugs = [first, second, third].map((r) => slugFrom(r.headers.location));
    assert.deepEqual([first.statusCode, second.statusCode, third.statusCode], [303, 303, 303]);
    const base = slugs[0] as string;
    assert.deepEqual(slugs, [base, `${base}-2`, `${base}-3`]);
    const stored = await fx.findPost(base);
    assert.equal(stored?.published, false, 'a new post is a draft');
  });

  test('equal titles written at the same moment still get distinct slugs', async () => {
    const title = fx.uniqueTitle('Race');
    const author = await fx.actorOf();
    const rows = await Promise.all(Array.from({ length: 6 }, () => t.c.blog.createPost(author, { title, body: 'x' })));
    assert.equal(new Set(rows.map((r) => r.slug)).size, 6);
  });

  test('slugs from Russian titles, and titles that would name a blog page', async () => {
    const author = await fx.actorOf();
    const suffix = Date.now();
    const russian = await t.c.blog.createPost(author, { title: `Привет, мир ${suffix}`, body: 'x' });
    assert.equal(russian.slug, `privet-mir-${suffix}`);
    for (const title of ['New', 'Drafts', 'Covers']) {
      const row = await t.c.blog.createPost(author, { title, body: 'x' });
      assert.notEqual(row.slug, title.toLowerCase());
      assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/posts/${row.slug}` })).statusCode, 404, 'still a draft');
    }
  });

  test('bad input is shown next to the field and writes nothing', async () => {
    const { user, agent } = await signedIn(t);
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ title: '', body: 'x' }, 'title', /Title is required/],
      [{ title: 'x'.repeat(201), body: 'x' }, 'title', /at most 200/],
      [{ title: 'Line\r\nBcc: evil@example.com', body: 'x' }, 'title', /single line/],
      [{ title: 'Fine', body: '' }, 'body', /Body is required/],
      [{ title: 'Fine', body: 'nul \u0000 here' }, 'body', /control characters/],
      [{ title: 'Fine', body: 'x'.repeat(100_001) }, 'body', /at most 100000/],
    ];
    for (const [form, field, message] of cases) {
      const response = await agent.post('/blog/new', form);
      assert.equal(response.statusCode, 422, JSON.stringify(form).slice(0, 80));
      assert.match(response.body, new RegExp(`id="field-${field}-error"[^>]*>[^<]*${message.source}`));
    }
    const api = await agent.api('POST', '/api/v1/posts', { title: 42 });
    assert.equal(api.statusCode, 422);
    assert.equal(api.json().code, 'VALIDATION_FAILED');
    assert.equal(await t.c.db.$count(posts, eq(posts.authorId, user.id)), 0);
  });

  test('the author edits and deletes their post; the slug stays', async () => {
    const { user, agent } = await signedIn(t);
    const made = await fx.draft({ author: toActor(user, 'session') });
    assert.equal((await agent.get(`/blog/${made.slug}/edit`)).statusCode, 200);
    const saved = await agent.post(`/blog/${made.slug}/edit`, { title: 'A whole new title', body: 'New body' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/blog/${made.slug}`);
    assert.equal((await fx.findPost(made.slug))?.title, 'A whole new title');
    const invalid = await agent.post(`/blog/${made.slug}/edit`, { title: '', body: 'x' });
    assert.equal(invalid.statusCode, 422);
    assert.equal((await fx.findPost(made.slug))?.body, 'New body', 'a refused edit changes nothing');
    assert.match((await agent.get(`/blog/${made.slug}/delete`)).body, /cannot be undone/);
    assert.equal((await agent.post(`/blog/${made.slug}/delete`)).statusCode, 303);
    assert.equal(await fx.findPost(made.slug), undefined);
  });

  test('another user: 404 on a draft, 403 on a published post; a manager 403; an admin may; nothing changes', async () => {
    const other = await signedIn(t);
    const manager = await signedIn(t, { role: 'manager' });
    const admin = await signedIn(t, { role: 'admin' });
    const hidden = await fx.draft();
    const shown = await fx.published();
    const cases: [typeof other.agent, string, number][] = [
      [other.agent, hidden.slug, 404],
      [other.agent, shown.slug, 403],
      [manager.agent, hidden.slug, 403],
      [manager.agent, shown.slug, 403],
    ];
    for (const [agent, slug, status] of cases) {
      const before = await fx.findPost(slug);
      assert.equal((await agent.get(`/blog/${slug}/edit`)).statusCode, status);
      assert.equal((await agent.post(`/blog/${slug}/edit`, { title: 'Taken over', body: 'x' })).statusCode, status);
      assert.equal((await agent.post(`/blog/${slug}/delete`)).statusCode, status);
      assert.equal((await agent.api('PATCH', `/api/v1/posts/${slug}`, { title: 'Taken over' })).statusCode, status);
      assert.equal((await agent.api('DELETE', `/api/v1/posts/${slug}`)).statusCode, status);
      assert.deepEqual(await fx.findPost(slug), before);
    }
    assert.equal((await admin.agent.post(`/blog/${hidden.slug}/edit`, { title: 'Fixed by admin', body: 'x' })).statusCode, 303);
    assert.equal((await fx.findPost(hidden.slug))?.title, 'Fixed by admin');
  });

  test('the JSON API writes, changes and deletes a draft of one’s own', async () => {
    const { agent } = await signedIn(t);
    const created = await agent.api('POST', '/api/v1/posts', { title: fx.uniqueTitle('Api'), body: '*hi*' });
    assert.equal(created.statusCode, 201);
    const post = created.json();
    assert.equal(post.published, false);
    assert.match(post.html, /<em>hi<\/em>/);
    const patched = await agent.api('PATCH', `/api/v1/posts/${post.slug}`, { body: 'changed' });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().title, post.title, 'a field left out keeps its value');
    assert.equal(patched.json().body, 'changed');
    assert.equal((await agent.api('DELETE', `/api/v1/posts/${post.slug}`)).statusCode, 204);
    assert.equal(await fx.findPost(post.slug), undefined);
  });
});
