import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { ensureAdmin, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { recipients, suppressions } from '../../db/schema.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

const idFromLocation = (location: unknown) => Number(/\/recipients\/(\d+)/.exec(String(location))?.[1]);
const countOf = (ownerId: number) => t.c.db.$count(recipients, eq(recipients.ownerId, ownerId));

describe('recipients pages', () => {
  test('create, show, edit and delete (with confirmation) own recipients', async () => {
    const { agent } = await signedIn(t);
    const email = uniqueEmail('r');
    const created = await agent.post('/recipients', {
      email: `  ${email.toUpperCase()} `,
      fullName: 'Ada',
      comment: 'met at a fair',
    });
    assert.equal(created.statusCode, 303);
    const id = idFromLocation(created.headers.location);
    const page = await agent.get(`/recipients/${id}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(email), 'stored normalised');
    assert.match(page.body, /met at a fair/);

    assert.equal((await agent.get(`/recipients/${id}/edit`)).statusCode, 200);
    assert.equal((await agent.post(`/recipients/${id}/edit`, { email, fullName: 'Ada L.', comment: '' })).statusCode, 303);
    assert.match((await agent.get(`/recipients/${id}`)).body, /Ada L\./);

    const confirm = await agent.get(`/recipients/${id}/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /cannot be undone/);
    assert.equal((await agent.post(`/recipients/${id}/delete`)).statusCode, 303);
    assert.equal((await agent.get(`/recipients/${id}`)).statusCode, 404);
  });

  test('an address is unique per owner, but two owners may hold the same one', async () => {
    const alice = await signedIn(t);
    const bob = await signedIn(t);
    const email = uniqueEmail('shared');
    assert.equal((await alice.agent.post('/recipients', { email })).statusCode, 303);
    const again = await alice.agent.post('/recipients', { email: email.toUpperCase() });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /already have a recipient with this e-mail/);
    assert.equal((await bob.agent.post('/recipients', { email })).statusCode, 303);
    assert.equal(await countOf(alice.user.id), 1);
  });

  test('bad input is shown next to the field, keeps what was typed, and writes nothing', async () => {
    const { user, agent } = await signedIn(t);
    const cases: [Record<string, string>, string][] = [
      [{ email: '' }, 'email'],
      [{ email: 'not-an-address' }, 'email'],
      [{ email: 'x@example.com\r\nBcc: y@example.com' }, 'email'],
      [{ email: uniqueEmail(), fullName: 'A\nB' }, 'fullName'],
      [{ email: uniqueEmail(), fullName: 'x'.repeat(201) }, 'fullName'],
      [{ email: uniqueEmail(), comment: 'x'.repeat(2001) }, 'comment'],
      [{ email: uniqueEmail(), comment: 'bell\u0007' }, 'comment'],
    ];
    for (const [form, field] of cases) {
      const response = await agent.post('/recipients', form);
      assert.equal(response.statusCode, 422, JSON.stringify(form));
      assert.match(response.body, new RegExp(`id="field-${field}-error"`), JSON.stringify(form));
    }
    assert.equal(await countOf(user.id), 0);
    assert.equal((await agent.post('/recipients', { email: uniqueEmail() }, { csrf: false })).statusCode, 403);
    assert.equal(await countOf(user.id), 0);
  });

  test('search, sort and pagination', async () => {
    const { agent } = await signedIn(t);
    const people: [string, string][] = [
      ['anna', 'Anna Zed'],
      ['boris', 'Boris Young'],
      ['carl', 'Carl Xu'],
    ];
    for (const [local, name] of people) {
      await agent.post('/recipients', { email: `${local}-${Date.now()}@search.example.com`, fullName: name });
    }
    const found = await agent.get('/recipients?q=boris');
    assert.match(found.body, /Boris Young/);
    assert.doesNotMatch(found.body, /Anna Zed/);
    assert.match((await agent.get('/recipients?q=XU')).body, /Carl Xu/, 'search ignores case and looks at names');
    assert.match((await agent.get('/recipients?q=%25')).body, /0 recipients/, 'LIKE wildcards are taken literally');

    const byName = await agent.get('/recipients?sort=fullName&direction=desc');
    assert.ok(byName.body.indexOf('Carl Xu') < byName.body.indexOf('Anna Zed'));
    const paged = await agent.get('/recipients?sort=email&direction=asc&pageSize=2&page=2');
    assert.match(paged.body, /Carl Xu/);
    assert.doesNotMatch(paged.body, /Anna Zed/);
    assert.match(paged.body, /Page 2 of 2/);
    for (const query of [
      'page=-1',
      'page=abc',
      'pageSize=100000',
      'sort=password_hash',
      'direction=sideways',
      'q=%00',
      `q=${'x'.repeat(5000)}`,
    ]) {
      assert.equal((await agent.get(`/recipients?${query}`)).statusCode, 200, query);
    }
  });

  test('a suppressed recipient is shown as such', async () => {
    const { user, agent } = await signedIn(t);
    const email = uniqueEmail('gone');
    const id = idFromLocation((await agent.post('/recipients', { email })).headers.location);
    await t.c.db.insert(suppressions).values({ ownerId: user.id, email, reason: 'unsubscribed' });
    assert.match((await agent.get(`/recipients/${id}`)).body, /Unsubscribed/);
    assert.match((await agent.get('/recipients')).body, /Unsubscribed/);
  });
});

describe('recipients: who sees and changes what', () => {
  test('another user gets 404 for everything and changes nothing', async () => {
    const owner = await signedIn(t);
    const other = await signedIn(t);
    const email = uniqueEmail('private');
    const id = idFromLocation((await owner.agent.post('/recipients', { email })).headers.location);
    for (const path of [`/recipients/${id}`, `/recipients/${id}/edit`, `/recipients/${id}/delete`]) {
      assert.equal((await other.agent.get(path)).statusCode, 404, path);
    }
    assert.equal((await other.agent.post(`/recipients/${id}/edit`, { email: uniqueEmail() })).statusCode, 404);
    assert.equal((await other.agent.post(`/recipients/${id}/delete`)).statusCode, 404);
    assert.equal((await other.agent.api('PATCH', `/api/v1/recipients/${id}`, { email: uniqueEmail() })).statusCode, 404);
    assert.equal((await other.agent.api('DELETE', `/api/v1/recipients/${id}`)).statusCode, 404);
    assert.doesNotMatch((await other.agent.get('/recipients')).body, new RegExp(email));
    assert.match((await owner.agent.get(`/recipients/${id}`)).body, new RegExp(email));
  });

  test('a manager reads everyone’s recipients (with the owner) but may not change them: 403', async () => {
    const owner = await signedIn(t);
    const manager = await signedIn(t, { role: 'manager' });
    const email = uniqueEmail('overseen');
    const id = idFromLocation((await owner.agent.post('/recipients', { email })).headers.location);
    const list = await manager.agent.get(`/recipients?q=${encodeURIComponent(email)}`);
    assert.match(list.body, new RegExp(email));
    assert.ok(list.body.includes(owner.user.email), 'lists show the owner');
    assert.equal((await manager.agent.get(`/recipients/${id}`)).statusCode, 200);
    assert.equal((await manager.agent.get(`/recipients/${id}/edit`)).statusCode, 403);
    assert.equal((await manager.agent.post(`/recipients/${id}/edit`, { email: uniqueEmail() })).statusCode, 403);
    assert.equal((await manager.agent.post(`/recipients/${id}/delete`)).statusCode, 403);
    assert.equal((await manager.agent.api('DELETE', `/api/v1/recipients/${id}`)).statusCode, 403);
    assert.match((await owner.agent.get(`/recipients/${id}`)).body, new RegExp(email));
  });

  test('an admin may change another user’s recipient; it stays the owner’s', async () => {
    const owner = await signedIn(t);
    const admin = await signedIn(t, { role: 'admin' });
    const id = idFromLocation((await owner.agent.post('/recipients', { email: uniqueEmail() })).headers.location);
    const renamed = uniqueEmail('renamed');
    assert.equal((await admin.agent.post(`/recipients/${id}/edit`, { email: renamed, fullName: 'Fixed' })).statusCode, 303);
    assert.match((await owner.agent.get(`/recipients/${id}`)).body, new RegExp(renamed));
    assert.equal((await admin.agent.post(`/recipients/${id}/delete`)).statusCode, 303);
    assert.equal(await countOf(owner.user.id), 0);
  });
});

/** A signed-in user who chose Russian in their profile. */
async function signedInRussian() {
  const session = await signedIn(t);
  const saved = await session.agent.post('/profile/edit', { fullName: 'Тест', timeZone: 'UTC', language: 'ru' });
  assert.equal(saved.statusCode, 303);
  return session;
}

describe('recipients in Russian', () => {
  test('the list is in Russian, its count in the right plural form (1 получатель, 2 получателя, 5 получателей)', async () => {
    const { agent } = await signedInRussian();
    const counts: [number, string][] = [
      [0, '0 получателей'],
      [1, '1 получатель'],
      [2, '2 получателя'],
      [5, '5 получателей'],
    ];
    let added = 0;
    for (const [count, text] of counts) {
      for (; added < count; added++)
        assert.equal((await agent.post('/recipients', { email: uniqueEmail('ru') })).statusCode, 303);
      const page = await agent.get('/recipients');
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(`<p>${text}</p>`), `${count}: ${text}`);
    }
    const page = (await agent.get('/recipients')).body;
    for (const russian of [
      'Получатели',
      'Новый получатель',
      'Импорт из CSV',
      'Экспорт в CSV',
      'Поиск по адресу или имени',
      'Эл. почта',
    ]) {
      assert.ok(page.includes(russian), russian);
    }
    for (const english of ['New recipient', 'Import CSV', 'Search by e-mail or name', ' recipients<', '>Added', '>Comment<']) {
      assert.ok(!page.includes(english), english);
    }
  });

  test('the form, its field errors and the flash after saving are in Russian; the API still answers in English', async () => {
    const { agent } = await signedInRussian();
    const form = (await agent.get('/recipients/new')).body;
    for (const russian of ['Новый получатель', 'Полное имя', 'Комментарий', 'Сохранить'])
      assert.ok(form.includes(russian), russian);
    assert.ok(!form.includes('Full name') && !form.includes('>Save<'));

    const email = uniqueEmail('ru-form');
    const created = await agent.post('/recipients', { email, fullName: 'Ада' });
    assert.equal(created.statusCode, 303);
    const shown = (await agent.get(String(created.headers.location))).body;
    assert.ok(shown.includes(`Получатель ${email} добавлен.`), 'the flash');
    assert.ok(shown.includes('Добавлен') && shown.includes('Изменить') && shown.includes('Удалить'));

    const duplicate = await agent.post('/recipients', { email });
    assert.equal(duplicate.statusCode, 422);
    assert.ok(duplicate.body.includes('У вас уже есть получатель с этим адресом.'));
    assert.ok(!duplicate.body.includes('already have a recipient'));
    const tooLong = await agent.post('/recipients', { email: uniqueEmail(), fullName: 'x'.repeat(201) });
    assert.ok(tooLong.body.includes('Полное имя должно быть не длиннее 200 символов.'));

    const id = idFromLocation(created.headers.location);
    const saved = await agent.post(`/recipients/${id}/edit`, { email, fullName: 'Ада Л.' });
    assert.ok((await agent.get(String(saved.headers.location))).body.includes('Получатель сохранён.'));
    assert.ok((await agent.get(`/recipients/${id}/delete`)).body.includes('Удаление получателя'));
    const deleted = await agent.post(`/recipients/${id}/delete`);
    assert.ok((await agent.get(String(deleted.headers.location))).body.includes('Получатель удалён.'));

    const api = await agent.api('POST', '/api/v1/recipients', { email: uniqueEmail(), fullName: 'x'.repeat(201) });
    assert.equal(api.statusCode, 422);
    assert.equal(api.json().errors.fullName, 'Full name must be at most 200 characters.');
  });

  test('a suppressed recipient is marked in Russian', async () => {
    const { user, agent } = await signedInRussian();
    const email = uniqueEmail('ru-gone');
    const id = idFromLocation((await agent.post('/recipients', { email })).headers.location);
    await t.c.db.insert(suppressions).values({ ownerId: user.id, email, reason: 'unsubscribed' });
    const page = (await agent.get(`/recipients/${id}`)).body;
    assert.ok(page.includes('Отписан') && page.includes('Запуски пропускают этот адрес'));
    assert.ok(!page.includes('Unsubscribed'));
  });
});

describe('recipients API', () => {
  test('CRUD with problem documents for bad input and unknown ids', async () => {
    const { agent } = await signedIn(t);
    const email = uniqueEmail('api');
    const created = await agent.api('POST', '/api/v1/recipients', { email, fullName: 'Api Person' });
    assert.equal(created.statusCode, 201);
    const { id } = created.json();
    assert.equal((await agent.api('GET', `/api/v1/recipients/${id}`)).json().email, email);
    const list = (await agent.api('GET', '/api/v1/recipients?pageSize=10')).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].id, id);
    const patched = await agent.api('PATCH', `/api/v1/recipients/${id}`, { email, fullName: 'Renamed' });
    assert.equal(patched.json().fullName, 'Renamed');

    const bad = await agent.api('POST', '/api/v1/recipients', { email: 'nope' });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.ok(bad.json().errors.email);
    for (const unknown of ['999999', '0', 'abc', '1e3', '-5', '2147483648', '99999999999']) {
      assert.equal((await agent.api('GET', `/api/v1/recipients/${unknown}`)).statusCode, 404, unknown);
    }
    assert.equal((await agent.api('DELETE', `/api/v1/recipients/${id}`)).statusCode, 204);
    assert.equal((await agent.api('GET', `/api/v1/recipients/${id}`)).statusCode, 404);
  });
});
