import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createUser, ensureAdmin, loginAgent, PASSWORD, signedIn } from '../../../test/support/accounts.ts';
import { Agent, bearer } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokens, users } from '../../db/schema.ts';
import { formats } from '../../i18n/i18n.ts';
import { FixedClock } from '../../lib/clock.ts';
import { toActor } from '../auth/auth.service.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await ensureAdmin(t);
});
after(() => t.close());

describe('profile', () => {
  test('shows name, e-mail, role, time zone and language', async () => {
    const { user, agent } = await signedIn(t);
    const page = await agent.get('/profile');
    assert.equal(page.statusCode, 200);
    for (const text of [user.email, user.fullName, 'user', 'UTC', 'English']) assert.ok(page.body.includes(text), text);
    assert.equal(page.headers['cache-control'], 'private, no-cache', 'personal: only the browser keeps it, and revalidates');
  });

  test('edit saves name, time zone and language', async () => {
    const { user, agent } = await signedIn(t);
    const saved = await agent.post('/profile/edit', { fullName: 'Grace Hopper', timeZone: 'Europe/Moscow', language: 'ru' });
    assert.equal(saved.statusCode, 303);
    const profile = await t.c.users.getProfile({ userId: user.id, role: 'user', email: user.email, fullName: '', via: 'cli' });
    assert.deepEqual([profile.fullName, profile.timeZone, profile.language], ['Grace Hopper', 'Europe/Moscow', 'ru']);
    const page = await agent.get('/profile');
    assert.match(page.body, /Grace Hopper/);
    assert.match(page.body, /<html lang="ru"/, 'the next page is in the language just chosen');
    assert.match(page.body, /Профиль сохранён\./, 'and so is the flash');
    assert.doesNotMatch(page.body, /profile is saved|Edit profile/);
  });

  test('in Russian for a user whose profile language is ru: texts, role, dates in their time zone', async () => {
    const { user, agent } = await signedIn(t);
    await t.c.db.update(users).set({ language: 'ru', timeZone: 'Asia/Tokyo' }).where(eq(users.id, user.id));
    const page = await agent.get('/profile', { 'accept-language': 'en' });
    assert.match(page.body, /<html lang="ru"/, 'the profile language wins over the browser’s');
    for (const text of ['Эл. почта', '<td>Пользователь</td>', 'Часовой пояс', 'Дата регистрации', 'Ваша статистика', 'Русский']) {
      assert.ok(page.body.includes(text), text);
    }
    // Tokyo is UTC+9: the moment is written in Russian and in the reader's own time.
    const joined = formats('ru', 'Asia/Tokyo').dateTime(user.createdAt);
    assert.match(joined, /г\., \d{2}:\d{2}$/);
    assert.ok(page.body.includes(`<td>${joined}</td>`), joined);
    assert.match(page.body, /id="profile-successful">0<\/p><p>успешных попыток</);
    for (const english of ['Member since', 'Your statistics', 'Time zone', 'successful attempts']) {
      assert.ok(!page.body.includes(english), english);
    }

    const edit = await agent.get('/profile/edit');
    assert.match(edit.body, /English<\/option>/, 'languages keep their own names');
    assert.match(edit.body, /Русский<\/option>/);
    const tokens = await agent.post('/profile/tokens', { name: 'для скрипта' });
    assert.match(tokens.body, /Токен «для скрипта» создан\./);
    assert.match(tokens.body, /<td>\d+ \S+ \d{4} г\., \d{2}:\d{2}<\/td>/, 'the token’s creation, in Russian');
  });

  test('English readers get English dates in their time zone', async () => {
    const { user, agent } = await signedIn(t);
    await t.c.db.update(users).set({ timeZone: 'America/New_York' }).where(eq(users.id, user.id));
    const page = await agent.get('/profile');
    assert.ok(page.body.includes(`<td>${formats('en', 'America/New_York').dateTime(user.createdAt)}</td>`));
  });

  test('edit refuses bad input next to the field and changes nothing', async () => {
    const { user, agent } = await signedIn(t);
    const cases: [Record<string, string>, string][] = [
      [{ fullName: '', timeZone: 'UTC', language: 'en' }, 'fullName'],
      [{ fullName: 'A\nB', timeZone: 'UTC', language: 'en' }, 'fullName'],
      [{ fullName: 'Ok Name', timeZone: 'Mars/Olympus', language: 'en' }, 'timeZone'],
      [{ fullName: 'Ok Name', timeZone: 'UTC', language: 'xx' }, 'language'],
      [{ fullName: 'Ok Name' }, 'timeZone'],
    ];
    for (const [form, field] of cases) {
      const response = await agent.post('/profile/edit', form);
      assert.equal(response.statusCode, 422, JSON.stringify(form));
      assert.match(response.body, new RegExp(`id="field-${field}-error"`), JSON.stringify(form));
    }
    const profile = await t.c.users.getProfile({ userId: user.id, role: 'user', email: user.email, fullName: '', via: 'cli' });
    assert.equal(profile.fullName, user.fullName);
  });

  test('anonymous visitors are sent to the login page and cannot post', async () => {
    const anonymous = new Agent(t.app);
    const page = await anonymous.get('/profile/edit');
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, '/login?next=%2Fprofile%2Fedit');
    const post = await anonymous.post('/profile/edit', { fullName: 'Nobody', timeZone: 'UTC', language: 'en' });
    assert.equal(post.statusCode, 401);
  });
});

describe('change password', () => {
  test('needs the current password; ends other sessions but keeps this one', async () => {
    const user = await createUser(t.c);
    const agent = await loginAgent(t, user.email);
    const other = await loginAgent(t, user.email);
    const wrong = await agent.post('/profile/password', {
      currentPassword: 'not-my-password',
      password: 'a-new-password-123',
      passwordConfirm: 'a-new-password-123',
    });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /current password is wrong/);
    assert.equal((await other.get('/profile')).statusCode, 200, 'a refused change ends nothing');

    const changed = await agent.post('/profile/password', {
      currentPassword: PASSWORD,
      password: 'a-new-password-123',
      passwordConfirm: 'a-new-password-123',
    });
    assert.equal(changed.statusCode, 303);
    assert.equal((await agent.get('/profile')).statusCode, 200);
    assert.equal((await other.get('/profile')).statusCode, 303);
    assert.equal((await new Agent(t.app).post('/login', { email: user.email, password: 'a-new-password-123' })).statusCode, 303);
  });
});

describe('API tokens', () => {
  test('a token’s last use is recorded, at most once a minute (no write per request)', async () => {
    const clock = new FixedClock(new Date('2026-06-01T10:00:00Z'));
    const app = await createTestApp({ clock });
    try {
      const user = await createUser(app.c);
      const { token, row } = await app.c.auth.createApiToken(toActor(user, 'session'), { name: 'counted' });
      const lastUsed = async () =>
        (await app.c.db.select().from(apiTokens).where(eq(apiTokens.id, row.id)))[0]?.lastUsedAt?.toISOString() ?? null;
      const api = bearer(app.app, token);
      assert.equal(await lastUsed(), null);
      assert.equal((await api('GET', '/api/v1/me')).statusCode, 200);
      assert.equal(await lastUsed(), '2026-06-01T10:00:00.000Z');
      clock.advance(30_000);
      assert.equal((await api('GET', '/api/v1/me')).statusCode, 200);
      assert.equal(await lastUsed(), '2026-06-01T10:00:00.000Z', 'not written again within the minute');
      clock.advance(31_000);
      assert.equal((await api('GET', '/api/v1/me')).statusCode, 200);
      assert.equal(await lastUsed(), '2026-06-01T10:01:01.000Z');
    } finally {
      await app.close();
    }
  });

  test('created with a name, shown once, usable as Bearer, listed without the secret, revocable', async () => {
    const { user, agent } = await signedIn(t);
    const created = await agent.post('/profile/tokens', { name: 'deploy script' });
    assert.equal(created.statusCode, 201);
    const token = /id="new-token">([^<]+)</.exec(created.body)?.[1] ?? '';
    assert.ok(token?.startsWith('hrd_'));

    const list = await agent.get('/profile/tokens');
    assert.match(list.body, /deploy script/);
    assert.ok(!list.body.includes(token), 'the secret is never shown again');

    const api = bearer(t.app, token);
    const me = await api('GET', '/api/v1/me');
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().email, user.email);
    const patched = await api('PATCH', '/api/v1/me', { fullName: 'Via Token', timeZone: 'Asia/Tokyo', language: 'en' });
    assert.equal(patched.statusCode, 200, 'a bearer request needs no CSRF token');
    assert.equal(patched.json().fullName, 'Via Token');

    const id = /action="\/profile\/tokens\/(\d+)\/revoke"/.exec(list.body)?.[1];
    assert.equal((await agent.post(`/profile/tokens/${id}/revoke`)).statusCode, 303);
    const refused = await api('GET', '/api/v1/me');
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(refused.json().code, 'UNAUTHENTICATED');
  });

  test('through the API: create, list, revoke; another user’s token answers 404 and stays', async () => {
    const alice = await signedIn(t);
    const bob = await signedIn(t);
    const created = await alice.agent.api('POST', '/api/v1/tokens', { name: 'ci' });
    assert.equal(created.statusCode, 201);
    const { id, token } = created.json();
    const listed = await alice.agent.api('GET', '/api/v1/tokens');
    assert.deepEqual(
      listed.json().items.map((item: { id: number }) => item.id),
      [id],
    );
    assert.equal(listed.json().items[0].token, undefined);

    assert.equal((await bob.agent.api('DELETE', `/api/v1/tokens/${id}`)).statusCode, 404);
    assert.equal((await bob.agent.post(`/profile/tokens/${id}/revoke`)).statusCode, 404);
    assert.equal((await bearer(t.app, token)('GET', '/api/v1/me')).statusCode, 200, 'still valid after a foreign revoke');

    assert.equal((await alice.agent.api('DELETE', `/api/v1/tokens/${id}`)).statusCode, 204);
    assert.equal((await bearer(t.app, token)('GET', '/api/v1/me')).statusCode, 401);
  });

  test('bad names, ids and tokens are refused without writing', async () => {
    const { agent } = await signedIn(t);
    for (const name of ['', 'a\r\nb', 'x'.repeat(101)]) {
      const response = await agent.api('POST', '/api/v1/tokens', { name });
      assert.equal(response.statusCode, 422, JSON.stringify(name));
      assert.equal(response.json().code, 'VALIDATION_FAILED');
      assert.ok(response.json().errors.name);
    }
    assert.equal((await agent.api('POST', '/api/v1/tokens', 'not json')).statusCode, 415);
    assert.equal((await agent.api('POST', '/api/v1/tokens', [1, 2])).statusCode, 422);
    assert.equal((await agent.api('GET', '/api/v1/tokens')).json().items.length, 0);
    for (const id of ['0', '-1', 'abc', '99999999999999999999', '1.5', '2147483648']) {
      assert.equal((await agent.api('DELETE', `/api/v1/tokens/${id}`)).statusCode, 404, id);
    }
    for (const header of ['Bearer', 'Bearer hrd_forged', 'Basic abc', `Bearer ${'x'.repeat(5000)}`]) {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: header } });
      assert.equal(response.statusCode, 401, header.slice(0, 30));
    }
  });

  test('a cookie-authenticated API write without the CSRF header is refused', async () => {
    const { agent } = await signedIn(t);
    const cookie = agent.cookieHeader();
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie }, payload: { name: 'x' } });
    assert.equal(response.statusCode, 403);
    assert.equal(response.json().code, 'CSRF_INVALID');
    assert.equal((await agent.api('GET', '/api/v1/tokens')).json().items.length, 0);
  });
});
