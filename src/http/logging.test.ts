/**
 * Logs: JSON lines, a request id on every request line (the caller's X-Request-Id when sane,
 * echoed back), and no secret in them — passwords, session cookies, API tokens, and the link
 * tokens of confirmation, password reset and unsubscribe, whose URLs are masked.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ensureAdmin, uniqueEmail } from '../../test/support/accounts.ts';
import { Agent } from '../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { linkIn } from '../../test/support/smtp.ts';
import { toActor } from '../features/auth/auth.service.ts';
import { createUnsubscribeTokens } from '../features/sending/unsubscribe-token.ts';
import { createUsersRepository } from '../features/users/users.repository.ts';
import { createLogger, maskUrl } from '../lib/logger.ts';
import { SESSION_COOKIE } from './context.ts';

const BASE = 'http://localhost:3000';
const pathOf = (link: string) => link.slice(BASE.length);

/** Everything the logger writes, line by line. */
const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

let t: TestApp;
before(async () => {
  t = await createTestApp({ logger: createLogger({ level: 'debug', stream: capture }) });
  await ensureAdmin(t);
});
after(() => t.close());

describe('request ids', () => {
  test('a sane X-Request-Id is kept, echoed and on every line of its request', async () => {
    const id = 'edge-7f3a.B_9';
    const response = await t.app.inject({ method: 'GET', url: '/login', headers: { 'x-request-id': id } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-request-id'], id);
    const mine = records().filter((r) => r.reqId === id);
    assert.deepEqual(
      mine.map((r) => r.msg),
      ['incoming request', 'request completed'],
    );
    // A refused request and an unknown page carry theirs too.
    const refused = await t.app.inject({ method: 'GET', url: '/api/v1/recipients', headers: { 'x-request-id': 'refused-1' } });
    assert.deepEqual([refused.statusCode, refused.headers['x-request-id']], [401, 'refused-1']);
    const missing = await t.app.inject({ method: 'GET', url: '/no/such/page', headers: { 'x-request-id': 'missing-1' } });
    assert.deepEqual([missing.statusCode, missing.headers['x-request-id']], [404, 'missing-1']);
  });

  test('a missing, long or odd X-Request-Id is replaced by a fresh one, and never logged', async () => {
    const hostile = ['', 'a b', '<script>alert(1)</script>', 'x'.repeat(101), 'id\u00e9', 'a/b', 'ok;drop'];
    const seen = new Set<string>();
    for (const value of [undefined, ...hostile]) {
      const headers = value === undefined ? {} : { 'x-request-id': value };
      const response = await t.app.inject({ method: 'GET', url: '/healthz', headers });
      const id = String(response.headers['x-request-id']);
      assert.match(id, /^[0-9a-f-]{36}$/, `a fresh id instead of ${JSON.stringify(value)}`);
      assert.ok(!seen.has(id), 'ids are not reused');
      seen.add(id);
      assert.ok(records().some((r) => r.reqId === id && r.msg === 'request completed'));
    }
    const output = lines.join('\n');
    for (const value of hostile.filter(Boolean)) assert.ok(!output.includes(value), `${value} is not logged`);
    const longest = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'x'.repeat(100) } });
    assert.equal(longest.headers['x-request-id'], 'x'.repeat(100), '100 characters are still accepted');
  });

  test('every line about a request names its request id', () => {
    const aboutRequests = records().filter((r) => 'req' in r || 'res' in r);
    assert.ok(aboutRequests.length > 10);
    assert.deepEqual(
      aboutRequests.filter((r) => typeof r.reqId !== 'string' || r.reqId === ''),
      [],
    );
  });
});

describe('secrets in logs', () => {
  test('passwords, cookies, API tokens and link tokens never reach the log', async () => {
    const secrets: string[] = [];
    const email = uniqueEmail('logged');
    const password = `first-secret-Pa55-${Date.now()}`;
    const newPassword = `second-secret-Pa55-${Date.now()}`;
    secrets.push(password, newPassword);

    // Registration and its confirmation link.
    const agent = new Agent(t.app);
    await agent.get('/register');
    const registered = await agent.post('/register', { email, fullName: 'Logged Person', password, passwordConfirm: password });
    assert.ok(registered.statusCode < 400, `register answered ${registered.statusCode}`);
    const confirmMail = await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'Confirm your e-mail address');
    const confirmLink = pathOf(linkIn(confirmMail, `${BASE}/confirm/`));
    secrets.push(confirmLink.slice('/confirm/'.length));
    assert.equal((await agent.get(confirmLink)).statusCode, 303);

    // A wrong login, then the right one; the session cookie is then sent with every page.
    assert.equal((await new Agent(t.app, '10.1.2.3').post('/login', { email, password: `${password}-wrong` })).statusCode, 401);
    assert.equal((await agent.post('/login', { email, password })).statusCode, 303);
    const session = agent.cookies.get(SESSION_COOKIE);
    assert.ok(session);
    secrets.push(session, `${password}-wrong`);
    assert.equal((await agent.get('/profile')).statusCode, 200);
    // The CSRF cookie and token are secrets too.
    secrets.push(await agent.csrfToken(), ...[...agent.cookies.values()].filter((v) => v.length >= 16));

    // An API token in Authorization, on a good and a refused request.
    const { token } = await t.c.auth.createApiToken(toActor(await findUser(email), 'session'), { name: 'logs' });
    secrets.push(token);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/recipients', headers: { authorization: `Bearer ${token}` } });
    assert.equal(api.statusCode, 200);
    const badToken = `hr_${'z'.repeat(40)}`;
    secrets.push(badToken);
    const refused = await t.app.inject({
      method: 'GET',
      url: '/api/v1/recipients',
      headers: { authorization: `Bearer ${badToken}` },
    });
    assert.equal(refused.statusCode, 401);

    // A password reset through its link.
    const resetter = new Agent(t.app);
    assert.equal((await resetter.post('/password-reset', { email })).statusCode, 200);
    const resetMail = await t.smtp!.nextMail(email, (m) => /reset/i.test(m.parsed.subject ?? ''));
    const resetLink = pathOf(linkIn(resetMail, `${BASE}/password-reset/`));
    secrets.push(resetLink.slice('/password-reset/'.length));
    assert.equal((await resetter.get(resetLink)).statusCode, 200);
    const reset = await resetter.post(resetLink, { password: newPassword, passwordConfirm: newPassword });
    assert.equal(reset.statusCode, 303);

    // An unsubscribe link, opened and confirmed (RFC 8058 one-click POST).
    const unsubscribeToken = createUnsubscribeTokens(t.c.config.secretKey).create(
      (await findUser(email)).id,
      'reader@example.com',
    );
    secrets.push(unsubscribeToken);
    assert.equal((await t.app.inject({ method: 'GET', url: `/unsubscribe/${unsubscribeToken}` })).statusCode, 200);
    const unsubscribed = await t.app.inject({
      method: 'POST',
      url: `/unsubscribe/${unsubscribeToken}`,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.ok(unsubscribed.statusCode < 400, `unsubscribe answered ${unsubscribed.statusCode}`);

    const output = lines.join('\n');
    const leaked = secrets.filter((secret) => output.includes(secret) || output.includes(encodeURIComponent(secret)));
    assert.deepEqual(leaked, [], 'no secret appears in the log');
    // The requests were logged, with their token segments masked.
    const urls = records()
      .map((r) => (r.req as { url?: string } | undefined)?.url)
      .filter(Boolean);
    for (const masked of ['/confirm/[redacted]', '/password-reset/[redacted]', '/unsubscribe/[redacted]', '/login', '/profile']) {
      assert.ok(urls.includes(masked), `${masked} is logged`);
    }
  });

  test('URLs are masked: link tokens in the path, secret values in the query', () => {
    assert.equal(maskUrl('/confirm/abc.DEF_123'), '/confirm/[redacted]');
    assert.equal(maskUrl('/confirm/resend'), '/confirm/resend');
    assert.equal(maskUrl('/password-reset/tok?next=/x'), '/password-reset/[redacted]?next=/x');
    assert.equal(maskUrl('/password-reset'), '/password-reset');
    assert.equal(maskUrl('/unsubscribe/tok/extra'), '/unsubscribe/[redacted]/extra');
    assert.equal(maskUrl('/blog/covers/new?_csrf=s3cret&x=1'), '/blog/covers/new?_csrf=[redacted]&x=1');
    assert.equal(maskUrl('/a?Token=1&api%5Fkey=2&page=3'), '/a?Token=[redacted]&api%5Fkey=[redacted]&page=3');
    assert.equal(maskUrl('/a?%E0%A4%A=1'), '/a?%E0%A4%A=1', 'a broken escape is left as it is');
    assert.equal(maskUrl('/recipients/12?page=2'), '/recipients/12?page=2');
  });
});

async function findUser(email: string) {
  const user = await createUsersRepository(t.c.db).findByEmail(email);
  if (!user) throw new Error(`no user ${email}`);
  return user;
}
