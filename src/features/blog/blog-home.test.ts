import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { messages } from '../../db/schema.ts';
import { toActor } from '../auth/auth.service.ts';

// A database of its own: the home page picks from every published post there is. Each visit
// renders the page anew here (HOME_PAGE_CACHE_SECONDS=0); the shared rendering is tested below.
let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true, env: { HOME_PAGE_CACHE_SECONDS: '0' } });
  await ensureAdmin(t);
});
after(() => t.close());

/** The post links of the home page's blog section, or null when the section is not there. */
async function homePosts(app = t): Promise<string[] | null> {
  const home = await app.app.inject({ method: 'GET', url: '/' });
  assert.equal(home.statusCode, 200);
  const section = /<section[^>]*id="home-posts"[^>]*>([\s\S]*?)<\/section>/.exec(home.body)?.[1];
  if (section === undefined) return null;
  return [...section.matchAll(/<li><a href="\/blog\/([a-z0-9-]+)"/g)].map((m) => m[1] as string);
}

test('the home page shows up to three random published posts, and works with none', async () => {
  const author = toActor(await createUser(t.c), 'session');
  const manager = toActor(await createUser(t.c, { role: 'manager' }), 'session');
  const draft = await t.c.blog.createPost(author, { title: 'Only a draft', body: 'x' });
  assert.equal(await homePosts(), null, 'no published post: no section, and the page still renders');

  const published: string[] = [];
  for (const n of [1, 2, 3, 4]) {
    const post = await t.c.blog.createPost(author, { title: `Published ${n}`, body: 'x' });
    await t.c.blog.publishPost(manager, post.slug, {});
    published.push(post.slug);
    const shown = await homePosts();
    assert.equal(shown?.length, Math.min(n, 3), `${n} published`);
    assert.equal(new Set(shown).size, shown?.length, 'no post twice');
    for (const slug of shown ?? []) assert.ok(published.includes(slug), 'published posts only');
    assert.ok(!shown?.includes(draft.slug));
  }

  // Four posts, three shown: the choice changes between visits (all the same 30 times running: 4^-29).
  const seen = new Set<string>();
  for (let i = 0; i < 30 && seen.size < 2; i++) seen.add(((await homePosts()) ?? []).sort().join(','));
  assert.ok(seen.size >= 2, 'the posts are picked at random');
});

describe('anonymous visitors share one rendering of the home page', () => {
  let shared: TestApp;
  before(async () => {
    shared = await createTestApp({ devMailbox: true, env: { HOME_PAGE_CACHE_SECONDS: '3600' } });
    await ensureAdmin(shared);
  });
  after(() => shared.close());

  test('until the figures or the blog change, in each visitor’s language; signed-in users get their own', async () => {
    const author = toActor(await createUser(shared.c), 'session');
    const manager = toActor(await createUser(shared.c, { role: 'manager' }), 'session');
    const slugs: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      const post = await shared.c.blog.createPost(author, { title: `Shared ${n}`, body: 'x' });
      await shared.c.blog.publishPost(manager, post.slug, {});
      slugs.push(post.slug);
    }
    const visit = async (headers: Record<string, string> = {}) =>
      (await shared.app.inject({ method: 'GET', url: '/', headers })).body;
    const first = await visit();
    for (let i = 0; i < 20; i++) assert.equal(await visit(), first, 'one rendering for every anonymous visit');
    assert.equal((await homePosts(shared))?.length, 3);

    const russian = await visit({ 'accept-language': 'ru' });
    assert.match(russian, /<html lang="ru"/, 'a Russian visitor gets the Russian rendering');
    assert.match(await visit(), /<html lang="en"/, 'and the English one stays English');

    // A fifth post is published and the other four taken down: the next visit can only show it.
    const fifth = await shared.c.blog.createPost(author, { title: 'Shared 5', body: 'x' });
    await shared.c.blog.publishPost(manager, fifth.slug, {});
    for (const slug of slugs) await shared.c.blog.unpublishPost(manager, slug, {});
    assert.deepEqual(await homePosts(shared), [fifth.slug], 'a write to the blog renders the page anew');

    const figures = (html: string) => /id="figure-mailings">([^<]+)</.exec(html)?.[1];
    const before = figures(await visit());
    const { agent } = await signedIn(shared);
    assert.equal(figures((await agent.get('/')).body), '0', 'a signed-in user sees their own figures');
    const [message] = await shared.c.db.insert(messages).values({ ownerId: author.userId, subject: 'Hi', body: 'x' }).returning();
    await shared.c.recipients.createRecipient(author, { email: 'reader@example.com' });
    await shared.c.mailings.createMailing(author, {
      name: 'News',
      messageId: String(message?.id),
      allRecipients: 'on',
      timeZone: 'UTC',
      startsAt: '2030-12-01T09:00',
      endsAt: '2031-01-31T18:00',
      scheduleKind: 'once',
    });
    assert.equal(figures(await visit()), String(Number(before) + 1), 'a new mailing shows in the next rendering');
  });
});
