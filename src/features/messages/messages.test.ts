import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createUser, ensureAdmin, loginAgent, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { mailings, messages } from '../../db/schema.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await ensureAdmin(t);
});
after(() => t.close());

const idFromLocation = (location: unknown) => Number(/\/messages\/(\d+)/.exec(String(location))?.[1]);
const countOf = (ownerId: number) => t.c.db.$count(messages, eq(messages.ownerId, ownerId));
const stored = async (id: number) => (await t.c.db.select().from(messages).where(eq(messages.id, id)))[0];
const smtp = () => {
  if (!t.smtp) throw new Error('this suite needs the SMTP test server');
  return t.smtp;
};

/** Creates a message through the form and returns its id. */
async function createMessage(agent: Agent, form: Record<string, string> = {}): Promise<number> {
  const response = await agent.post('/messages', {
    subject: 'Hello {{name}}',
    body: 'Dear **{{name}}**',
    format: 'markdown',
    ...form,
  });
  assert.equal(response.statusCode, 303, response.body);
  return idFromLocation(response.headers.location);
}

describe('messages pages', () => {
  test('create, show, edit and delete (with confirmation) own messages', async () => {
    const { user, agent } = await signedIn(t);
    const id = await createMessage(agent, { subject: 'Spring news', body: 'Hi {{name}},\r\n\r\nnews.', format: 'text' });
    const page = await agent.get(`/messages/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Spring news/);
    assert.match(page.body, /Plain text/);
    assert.equal((await stored(id))?.body, 'Hi {{name}},\n\nnews.', 'line breaks stored as LF');

    const form = await agent.get(`/messages/${id}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /\{\{unsubscribe_url\}\}/, 'placeholders are listed under the body');
    const saved = await agent.post(`/messages/${id}/edit`, { subject: 'Summer news', body: 'Changed', format: 'markdown' });
    assert.equal(saved.statusCode, 303);
    assert.match((await agent.get(`/messages/${id}`)).body, /Summer news/);
    assert.equal((await stored(id))?.format, 'markdown');

    const confirm = await agent.get(`/messages/${id}/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /cannot be undone/);
    assert.equal((await agent.post(`/messages/${id}/delete`)).statusCode, 303);
    assert.equal((await agent.get(`/messages/${id}`)).statusCode, 404);
    assert.equal(await countOf(user.id), 0);
  });

  test('bad input is shown next to the field, keeps what was typed, and writes nothing', async () => {
    const { user, agent } = await signedIn(t);
    const ok = { subject: 'Fine', body: 'Fine', format: 'markdown' };
    const cases: [Record<string, string>, string, RegExp?][] = [
      [{ ...ok, subject: '' }, 'subject'],
      [{ ...ok, subject: 'Hi\r\nBcc: victim@example.com' }, 'subject', /single line/],
      [{ ...ok, subject: 'Hi\nthere' }, 'subject'],
      [{ ...ok, subject: 'x'.repeat(301) }, 'subject'],
      [{ ...ok, body: '' }, 'body'],
      [{ ...ok, body: '   \n ' }, 'body'],
      [{ ...ok, body: 'x'.repeat(100_001) }, 'body', /at most 100,000/],
      [{ ...ok, body: 'nul\u0000byte' }, 'body'],
      [{ ...ok, format: 'html' }, 'format'],
      [{ ...ok, body: 'Hi {{first_name}}' }, 'body', /Unknown placeholder \{\{first_name\}\}/],
      [{ ...ok, subject: 'Hi {{name' }, 'subject', /not closed/],
      [{ ...ok, body: '{{#name}}x{{/name}}' }, 'body', /Sections/],
      [{ ...ok, body: '{{> /etc/passwd}}' }, 'body', /Partials/],
      [{ ...ok, body: '{{{name}}}' }, 'body', /unescaped/],
    ];
    for (const [form, field, message] of cases) {
      const response = await agent.post('/messages', form);
      const label = JSON.stringify(form).slice(0, 80);
      assert.equal(response.statusCode, 422, label);
      assert.match(response.body, new RegExp(`id="field-${field}-error"`), label);
      if (message) assert.match(response.body, message, label);
    }
    const kept = await agent.post('/messages', { ...ok, body: 'Keep {{nope}} this' });
    assert.match(kept.body, /Keep \{\{nope\}\} this<\/textarea>/);
    const huge = await agent.post('/messages', { ...ok, body: 'x'.repeat(300_000) });
    assert.equal(huge.statusCode, 413);
    assert.equal((await agent.post('/messages', ok, { csrf: false })).statusCode, 403);
    assert.equal(await countOf(user.id), 0);
  });

  test('search by subject, sort and pagination', async () => {
    const { agent } = await signedIn(t);
    for (const subject of ['Alpha offer', 'Beta digest', 'Gamma_news']) await createMessage(agent, { subject });
    const found = await agent.get('/messages?q=beta');
    assert.match(found.body, /Beta digest/);
    assert.doesNotMatch(found.body, /Alpha offer/);
    assert.match((await agent.get('/messages?q=_')).body, /1 message\b/, 'LIKE wildcards are taken literally');
    const bySubject = await agent.get('/messages?sort=subject&direction=desc');
    assert.ok(bySubject.body.indexOf('Gamma_news') < bySubject.body.indexOf('Alpha offer'));
    const paged = await agent.get('/messages?sort=subject&direction=asc&pageSize=2&page=2');
    assert.match(paged.body, /Gamma_news/);
    assert.doesNotMatch(paged.body, /Alpha offer/);
    assert.match(paged.body, /Page 2 of 2/);
    for (const query of ['page=-1', 'page=abc', 'pageSize=100000', 'sort=body', 'direction=sideways', 'q=%00']) {
      assert.equal((await agent.get(`/messages?${query}`)).statusCode, 200, query);
    }
  });
});

describe('messages: preview and "send a test to me"', () => {
  test('the preview shows the HTML part in a sandboxed frame and the text part, with the actor’s values', async () => {
    const user = await createUser(t.c, { fullName: '<script>alert(1)</script>"><img src=x onerror=alert(2)>' });
    const agent = await loginAgent(t, user.email);
    const body =
      'Hi {{name}}\n\n<script>alert(3)</script><a href="javascript:alert(4)" onclick="x()">x</a>\n\n[Unsubscribe]({{unsubscribe_url}})';
    const id = await createMessage(agent, { body });
    const page = await agent.get(`/messages/${id}/preview`);
    assert.equal(page.statusCode, 200);
    // An empty sandbox (no scripts, no same-origin); Preact writes sandbox="" as a bare attribute.
    assert.match(page.body, /<iframe sandbox(="")? srcdoc="[^"]*" title="HTML preview"/);
    assert.doesNotMatch(page.body, /<script|<img|<[^>]*\bon\w+=|href="javascript:/, 'nothing hostile reaches the page as markup');
    const srcdoc = (/srcdoc="([^"]*)"/.exec(page.body)?.[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    assert.match(srcdoc, /<a href="http:\/\/localhost:3000\/unsubscribe\/example">Unsubscribe<\/a>/);
    assert.doesNotMatch(srcdoc, /<script|<img|<[^>]*\bon\w+=|href="javascript:/, 'the frame’s document is sanitised too');
    assert.match(page.body, /<pre class="mail">Hi &lt;script>alert\(1\)&lt;\/script>/, 'the text part, escaped by the page');
    assert.match(page.body, /Send a test to me/);

    const api = (await agent.api('GET', `/api/v1/messages/${id}/preview`)).json();
    assert.equal(api.subject, `Hello ${user.fullName}`);
    assert.match(api.text, /\[Unsubscribe\]\(http:\/\/localhost:3000\/unsubscribe\/example\)/);
    assert.doesNotMatch(api.html, /<script|<img|onclick|javascript:/);
  });

  test('"send a test to me" delivers to the actor’s own address; another user’s message answers 404 and sends nothing', async () => {
    const owner = await signedIn(t);
    const other = await signedIn(t);
    const id = await createMessage(owner.agent, { body: 'Dear **{{name}}**, this is {{email}}.' });

    const sent = await owner.agent.post(`/messages/${id}/test`);
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, `/messages/${id}/preview`);
    assert.match(
      (await owner.agent.get(String(sent.headers.location))).body,
      new RegExp(`A test is on its way to ${owner.user.email}`),
    );
    const mail = await smtp().nextMail(owner.user.email);
    assert.equal(mail.parsed.subject, '[Test] Hello Test Person');
    assert.match(mail.parsed.text ?? '', new RegExp(`Dear \\*\\*Test Person\\*\\*, this is ${owner.user.email}\\.`));
    assert.match(String(mail.parsed.html), /<strong>Test Person<\/strong>/);

    assert.equal((await other.agent.post(`/messages/${id}/test`)).statusCode, 404);
    const own = await createMessage(other.agent, { subject: 'Own one' });
    assert.equal((await other.agent.post(`/messages/${own}/test`)).statusCode, 303);
    await smtp().nextMail(other.user.email);
    const toOther = smtp().received.filter((m) => m.to.includes(other.user.email));
    assert.deepEqual(
      toOther.map((m) => m.parsed.subject),
      ['[Test] Own one'],
    );
  });
});

describe('messages: who sees and changes what', () => {
  test('another user gets 404 on every page and API route and changes nothing', async () => {
    const owner = await signedIn(t);
    const other = await signedIn(t);
    const id = await createMessage(owner.agent, { subject: 'Private plans' });
    const before = await stored(id);
    for (const path of ['', '/edit', '/delete', '/preview']) {
      assert.equal((await other.agent.get(`/messages/${id}${path}`)).statusCode, 404, path);
    }
    for (const path of ['/edit', '/delete', '/test']) {
      assert.equal((await other.agent.post(`/messages/${id}${path}`, { subject: 'x', body: 'x' })).statusCode, 404, path);
    }
    assert.equal((await other.agent.api('GET', `/api/v1/messages/${id}`)).statusCode, 404);
    assert.equal((await other.agent.api('GET', `/api/v1/messages/${id}/preview`)).statusCode, 404);
    assert.equal((await other.agent.api('PATCH', `/api/v1/messages/${id}`, { subject: 'Taken' })).statusCode, 404);
    assert.equal((await other.agent.api('DELETE', `/api/v1/messages/${id}`)).statusCode, 404);
    assert.doesNotMatch((await other.agent.get('/messages')).body, /Private plans/);
    assert.equal((await other.agent.api('GET', '/api/v1/messages')).json().total, 0);
    assert.deepEqual(await stored(id), before);
  });

  test('a manager reads everyone’s messages (with the owner) but may not change or test-send them: 403', async () => {
    const owner = await signedIn(t);
    const manager = await signedIn(t, { role: 'manager' });
    const subject = `Overseen ${uniqueEmail('s')}`;
    const id = await createMessage(owner.agent, { subject });
    const before = await stored(id);
    const list = await manager.agent.get(`/messages?q=${encodeURIComponent(subject)}`);
    assert.ok(list.body.includes(subject));
    assert.ok(list.body.includes(owner.user.email), 'lists show the owner');
    assert.equal((await manager.agent.get(`/messages/${id}`)).statusCode, 200);
    const preview = await manager.agent.get(`/messages/${id}/preview`);
    assert.equal(preview.statusCode, 200);
    assert.doesNotMatch(preview.body, /Send a test to me/);
    assert.equal((await manager.agent.get(`/messages/${id}/edit`)).statusCode, 403);
    assert.equal((await manager.agent.get(`/messages/${id}/delete`)).statusCode, 403);
    assert.equal((await manager.agent.post(`/messages/${id}/edit`, { subject: 'x', body: 'x' })).statusCode, 403);
    assert.equal((await manager.agent.post(`/messages/${id}/delete`)).statusCode, 403);
    assert.equal((await manager.agent.post(`/messages/${id}/test`)).statusCode, 403);
    assert.equal((await manager.agent.api('PATCH', `/api/v1/messages/${id}`, { subject: 'x' })).statusCode, 403);
    assert.equal((await manager.agent.api('DELETE', `/api/v1/messages/${id}`)).statusCode, 403);
    assert.deepEqual(await stored(id), before);
  });

  test('an admin may change another user’s message; it stays the owner’s', async () => {
    const owner = await signedIn(t);
    const admin = await signedIn(t, { role: 'admin' });
    const id = await createMessage(owner.agent);
    const saved = await admin.agent.post(`/messages/${id}/edit`, { subject: 'Fixed by admin', body: 'Fixed', format: 'text' });
    assert.equal(saved.statusCode, 303);
    const row = await stored(id);
    assert.equal(row?.subject, 'Fixed by admin');
    assert.equal(row?.ownerId, owner.user.id);
    assert.match((await owner.agent.get(`/messages/${id}`)).body, /Fixed by admin/);
    assert.equal((await admin.agent.post(`/messages/${id}/delete`)).statusCode, 303);
    assert.equal(await countOf(owner.user.id), 0);
  });

  test('a message used by mailings cannot be deleted: 409 naming how many', async () => {
    const { user, agent } = await signedIn(t);
    const id = await createMessage(agent);
    const mailing = { ownerId: user.id, messageId: id, timeZone: 'UTC', schedule: { kind: 'once' as const } };
    const window = { startsAt: new Date('2030-01-01T00:00:00Z'), endsAt: new Date('2030-02-01T00:00:00Z') };
    await t.c.db.insert(mailings).values([
      { ...mailing, ...window, name: 'First' },
      { ...mailing, ...window, name: 'Second' },
    ]);
    assert.match((await agent.get(`/messages/${id}/delete`)).body, /2 mailings use this message/);
    const page = await agent.post(`/messages/${id}/delete`);
    assert.equal(page.statusCode, 409);
    assert.match(page.body, /used by 2 mailings/);
    const api = await agent.api('DELETE', `/api/v1/messages/${id}`);
    assert.equal(api.statusCode, 409);
    assert.equal(api.json().code, 'CONFLICT');
    assert.match(api.json().title, /used by 2 mailings/);
    assert.ok(await stored(id));
  });
});

/** A signed-in user who chose Russian in their profile. */
async function signedInRussian() {
  const session = await signedIn(t);
  const saved = await session.agent.post('/profile/edit', { fullName: 'Тест', timeZone: 'UTC', language: 'ru' });
  assert.equal(saved.statusCode, 303);
  return session;
}

describe('messages in Russian', () => {
  test('the list is in Russian, its count in the right plural form (1 сообщение, 2 сообщения, 5 сообщений)', async () => {
    const { agent } = await signedInRussian();
    let made = 0;
    for (const [count, text] of [
      [1, '1 сообщение'],
      [2, '2 сообщения'],
      [5, '5 сообщений'],
    ] as const) {
      for (; made < count; made++) await createMessage(agent, { subject: `Тема ${made}` });
      assert.ok((await agent.get('/messages')).body.includes(`<p>${text}</p>`), text);
    }
    const page = (await agent.get('/messages')).body;
    for (const russian of ['Сообщения', 'Новое сообщение', 'Поиск по теме', 'Тема', 'Формат', 'Изменено', 'Создана']) {
      assert.ok(page.includes(russian), russian);
    }
    for (const english of ['New message', 'Search by subject', ' messages<', '>Format<', '>Changed']) {
      assert.ok(!page.includes(english), english);
    }
  });

  test('the form, its field errors, the flash and the message page are in Russian; the API still answers in English', async () => {
    const { agent } = await signedInRussian();
    const form = (await agent.get('/messages/new')).body;
    for (const russian of [
      'Новое сообщение',
      'Тема',
      'Формат',
      'Простой текст',
      'Текст',
      'Сохранить',
      'Подстановки в теме и тексте',
    ]) {
      assert.ok(form.includes(russian), russian);
    }
    assert.match(form, /<code>\{\{name\}\}<\/code> \(полное имя получателя\)/, 'the placeholders stay as they are, as code');
    assert.match(form, /<code>\[Отписаться\]\(\{\{unsubscribe_url\}\}\)<\/code>/);
    assert.ok(!form.includes('Plain text') && !form.includes('Placeholders'));

    const empty = await agent.post('/messages', { subject: 'Тема', body: '', format: 'markdown' });
    assert.equal(empty.statusCode, 422);
    assert.ok(empty.body.includes('Введите текст.'));
    const long = await agent.post('/messages', { subject: 'Тема', body: 'x'.repeat(100_001), format: 'markdown' });
    assert.match(long.body, /Текст должен быть не длиннее 100\s000 символов\./);
    const format = await agent.post('/messages', { subject: 'Тема', body: 'Текст', format: 'html' });
    assert.ok(format.body.includes('Выберите Markdown или простой текст.'));

    const created = await agent.post('/messages', { subject: 'Весенние новости', body: 'Привет, {{name}}', format: 'text' });
    assert.equal(created.statusCode, 303);
    const page = (await agent.get(String(created.headers.location))).body;
    assert.ok(page.includes('Сообщение сохранено.'), 'the flash');
    for (const russian of ['Простой текст', 'Создана', 'Изменено', 'Предпросмотр', 'Изменить', 'Удалить']) {
      assert.ok(page.includes(russian), russian);
    }
    assert.ok(page.includes('Привет, {{name}}'), 'what the user wrote is never translated');

    const api = await agent.api('POST', '/api/v1/messages', { subject: 'Api', body: '', format: 'markdown' });
    assert.equal(api.statusCode, 422);
    assert.equal(api.json().errors.body, 'Body is required.');
  });

  test('the preview, the test flash and a message in use are explained in Russian', async () => {
    const { user, agent } = await signedInRussian();
    const id = await createMessage(agent);
    const preview = (await agent.get(`/messages/${id}/preview`)).body;
    assert.ok(preview.includes(`Так письмо получит <strong>${user.email}</strong>; ссылка для отписки — пример.`));
    for (const russian of [
      'Предпросмотр: Hello {{name}}',
      'HTML-часть',
      'Текстовая часть',
      'title="Предпросмотр HTML"',
      'Отправить мне тестовое письмо',
    ]) {
      assert.ok(preview.includes(russian), russian);
    }
    assert.ok(!preview.includes('HTML part') && !preview.includes('Send a test to me'));
    const sent = await agent.post(`/messages/${id}/test`);
    assert.ok((await agent.get(String(sent.headers.location))).body.includes(`Тестовое письмо отправляется на ${user.email}.`));
    await smtp().nextMail(user.email);

    const mailing = { ownerId: user.id, messageId: id, timeZone: 'UTC', schedule: { kind: 'once' as const } };
    const window = { startsAt: new Date('2030-01-01T00:00:00Z'), endsAt: new Date('2030-02-01T00:00:00Z') };
    await t.c.db.insert(mailings).values({ ...mailing, ...window, name: 'Первая' });
    const one = (await agent.get(`/messages/${id}/delete`)).body;
    assert.ok(one.includes('Удаление сообщения'));
    assert.ok(one.includes('Это сообщение используется в 1 рассылке, поэтому его нельзя удалить'));
    await t.c.db.insert(mailings).values({ ...mailing, ...window, name: 'Вторая' });
    assert.ok((await agent.get(`/messages/${id}/delete`)).body.includes('Это сообщение используется в 2 рассылках'));
    const refused = await agent.post(`/messages/${id}/delete`);
    assert.equal(refused.statusCode, 409);
    assert.ok(refused.body.includes('Это сообщение используется в 2 рассылках; сначала удалите их'));
    const api = await agent.api('DELETE', `/api/v1/messages/${id}`);
    assert.match(api.json().title, /used by 2 mailings/);
  });
});

describe('messages API', () => {
  test('CRUD with problem documents for bad input and unknown ids', async () => {
    const { user, agent } = await signedIn(t);
    const created = await agent.api('POST', '/api/v1/messages', { subject: 'Api {{name}}', body: 'Body' });
    assert.equal(created.statusCode, 201);
    const message = created.json();
    assert.equal(message.format, 'markdown', 'Markdown by default');
    assert.equal(message.ownerEmail, user.email);
    assert.equal((await agent.api('GET', `/api/v1/messages/${message.id}`)).json().subject, 'Api {{name}}');
    const list = (await agent.api('GET', '/api/v1/messages?pageSize=10')).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].id, message.id);

    const patched = await agent.api('PATCH', `/api/v1/messages/${message.id}`, { subject: 'Renamed' });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().subject, 'Renamed');
    assert.equal(patched.json().body, 'Body', 'fields left out keep their value');

    const bad = await agent.api('POST', '/api/v1/messages', { subject: 'a\r\nb', body: '{{#x}}{{/x}}', format: 'html' });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(Object.keys(bad.json().errors).sort(), ['body', 'format', 'subject']);
    const badPatch = await agent.api('PATCH', `/api/v1/messages/${message.id}`, { body: 'Hi {{unknown}}' });
    assert.equal(badPatch.statusCode, 422);
    assert.match(badPatch.json().errors.body, /\{\{unknown\}\}/);
    const tooLong = await agent.api('POST', '/api/v1/messages', { subject: 'Long', body: 'x'.repeat(100_001) });
    assert.equal(tooLong.statusCode, 422);
    assert.ok(tooLong.json().errors.body);
    const tooLarge = await agent.api('POST', '/api/v1/messages', { subject: 'Large', body: 'x'.repeat(2_000_000) });
    assert.equal(tooLarge.statusCode, 413);
    for (const body of [[], 'text', null]) {
      const response = await agent.api('POST', '/api/v1/messages', body);
      assert.ok([400, 415, 422].includes(response.statusCode), JSON.stringify(body));
    }
    assert.equal(await countOf(user.id), 1);

    for (const unknown of ['999999', '0', 'abc', '1e3', '-5', '01']) {
      assert.equal((await agent.api('GET', `/api/v1/messages/${unknown}`)).statusCode, 404, unknown);
      assert.equal((await agent.api('GET', `/api/v1/messages/${unknown}/preview`)).statusCode, 404, unknown);
    }
    assert.equal((await agent.api('DELETE', `/api/v1/messages/${message.id}`)).statusCode, 204);
    assert.equal((await agent.api('GET', `/api/v1/messages/${message.id}`)).statusCode, 404);
  });
});
