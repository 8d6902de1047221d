import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser, ensureAdmin } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { toActor } from '../auth/auth.service.ts';

// A database of its own: the home page picks from every published post there is.
let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

/** The post links of the home page's blog section, or null when the section is not there. */
async function homePosts(): Promise<string[] | null> {
  const home = await t.app.inject({ method: 'GET', url: '/' });
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
