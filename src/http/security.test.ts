import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, ensureAdmin, loginAgent, PASSWORD, signedIn, uniqueEmail } from '../../test/support/accounts.ts';
import { Agent, bearer } from '../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { toActor } from '../features/auth/auth.service.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true, env: { LOGIN_MAX_FAILURES_PER_IP: '15' } });
  await ensureAdmin(t);
});
after(() => t.close());

describe('headers and cookies', () => {
  test('pages carry a strict CSP and helmet headers, without upgrade-insecure-requests on http', async () => {
    const response = await new Agent(t.app).get('/login');
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['strict-transport-security'], undefined);
  });

  test('the session cookie is HttpOnly and SameSite=Lax, not Secure on http', async () => {
    const user = await createUser(t.c);
    const response = await new Agent(t.app).post('/login', { email: user.email, password: PASSWORD });
    const cookie = [response.headers['set-cookie']].flat().find((c) => String(c).startsWith('herald_session='));
    assert.ok(cookie);
    assert.match(String(cookie), /HttpOnly/);
    assert.match(String(cookie), /SameSite=Lax/);
    assert.doesNotMatch(String(cookie), /Secure/);
  });

  test('with an https BASE_URL cookies are Secure and HSTS and upgrade-insecure-requests are on', async () => {
    const https = await createTestApp({ devMailbox: true, env: { BASE_URL: 'https://herald.example.com' } });
    try {
      const user = await createUser(https.c, { role: 'admin' });
      const response = await new Agent(https.app).post('/login', { email: user.email, password: PASSWORD });
      const cookie = [response.headers['set-cookie']].flat().find((c) => String(c).startsWith('herald_session='));
      assert.match(String(cookie), /Secure/);
      const page = await new Agent(https.app).get('/login');
      assert.match(String(page.headers['content-security-policy']), /upgrade-insecure-requests/);
      assert.ok(page.headers['strict-transport-security']);
    } finally {
      await https.close();
    }
  });

  test('user input is escaped in every page that shows it', async () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const { agent } = await signedIn(t);
    assert.equal((await agent.post('/profile/edit', { fullName: hostile, timeZone: 'UTC', language: 'en' })).statusCode, 303);
    await agent.post('/profile/tokens', { name: hostile });
    for (const path of ['/profile', '/profile/edit', '/profile/tokens', '/']) {
      const body = (await agent.get(path)).body;
      assert.ok(!body.includes('<script>alert(1)</script>'), path);
      assert.ok(!body.includes('<img src=x'), path);
    }
  });

  test('a login redirect never leaves the site', async () => {
    const user = await createUser(t.c);
    for (const next of ['//evil.example.com', 'https://evil.example.com', '/\\evil.example.com', 'javascript:alert(1)']) {
      const response = await new Agent(t.app).post(`/login?next=${encodeURIComponent(next)}`, {
        email: user.email,
        password: PASSWORD,
      });
      assert.equal(response.headers.location, '/', next);
    }
    const local = await new Agent(t.app).post('/login?next=%2Fprofile%2Ftokens', { email: user.email, password: PASSWORD });
    assert.equal(local.headers.location, '/profile/tokens');
  });

  test('oversized and malformed bodies are 4xx, never 500', async () => {
    const agent = new Agent(t.app);
    const big = await agent.post('/login', { email: 'a@b.c', password: 'x'.repeat(300 * 1024) });
    assert.equal(big.statusCode, 413);
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    assert.ok(json.statusCode >= 400 && json.statusCode < 500);
    const unknown = await agent.get('/no/such/page');
    assert.equal(unknown.statusCode, 404);
    const api404 = await t.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    assert.equal(api404.statusCode, 404);
    assert.equal(api404.json().code, 'NOT_FOUND');
  });
});

describe('health', () => {
  test('/healthz and /readyz answer without a session; /readyz reflects the database', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.deepEqual([health.statusCode, health.json()], [200, { status: 'ok' }]);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual([ready.statusCode, ready.json()], [200, { status: 'ready' }]);
    const other = await createTestApp({ devMailbox: true });
    await other.c.sender.stop();
    await other.c.database.close();
    const down = await other.app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual([down.statusCode, down.json()], [503, { status: 'unavailable' }]);
    await other.close();
  });
});

describe('login throttling', () => {
  test('many failures from one IP across addresses end in 429', async () => {
    const agent = new Agent(t.app, '10.9.9.9');
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++)
      statuses.push((await agent.post('/login', { email: uniqueEmail(), password: 'wrong-password' })).statusCode);
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429);
    const user = await createUser(t.c);
    assert.equal((await agent.post('/login', { email: user.email, password: PASSWORD })).statusCode, 429);
    assert.equal((await new Agent(t.app, '10.9.9.10').post('/login', { email: user.email, password: PASSWORD })).statusCode, 303);
  });
});

describe('blocked users', () => {
  test('cannot log in, and their sessions and API tokens stop working at once', async () => {
    const user = await createUser(t.c);
    const agent = await loginAgent(t, user.email);
    const created = await agent.api('POST', '/api/v1/tokens', { name: 'before block' });
    const api = bearer(t.app, created.json().token);
    assert.equal((await api('GET', '/api/v1/me')).statusCode, 200);

    const admin = toActor(await createUser(t.c, { role: 'admin' }), 'session');
    await t.c.oversight.blockUser(admin, user.id, 'abuse');

    assert.equal((await agent.get('/profile')).statusCode, 303);
    assert.equal((await api('GET', '/api/v1/me')).statusCode, 401);
    const login = await new Agent(t.app).post('/login', { email: user.email, password: PASSWORD });
    assert.equal(login.statusCode, 403);
    assert.match(login.body, /blocked/);
    const wrongPassword = await new Agent(t.app).post('/login', { email: user.email, password: 'not-the-password' });
    assert.equal(wrongPassword.statusCode, 401, 'a wrong password does not reveal the block');
  });
});

describe('CSRF', () => {
  test('every form post without a token is 403, signed in or not; an API call without credentials is 401', async () => {
    const anonymous = new Agent(t.app);
    for (const path of ['/login', '/register', '/profile/edit', '/recipients', '/mailings/1/send', '/logout']) {
      assert.equal((await anonymous.post(path, {}, { csrf: false })).statusCode, 403, path);
    }
    const api = await t.app.inject({ method: 'POST', url: '/api/v1/recipients', payload: { email: 'a@example.com' } });
    assert.equal(api.statusCode, 401);
  });
});
