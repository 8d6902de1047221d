/** Publishing (audited), the views counter, the Atom feed and `herald posts`. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { executeCommand } from '../../cli/commands.ts';
import { auditLog } from '../../db/schema.ts';
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

describe('publishing', () => {
  const auditOf = (postId: number) =>
    t.c.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, 'post'), eq(auditLog.targetId, String(postId))));

  test('a plain user (even the author) cannot publish: 403 and nothing written', async () => {
    const { user, agent } = await signedIn(t);
    const made = await fx.draft({ author: toActor(user, 'session') });
    assert.equal((await agent.post(`/blog/${made.slug}/publish`, { reason: 'mine' })).statusCode, 403);
    assert.equal((await agent.api('POST', `/api/v1/posts/${made.slug}/publish`, {})).statusCode, 403);
    assert.equal((await fx.findPost(made.slug))?.published, false);
    assert.deepEqual(await auditOf(made.id), []);
    await assert.rejects(t.c.blog.publishPost(toActor(user, 'session'), made.slug, {}), { code: 'FORBIDDEN' });
  });

  test('a manager publishes and unpublishes, each written to the audit log with the reason', async () => {
    const made = await fx.draft();
    const manager = await signedIn(t, { role: 'manager' });
    const done = await manager.agent.post(`/blog/${made.slug}/publish`, { reason: 'Looks good' });
    assert.equal(done.statusCode, 303);
    const row = await fx.findPost(made.slug);
    assert.equal(row?.published, true);
    assert.ok(row?.publishedAt);
    assert.equal((await t.app.inject({ method: 'GET', url: `/blog/${made.slug}` })).statusCode, 200);
    assert.equal((await manager.agent.post(`/blog/${made.slug}/publish`, {})).statusCode, 303, 'again: no change');
    assert.equal((await manager.agent.post(`/blog/${made.slug}/unpublish`, { reason: 'Outdated' })).statusCode, 303);
    assert.equal((await t.app.inject({ method: 'GET', url: `/blog/${made.slug}` })).statusCode, 404);
    const entries = (await auditOf(made.id)).sort((a, b) => a.id - b.id);
    assert.deepEqual(
      entries.map((e) => [e.action, e.actorId, e.reason]),
      [
        ['post.published', manager.user.id, 'Looks good'],
        ['post.unpublished', manager.user.id, 'Outdated'],
      ],
    );
  });

  test('publishing a post one cannot see, or with a bad reason, is refused', async () => {
    const manager = await signedIn(t, { role: 'manager' });
    assert.equal((await manager.agent.post('/blog/no-such-post/publish')).statusCode, 404);
    const made = await fx.draft();
    const bad = await manager.agent.api('POST', `/api/v1/posts/${made.slug}/publish`, { reason: 'two\nlines' });
    assert.equal(bad.statusCode, 422);
    assert.equal((await fx.findPost(made.slug))?.published, false);
  });
});

describe('views counter', () => {
  test('every GET of a published post counts one view; drafts, HEAD and API reads do not', async () => {
    const made = await fx.published();
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: `/blog/${made.slug}` });
    assert.equal((await fx.findPost(made.slug))?.views, 3);
    await t.app.inject({ method: 'HEAD', url: `/blog/${made.slug}` });
    await t.app.inject({ method: 'GET', url: `/api/v1/posts/${made.slug}` });
    assert.equal((await fx.findPost(made.slug))?.views, 3);

    const { user, agent } = await signedIn(t);
    const hidden = await fx.draft({ author: toActor(user, 'session') });
    await agent.get(`/blog/${hidden.slug}`);
    await agent.get(`/blog/${hidden.slug}`);
    await t.app.inject({ method: 'GET', url: `/blog/${hidden.slug}` });
    assert.equal((await fx.findPost(hidden.slug))?.views, 0);
  });
});

/** A strict enough check that a document is well-formed XML: known entities only, tags balanced and closed. */
function assertWellFormedXml(xml: string) {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  assert.doesNotMatch(body.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, ''), /&/, 'a bare &');
  const stack: string[] = [];
  const rest = body.replace(/<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g, (_m, close, name, _attrs, self) => {
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!self) stack.push(name);
    return '';
  });
  assert.deepEqual(stack, [], 'every element is closed');
  assert.doesNotMatch(rest, /[<>]/, 'no stray < or > outside tags');
}

describe('Atom feed', () => {
  test('well-formed, published posts only, hostile titles escaped', async () => {
    const hostile = `<script>alert("x")</script> & ]]> ${fx.uniqueTitle()}`;
    const shown = await fx.published({ title: hostile, body: '<img src=x onerror=alert(1)> **bold** [a](javascript:alert(1))' });
    const hidden = await fx.draft({ title: fx.uniqueTitle('Secret draft') });
    const feed = await t.app.inject({ method: 'GET', url: '/blog/feed.atom' });
    assert.equal(feed.statusCode, 200);
    assert.match(String(feed.headers['content-type']), /^application\/atom\+xml/);
    assertWellFormedXml(feed.body);
    assert.ok(feed.body.includes(`/blog/${shown.slug}`));
    assert.ok(!feed.body.includes(hidden.slug));
    assert.ok(!feed.body.includes('<script>'));
    assert.ok(feed.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt;'));
    assert.doesNotMatch(feed.body, /onerror|javascript:/);
  });
});

describe('home page and CLI', () => {
  test('`herald posts` lists published posts; --all adds drafts', async () => {
    const shown = await fx.published({ title: fx.uniqueTitle('Cli shown') });
    const hidden = await fx.draft({ title: fx.uniqueTitle('Cli hidden') });
    const listed = await executeCommand(t.c, { name: 'posts', all: false });
    assert.equal(listed.code, 0);
    assert.match(listed.output, /^SLUG\s+PUBLISHED \(UTC\)\s+VIEWS\s+TITLE/);
    assert.ok(listed.output.includes(shown.slug));
    assert.ok(!listed.output.includes(hidden.slug));
    const all = await executeCommand(t.c, { name: 'posts', all: true });
    assert.match(all.output, new RegExp(`${hidden.slug}\\s+draft\\s+0`));
  });
});
