import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureAdmin, signedIn, uniqueEmail } from '../../test/support/accounts.ts';
import { Agent, bearer } from '../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { assetUrl, staticAssets } from './assets.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

const cacheControl = (response: { headers: Record<string, unknown> }) => String(response.headers['cache-control'] ?? '');

describe('ETag and 304', () => {
  test('a page answers 304 with no body to the ETag it gave, and a new ETag after a change', async () => {
    const { agent } = await signedIn(t);
    await agent.get('/recipients'); // shows the login's flash message, once
    const first = await agent.get('/recipients');
    assert.equal(first.statusCode, 200);
    const etag = String(first.headers.etag);
    assert.match(etag, /^W\/"[\w-]+"$/);
    const again = await agent.get('/recipients', { 'if-none-match': etag });
    assert.equal(again.statusCode, 304, 'the same page, though its forms carry a fresh CSRF token');
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);

    assert.equal((await agent.post('/recipients', { email: uniqueEmail('new') })).statusCode, 303);
    await agent.get('/recipients'); // the flash message is shown once
    const changed = await agent.get('/recipients', { 'if-none-match': etag });
    assert.equal(changed.statusCode, 200, 'the list changed, so the old ETag no longer matches');
    assert.notEqual(changed.headers.etag, etag);
    assert.match(changed.body, /@example\.com/);
  });

  test('another user sending A’s ETag gets their own page, never a 304 for A’s', async () => {
    const a = await signedIn(t);
    const b = await signedIn(t);
    assert.equal((await a.agent.post('/recipients', { email: uniqueEmail('only-a') })).statusCode, 303);
    await a.agent.get('/recipients');
    const pageOfA = await a.agent.get('/recipients');
    const asB = await b.agent.get('/recipients', { 'if-none-match': String(pageOfA.headers.etag) });
    assert.equal(asB.statusCode, 200);
    assert.doesNotMatch(asB.body, /only-a-/);
    assert.notEqual(asB.headers.etag, pageOfA.headers.etag);
  });

  test('the anonymous home page and API reads get ETags and 304s too', async () => {
    const home = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(home.headers['set-cookie'], undefined, 'a page without forms sets no CSRF cookie');
    const again = await t.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(home.headers.etag) } });
    assert.equal(again.statusCode, 304);

    const { agent } = await signedIn(t);
    const created = await agent.post('/profile/tokens', { name: 'etag test' });
    const token = /hrd_[\w-]+/.exec(created.body)?.[0] ?? '';
    const api = bearer(t.app, token);
    const list = await api('GET', '/api/v1/recipients');
    assert.equal(list.statusCode, 200);
    const cached = await t.app.inject({
      method: 'GET',
      url: '/api/v1/recipients',
      headers: { authorization: `Bearer ${token}`, 'if-none-match': String(list.headers.etag) },
    });
    assert.equal(cached.statusCode, 304);
    assert.equal(cacheControl(cached), 'private, no-cache');
  });

  test('streams are left alone: the CSV export has no ETag and is not stored', async () => {
    const { agent } = await signedIn(t);
    const csv = await agent.get('/recipients/export.csv');
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.headers.etag, undefined);
    assert.equal(cacheControl(csv), 'private, no-store');
  });
});

describe('Cache-Control', () => {
  test('anonymous public pages are public for a minute; signed-in answers are never public', async () => {
    for (const url of ['/', '/api/openapi.json', '/api/docs']) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(cacheControl(response), 'public, max-age=60', url);
      assert.match(String(response.headers.vary), /Cookie, Authorization/, url);
    }
    const { agent } = await signedIn(t);
    for (const url of ['/', '/api/openapi.json', '/recipients', '/profile', '/api/v1/me']) {
      const response = await agent.get(url);
      assert.equal(response.statusCode, 200, url);
      assert.equal(cacheControl(response), 'private, no-cache', url);
    }
  });

  test('pages with a form for one browser are private, even signed out', async () => {
    const login = await t.app.inject({ method: 'GET', url: '/login' });
    assert.equal(login.statusCode, 200);
    assert.equal(cacheControl(login), 'private, no-cache');
    assert.equal(cacheControl(await t.app.inject({ method: 'GET', url: '/password-reset' })), 'private, no-cache');
  });

  test('pages holding secrets, writes and errors are not stored at all', async () => {
    const { agent } = await signedIn(t);
    const tokens = await agent.get('/profile/tokens');
    assert.equal(tokens.statusCode, 200);
    assert.equal(cacheControl(tokens), 'no-store');
    assert.equal(tokens.headers.etag, undefined);
    const created = await agent.post('/profile/tokens', { name: 'shown once' });
    assert.equal(created.statusCode, 201);
    assert.match(created.body, /hrd_/);
    assert.equal(cacheControl(created), 'no-store');
    const missing = await agent.get('/recipients/999999999');
    assert.equal(missing.statusCode, 404);
    assert.equal(cacheControl(missing), 'no-store');
    const reset = await t.app.inject({ method: 'GET', url: '/password-reset/some-token' });
    assert.equal(cacheControl(reset), 'no-store');
  });

  test('logging out tells the browser to drop the personal pages it kept', async () => {
    const { agent } = await signedIn(t);
    const out = await agent.post('/logout');
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers['clear-site-data'], '"cache"');
  });
});

describe('static assets', () => {
  test('pages link hashed names, served immutable with the file’s exact content', async () => {
    const home = await t.app.inject({ method: 'GET', url: '/' });
    const links = [...home.body.matchAll(/href="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    assert.deepEqual(links, [assetUrl('pico.min.css'), assetUrl('app.css')]);
    for (const { name, dir } of staticAssets) {
      const url = assetUrl(name);
      assert.match(url, /^\/assets\/[\w.-]+\.[0-9a-f]{16}\.(css|js)$/);
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(cacheControl(response), 'public, max-age=31536000, immutable');
      assert.ok(response.rawPayload.equals(readFileSync(path.join(import.meta.dirname, '../..', dir, name))), url);
    }
  });

  test('plain names still work for a short while; unknown and stale names are 404', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/assets/app.css' });
    assert.equal(plain.statusCode, 200);
    assert.equal(cacheControl(plain), 'public, max-age=300');
    for (const url of ['/assets/nope.css', '/assets/app.0000000000000000.css', '/assets/..%2Fpackage.json', '/assets/']) {
      assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });

  test('assets load before the first admin exists (the setup page needs them)', async () => {
    const fresh = await createTestApp({ devMailbox: true });
    try {
      const response = await new Agent(fresh.app).get(assetUrl('app.css'));
      assert.equal(response.statusCode, 200);
    } finally {
      await fresh.close();
    }
  });
});
