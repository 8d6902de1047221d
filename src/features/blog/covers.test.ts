import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createUser, ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { posts } from '../../db/schema.ts';
import { toActor } from '../auth/auth.service.ts';
import { COVER_MAX_BYTES } from './covers.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

const coversDir = () => path.join(t.c.config.uploadDir, 'covers');
/** The files in the covers folder, temporary ones included. */
const storedFiles = () => {
  try {
    return readdirSync(coversDir()).sort();
  } catch {
    return [];
  }
};
const findPost = async (slug: string) => (await t.c.db.select().from(posts).where(eq(posts.slug, slug)))[0];

// The smallest real images: a 1×1 PNG and a 1×1 GIF.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const gif = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');

interface Upload {
  bytes: Buffer;
  filename?: string;
  contentType?: string;
}

/** Posts the post form as a browser does: multipart, the CSRF token in the action URL, the file last. */
async function submit(agent: Agent, url: string, fields: Record<string, string>, cover?: Upload) {
  const boundary = '----herald-test-boundary';
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (cover) {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="cover"; filename="${cover.filename ?? 'cover.png'}"\r\nContent-Type: ${cover.contentType ?? 'image/png'}\r\n\r\n`;
    chunks.push(Buffer.from(head), cover.bytes, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return t.app.inject({
    method: 'POST',
    url: `${url}?_csrf=${encodeURIComponent(await agent.csrfToken())}`,
    payload: Buffer.concat(chunks),
    headers: { cookie: agent.cookieHeader(), 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}

const newPost = (agent: Agent, cover?: Upload, title = `Covered ${Math.random().toString(36).slice(2)}`) =>
  submit(agent, '/blog/new', { title, body: 'With a picture' }, cover);
const slugOf = (location: unknown) => String(location).replace(/^\/blog\//, '');

describe('cover uploads', () => {
  test('a PNG passes, is served with its type, nosniff and a cache header; a draft’s cover only to who may read it', async () => {
    const { agent } = await signedIn(t);
    const created = await newPost(agent, { bytes: png, filename: 'photo.jpg', contentType: 'image/jpeg' });
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    const post = await findPost(slugOf(created.headers.location));
    assert.equal(post?.coverType, 'image/png', 'the type comes from the content, not the name or the header');
    assert.ok(post?.coverPath && storedFiles().includes(post.coverPath));

    const url = `/blog/covers/${post.coverPath}`;
    const own = await agent.get(url);
    assert.equal(own.statusCode, 200);
    assert.equal(own.headers['content-type'], 'image/png');
    assert.equal(own.headers['x-content-type-options'], 'nosniff');
    assert.match(String(own.headers['cache-control']), /private|no-store/);
    assert.deepEqual(own.rawPayload, png);
    assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 404, 'a draft’s cover is not public');

    await t.c.blog.publishPost(toActor(await createUser(t.c, { role: 'manager' }), 'session'), post.slug, {});
    const shown = await t.app.inject({ method: 'GET', url });
    assert.equal(shown.statusCode, 200);
    assert.match(String(shown.headers['cache-control']), /^public/);
    assert.match((await t.app.inject({ method: 'GET', url: `/blog/${post.slug}` })).body, new RegExp(`<img src="${url}"`));
  });

  test('an SVG is refused with a message next to the field; nothing is stored', async () => {
    const { user, agent } = await signedIn(t);
    const before = storedFiles();
    const refused = await newPost(agent, { bytes: svg, filename: 'cover.svg', contentType: 'image/svg+xml' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /id="field-cover-error"[^>]*>SVG images are not accepted/);
    assert.match(refused.body, /value="Covered /, 'the title typed is kept');
    assert.deepEqual(storedFiles(), before);
    assert.equal(await t.c.db.$count(posts, eq(posts.authorId, user.id)), 0);
  });

  test('HTML or PHP named cover.png and sent as image/png is refused', async () => {
    const { user, agent } = await signedIn(t);
    const before = storedFiles();
    for (const bytes of [Buffer.from('<?php system($_GET["c"]); ?>'), Buffer.from('<html><script>alert(1)</script></html>')]) {
      const refused = await newPost(agent, { bytes, filename: 'cover.png', contentType: 'image/png' });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /must be a JPEG, PNG, WebP or GIF image/);
    }
    assert.deepEqual(storedFiles(), before);
    assert.equal(await t.c.db.$count(posts, eq(posts.authorId, user.id)), 0);
  });

  test('a 6 MB file is refused before it is read, one just over 5 MB while streaming; nothing stored either way', async () => {
    const { user, agent } = await signedIn(t);
    const before = storedFiles();
    const huge = Buffer.concat([png, Buffer.alloc(6 * 1024 * 1024)]);
    const tooBig = await newPost(agent, { bytes: huge });
    assert.equal(tooBig.statusCode, 413);
    assert.match(tooBig.body, /at most 5 MB/);
    const justOver = Buffer.concat([png, Buffer.alloc(COVER_MAX_BYTES + 1 - png.length)]);
    const streamed = await newPost(agent, { bytes: justOver });
    assert.equal(streamed.statusCode, 422);
    assert.match(streamed.body, /id="field-cover-error"[^>]*>The cover image must be at most 5 MB/);
    assert.deepEqual(storedFiles(), before);
    assert.equal(await t.c.db.$count(posts, eq(posts.authorId, user.id)), 0);

    const exactly = Buffer.concat([png, Buffer.alloc(COVER_MAX_BYTES - png.length)]);
    assert.equal((await newPost(agent, { bytes: exactly })).statusCode, 303, 'exactly 5 MB is allowed');
  });

  test('replacing or removing a cover deletes the old file, and so does deleting the post', async () => {
    const { agent } = await signedIn(t);
    const created = await newPost(agent, { bytes: png });
    const slug = slugOf(created.headers.location);
    const first = (await findPost(slug))?.coverPath as string;
    const replaced = await submit(
      agent,
      `/blog/${slug}/edit`,
      { title: 'Replaced', body: 'x' },
      { bytes: gif, filename: 'a.gif' },
    );
    assert.equal(replaced.statusCode, 303);
    const second = await findPost(slug);
    assert.equal(second?.coverType, 'image/gif');
    assert.ok(!storedFiles().includes(first), 'the old file is gone');
    assert.ok(storedFiles().includes(second?.coverPath as string));

    const kept = await submit(agent, `/blog/${slug}/edit`, { title: 'Kept', body: 'x' });
    assert.equal(kept.statusCode, 303);
    assert.equal((await findPost(slug))?.coverPath, second?.coverPath, 'no file chosen keeps the cover');

    const refused = await submit(agent, `/blog/${slug}/edit`, { title: 'Svg', body: 'x' }, { bytes: svg });
    assert.equal(refused.statusCode, 422);
    assert.equal((await findPost(slug))?.coverPath, second?.coverPath, 'a refused cover leaves the old one');

    await submit(agent, `/blog/${slug}/edit`, { title: 'Removed', body: 'x', removeCover: '1' });
    assert.equal((await findPost(slug))?.coverPath, null);
    assert.ok(!storedFiles().includes(second?.coverPath as string));

    const again = await newPost(agent, { bytes: png });
    const other = slugOf(again.headers.location);
    const file = (await findPost(other))?.coverPath as string;
    assert.equal((await agent.post(`/blog/${other}/delete`)).statusCode, 303);
    assert.ok(!storedFiles().includes(file));
  });

  test('cover names that are not the store’s, or of no post, answer 404', async () => {
    for (const name of ['..%2F..%2Fsecret.key', 'x.png', `${'a'.repeat(32)}.png`, `${'a'.repeat(32)}.svg`]) {
      assert.equal((await t.app.inject({ method: 'GET', url: `/blog/covers/${name}` })).statusCode, 404, name);
    }
  });
});
