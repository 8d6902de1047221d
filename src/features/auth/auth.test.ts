import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { createUser, ensureAdmin, loginAgent, PASSWORD, uniqueEmail } from '../../../test/support/accounts.ts';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { linkIn } from '../../../test/support/smtp.ts';
import { users } from '../../db/schema.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await ensureAdmin(t);
});
after(() => t.close());

const BASE = 'http://localhost:3000';
const pathOf = (link: string) => link.slice(BASE.length);
const countUsers = (email: string) => t.c.db.$count(users, eq(users.email, email.toLowerCase()));

async function register(agent: Agent, email: string, extra: Record<string, string> = {}) {
  return agent.post('/register', { email, fullName: 'Ada Lovelace', password: PASSWORD, passwordConfirm: PASSWORD, ...extra });
}

describe('registration and confirmation', () => {
  test('register → confirmation mail → link confirms → login works', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t.app);
    const registered = await register(agent, email);
    assert.equal(registered.statusCode, 200);
    assert.match(registered.body, /Check your inbox/);

    const mail = await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'Confirm your e-mail address');
    const confirm = await agent.get(pathOf(linkIn(mail, `${BASE}/confirm/`)));
    assert.equal(confirm.statusCode, 303);
    assert.equal(confirm.headers.location, '/login');

    const login = await agent.post('/login', { email, password: PASSWORD });
    assert.equal(login.statusCode, 303);
    const profile = await agent.get('/profile');
    assert.equal(profile.statusCode, 200);
    assert.match(profile.body, new RegExp(email));
  });

  test('login before confirmation is refused with a resend offer', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t.app);
    await register(agent, email);
    const first = await t.smtp!.nextMail(email);
    const login = await agent.post('/login', { email, password: PASSWORD });
    assert.equal(login.statusCode, 403);
    assert.match(login.body, /Confirm your e-mail address first/);
    assert.match(login.body, /action="\/confirm\/resend"/);

    const resend = await agent.post('/confirm/resend', { email });
    assert.equal(resend.statusCode, 303);
    const second = await t.smtp!.nextMail(email, () => true, new Set([first]));
    assert.notEqual(linkIn(second, `${BASE}/confirm/`), linkIn(first, `${BASE}/confirm/`));
    // The first link stopped working when the second was sent.
    assert.equal((await agent.get(pathOf(linkIn(first, `${BASE}/confirm/`)))).statusCode, 400);
    assert.equal((await agent.get(pathOf(linkIn(second, `${BASE}/confirm/`)))).statusCode, 303);
  });

  test('a reused or forged confirmation token is a 4xx page, never a 500', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t.app);
    await register(agent, email);
    const link = pathOf(linkIn(await t.smtp!.nextMail(email), `${BASE}/confirm/`));
    assert.equal((await agent.get(link)).statusCode, 303);
    const reused = await agent.get(link);
    assert.equal(reused.statusCode, 400);
    assert.match(reused.body, /already been used/);
    for (const forged of ['x', 'A'.repeat(43), `${'%00'.repeat(5)}abc`, "'; DROP TABLE users;--", 'a'.repeat(150)]) {
      const response = await agent.get(`/confirm/${encodeURIComponent(forged)}`);
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${forged} → ${response.statusCode}`);
    }
  });

  test('an expired confirmation link answers 410', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t.app);
    await register(agent, email);
    const link = pathOf(linkIn(await t.smtp!.nextMail(email), `${BASE}/confirm/`));
    // Move the token's expiry into the past rather than waiting 48 hours.
    await t.c.db.execute(sql`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    const response = await agent.get(link);
    assert.equal(response.statusCode, 410);
    assert.match(response.body, /expired/);
  });

  test('registering a taken address answers the same and mails its owner instead', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t.app);
    await register(agent, email);
    const confirmation = await t.smtp!.nextMail(email);
    await agent.get(pathOf(linkIn(confirmation, `${BASE}/confirm/`)));
    const again = await register(new Agent(t.app), email);
    assert.equal(again.statusCode, 200);
    assert.match(again.body, /Check your inbox/);
    const notice = await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'You already have a Herald account');
    assert.ok(notice);
  });

  test('bad registration input shows errors next to fields, keeps what was typed, writes nothing', async () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ email: 'not-an-address' }, 'email', /valid e-mail/],
      [{ email: 'a@b.c\r\nBcc: victim@example.com' }, 'email', /valid e-mail/],
      [{ fullName: '' }, 'fullName', /required/],
      [{ fullName: 'Eve\r\nBcc: x@example.com' }, 'fullName', /single line/],
      [{ fullName: 'x'.repeat(201) }, 'fullName', /at most 200/],
      [{ password: 'short', passwordConfirm: 'short' }, 'password', /at least 10/],
      [{ password: 'password123', passwordConfirm: 'password123' }, 'password', /too common/],
      [{ passwordConfirm: 'something-else-entirely' }, 'passwordConfirm', /do not match/],
    ];
    for (const [override, field, message] of cases) {
      const email = override.email ?? uniqueEmail();
      const response = await register(new Agent(t.app), email, override);
      assert.equal(response.statusCode, 422, JSON.stringify(override));
      assert.match(response.body, new RegExp(`id="field-${field}-error"[^>]*>[^<]*${message.source}`), JSON.stringify(override));
      if (override.fullName === undefined) assert.match(response.body, /value="Ada Lovelace"/);
      assert.equal(await countUsers(email), 0);
    }
  });

  test('a form posted without a valid CSRF token is refused with 403 and writes nothing', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t.app);
    const without = await agent.post(
      '/register',
      { email, fullName: 'No Token', password: PASSWORD, passwordConfirm: PASSWORD },
      { csrf: false },
    );
    assert.equal(without.statusCode, 403);
    const forged = await agent.post(
      '/register',
      { email, fullName: 'No Token', password: PASSWORD, passwordConfirm: PASSWORD },
      { csrf: 'forged-token' },
    );
    assert.equal(forged.statusCode, 403);
    assert.equal(await countUsers(email), 0);
  });
});

describe('login', () => {
  test('wrong passwords for one address end in 429 with Retry-After', async () => {
    const email = uniqueEmail();
    await createUser(t.c, { email });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await new Agent(t.app, `10.0.0.${i}`).post('/login', { email, password: 'wrong-password-0' })).statusCode);
    }
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429);
    const blocked = await new Agent(t.app, '10.0.1.1').post('/login', { email, password: PASSWORD });
    assert.equal(blocked.statusCode, 429, 'even the right password waits once the address is throttled');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
  });

  test('logout is a POST that ends the session', async () => {
    const user = await createUser(t.c);
    const agent = await loginAgent(t, user.email);
    assert.equal((await agent.get('/profile')).statusCode, 200);
    assert.equal((await agent.get('/logout')).statusCode, 404);
    assert.equal((await agent.post('/logout')).statusCode, 303);
    const after = await agent.get('/profile');
    assert.equal(after.statusCode, 303);
    assert.match(String(after.headers.location), /^\/login/);
  });
});

describe('in Russian', () => {
  /** A visitor who chose Russian with the footer switcher. */
  const russianAgent = () => {
    const agent = new Agent(t.app);
    agent.cookies.set('herald_lang', 'ru');
    return agent;
  };

  test('the register form is in Russian for a browser asking for it', async () => {
    const page = await new Agent(t.app).get('/register', { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<html lang="ru">/);
    for (const text of [
      'Создайте аккаунт',
      'Полное имя',
      'Эл. почта',
      'Пароль ещё раз',
      'Зарегистрироваться',
      'Уже зарегистрированы?',
    ]) {
      assert.ok(page.body.includes(text), text);
    }
    for (const text of ['Create your account', 'Full name', 'Password again', 'Already registered?', 'At least 10 characters']) {
      assert.ok(!page.body.includes(text), text);
    }
  });

  test('field errors are in Russian, including plural forms of lengths', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ email: 'not-an-address' }, 'email', 'Введите корректный адрес электронной почты.'],
      [{ fullName: '' }, 'fullName', 'Укажите полное имя.'],
      [{ fullName: 'x'.repeat(201) }, 'fullName', 'Полное имя не может быть длиннее 200 символов.'],
      [{ passwordConfirm: 'something-else-entirely' }, 'passwordConfirm', 'Пароли не совпадают.'],
    ];
    for (const [override, field, message] of cases) {
      const response = await register(russianAgent(), override.email ?? uniqueEmail(), override);
      assert.equal(response.statusCode, 422, JSON.stringify(override));
      assert.match(response.body, new RegExp(`id="field-${field}-error"[^>]*>${message}<`), JSON.stringify(override));
    }
  });

  test('a Russian registration gets a Russian confirmation mail and a Russian profile', async () => {
    const email = uniqueEmail();
    const agent = russianAgent();
    const registered = await register(agent, email);
    assert.equal(registered.statusCode, 200);
    assert.ok(registered.body.includes(`Мы отправили ссылку для подтверждения на ${email}.`));

    const mail = await t.smtp!.nextMail(email);
    assert.equal(mail.parsed.subject, 'Подтвердите адрес электронной почты');
    assert.match(mail.parsed.text ?? '', /^Здравствуйте, Ada Lovelace!/);
    assert.match(mail.parsed.text ?? '', /действует 48 часов/);
    assert.doesNotMatch(mail.parsed.text ?? '', /Hello|expires/);
    const [user] = await t.c.db.select().from(users).where(eq(users.email, email));
    assert.equal(user?.language, 'ru', 'the language of the registration becomes the profile language');

    const confirmed = await agent.get(pathOf(linkIn(mail, `${BASE}/confirm/`)));
    assert.equal(confirmed.headers.location, '/login');
    const login = await agent.get('/login');
    assert.ok(login.body.includes('Адрес электронной почты подтверждён. Теперь можно войти.'));

    // Signed in, the profile's language wins over the browser's and the cookie's.
    const english = new Agent(t.app);
    assert.equal((await english.post('/login', { email, password: PASSWORD })).statusCode, 303);
    const home = await english.get('/', { 'accept-language': 'en' });
    assert.match(home.body, /<html lang="ru">/);
    assert.ok(home.body.includes('С возвращением, Ada Lovelace!'));
    assert.ok(home.body.includes('Получатели') && home.body.includes('Выйти'));
    assert.ok(!home.body.includes('Log out'));
  });

  test('a password reset mail is written in the language of its user', async () => {
    const user = await createUser(t.c);
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    // Asked for from an English browser: the mail still follows the account.
    await new Agent(t.app).post('/password-reset', { email: user.email });
    const mail = await t.smtp!.nextMail(user.email);
    assert.equal(mail.parsed.subject, 'Сброс пароля');
    assert.match(mail.parsed.text ?? '', /выбрать новый пароль/);
  });

  test('a wrong password and a used link are explained in Russian', async () => {
    const user = await createUser(t.c);
    const agent = russianAgent();
    const login = await agent.post('/login', { email: user.email, password: 'wrong-password-0' });
    assert.equal(login.statusCode, 401);
    assert.ok(login.body.includes('Неверный адрес электронной почты или пароль.'));
    const forged = await agent.get(`/confirm/${'A'.repeat(43)}`);
    assert.equal(forged.statusCode, 400);
    assert.ok(forged.body.includes('Эта ссылка недействительна. Запросите новую.'));
    assert.ok(forged.body.includes('Вернуться на главную'));
  });
});
