import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { renderToString } from 'preact-render-to-string';
import { createUser, ensureAdmin, loginAgent } from '../../test/support/accounts.ts';
import { Agent } from '../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { users } from '../db/schema.ts';
import { formats, type Language, translator } from '../i18n/i18n.ts';
import { HomePage } from '../views/home.tsx';
import type { PageContext } from '../views/layout.tsx';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

describe('the language of a page', () => {
  test('the footer switcher sets the cookie and comes back to the page, now in Russian', async () => {
    const agent = new Agent(t.app);
    const english = await agent.get('/login');
    assert.match(english.body, /href="\/language\/ru\?next=%2Flogin"/);
    const switched = await agent.get('/language/ru?next=/login');
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/login');
    assert.equal(agent.cookies.get('herald_lang'), 'ru');
    const russian = await agent.get('/login');
    assert.match(russian.body, /<html lang="ru">/);
    assert.match(russian.body, /<h1>Войти<\/h1>/);
    assert.ok(russian.body.includes('Забыли пароль?'));
    assert.ok(!russian.body.includes('Forgot your password?'));
    assert.match(russian.body, /href="\/language\/en\?next=%2Flogin"/, 'and back to English from there');
  });

  test('an unknown language is not found, and the switcher never leaves the site', async () => {
    const agent = new Agent(t.app);
    const unknown = await agent.get('/language/xx?next=/login');
    assert.equal(unknown.statusCode, 404);
    assert.equal(agent.cookies.get('herald_lang'), undefined);
    for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example']) {
      const response = await agent.get(`/language/ru?next=${encodeURIComponent(next)}`);
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/', next);
    }
  });

  test('Accept-Language: ru turns the home page and an error page Russian', async () => {
    const agent = new Agent(t.app);
    const home = await agent.get('/', { 'accept-language': 'ru' });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /<html lang="ru">/);
    assert.match(home.body, /<title>Главная · Herald<\/title>/);
    for (const text of [
      'Храните получателей и сообщения',
      'Создать аккаунт',
      'В этом Herald',
      'Herald — рассылки, которым можно доверять.',
    ]) {
      assert.ok(home.body.includes(text), text);
    }
    for (const text of ['Keep your recipients', 'Create an account', 'On this Herald', 'mailings you can trust']) {
      assert.ok(!home.body.includes(text), text);
    }
    assert.match(home.headers.vary as string, /Accept-Language/);

    const missing = await agent.get('/no-such-page', { 'accept-language': 'ru' });
    assert.equal(missing.statusCode, 404);
    assert.ok(missing.body.includes('Страница не найдена.'));
    assert.ok(missing.body.includes('Вернуться на главную'));
    assert.ok(!missing.body.includes('Page not found'));
  });

  test('a signed-in user with the Russian profile reads Russian whatever the browser asks for', async () => {
    const user = await createUser(t.c);
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    const agent = await loginAgent(t, user.email);
    agent.cookies.set('herald_lang', 'en');
    const home = await agent.get('/', { 'accept-language': 'en-US,en;q=0.9' });
    assert.match(home.body, /<html lang="ru">/);
    for (const text of ['Получатели', 'Рассылки', 'Статистика', 'Выйти', 'Ваши']) assert.ok(home.body.includes(text), text);
    assert.ok(!home.body.includes('Log out'));
    assert.ok(!home.body.includes('class="language-switcher"'), 'signed-in users choose in their profile');
  });

  test('the JSON API answers in English, whatever the reader language', async () => {
    const user = await createUser(t.c);
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    const agent = await loginAgent(t, user.email);
    const missing = await agent.api('GET', '/api/v1/recipients/abc');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().title, 'Recipient not found.');
    const invalid = await agent.api('POST', '/api/v1/tokens', { name: 'x'.repeat(101) });
    assert.equal(invalid.statusCode, 422);
    assert.equal(invalid.json().title, 'Some fields need attention.');
    assert.deepEqual(invalid.json().errors, { name: 'Name must be at most 100 characters.' });
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'accept-language': 'ru' } });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().title, 'Log in first.');
  });
});

describe('the home page figures', () => {
  const ctx = (language: Language): PageContext => ({
    actor: null,
    csrfToken: '',
    flash: null,
    language,
    t: translator(language),
    format: formats(language),
    timeZone: 'UTC',
    path: '/',
    query: '',
    devMailbox: false,
    assets: { css: '/pico.css', appCss: '/app.css' },
  });
  const figures = (language: Language, mailings: number, running: number, uniqueRecipients: number) =>
    [
      ...renderToString(HomePage({ ctx: ctx(language), figures: { mailings, running, uniqueRecipients } })).matchAll(
        /<p class="figure"[^>]*>([^<]*)<\/p><p>([^<]*)<\/p>/g,
      ),
    ].map((m) => `${m[1]} ${m[2]}`);

  test('are counted with Russian plural forms and number formats', () => {
    assert.deepEqual(figures('ru', 1, 2, 5), ['1 рассылка', '2 запущены сейчас', '5 уникальных адресов получателей']);
    assert.deepEqual(figures('ru', 21, 5, 2), ['21 рассылка', '5 запущено сейчас', '2 уникальных адреса получателей']);
    assert.deepEqual(figures('ru', 1234, 1, 1), ['1\u00a0234 рассылки', '1 запущена сейчас', '1 уникальный адрес получателей']);
    assert.deepEqual(figures('en', 1, 2, 1234), ['1 mailing', '2 running now', '1,234 unique recipient addresses']);
  });
});
