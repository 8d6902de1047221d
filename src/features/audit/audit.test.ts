import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createUser, ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { users } from '../../db/schema.ts';
import { toActor } from '../auth/auth.service.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

test('a manager sees only their own actions, an admin sees all, a user gets 403', async () => {
  const first = await signedIn(t, { role: 'manager' });
  const second = await signedIn(t, { role: 'manager' });
  const admin = await signedIn(t, { role: 'admin' });
  const plain = await signedIn(t);
  const mine = await createUser(t.c);
  const theirs = await createUser(t.c);
  assert.equal((await first.agent.post(`/users/${mine.id}/block`, { reason: 'first manager' })).statusCode, 303);
  assert.equal((await first.agent.post(`/users/${mine.id}/unblock`)).statusCode, 303);
  assert.equal((await second.agent.post(`/users/${theirs.id}/block`, { reason: 'second manager' })).statusCode, 303);

  const own = await first.agent.get('/audit');
  assert.equal(own.statusCode, 200);
  assert.match(own.body, /Your own oversight actions/);
  assert.ok(own.body.includes(mine.email));
  assert.match(own.body, /first manager/);
  assert.doesNotMatch(own.body, /second manager/);
  assert.ok(!own.body.includes(theirs.email));
  const ownApi = (await first.agent.api('GET', '/api/v1/audit')).json();
  assert.equal(ownApi.total, 2);
  assert.deepEqual(
    ownApi.items.map((e: { action: string }) => e.action),
    ['user.unblocked', 'user.blocked'],
    'newest first',
  );

  const all = await admin.agent.get('/audit');
  assert.equal(all.statusCode, 200);
  for (const text of ['first manager', 'second manager', first.user.email, second.user.email])
    assert.ok(all.body.includes(text), text);
  assert.match(all.body, /When \(UTC\)/);
  assert.match(all.body, /href="\/audit"/, 'the navigation links to the audit log');

  const blocksOnly = await admin.agent.get('/audit?action=user.unblocked');
  assert.doesNotMatch(blocksOnly.body, /second manager/);
  assert.match(blocksOnly.body, /user\.unblocked/);
  const aboutTheirs = (await admin.agent.api('GET', `/api/v1/audit?targetType=user&targetId=${theirs.id}`)).json();
  assert.deepEqual(
    aboutTheirs.items.map((e: { reason: string }) => e.reason),
    ['second manager'],
  );

  assert.equal((await plain.agent.get('/audit')).statusCode, 403);
  assert.equal((await plain.agent.api('GET', '/api/v1/audit')).json().code, 'FORBIDDEN');
  await assert.rejects(t.c.audit.listEntries(toActor(plain.user, 'cli'), {}), { code: 'FORBIDDEN' });
});

test('pagination and odd query parameters', async () => {
  const admin = await signedIn(t, { role: 'admin' });
  for (let i = 0; i < 3; i++) await t.c.oversight.blockUser(toActor(admin.user, 'cli'), (await createUser(t.c)).id, `page ${i}`);
  const mine = (query: string) =>
    t.c.audit.listEntries(toActor(admin.user, 'cli'), Object.fromEntries(new URLSearchParams(query)));
  const page = await t.c.audit.listEntries(toActor(admin.user, 'cli'), { action: 'user.blocked', pageSize: '2', page: '2' });
  assert.equal(page.items.length, 2);
  assert.equal(page.page, 2);
  for (const query of ['page=-1', 'pageSize=0', 'action=', 'action=%00', 'targetId=%00', `targetId=${'9'.repeat(100)}`]) {
    assert.ok(Array.isArray((await mine(query)).items), query);
    assert.equal((await admin.agent.get(`/audit?${query}`)).statusCode, 200, query);
  }
  const paged = await admin.agent.get('/audit?pageSize=1&page=2');
  assert.match(paged.body, /Page 2 of \d+/);
});

test('in Russian: actions get Russian names, their codes stay in the filter and the API', async () => {
  const admin = await signedIn(t, { role: 'admin' });
  await t.c.db.update(users).set({ language: 'ru', timeZone: 'Europe/Moscow' }).where(eq(users.id, admin.user.id));
  const target = await createUser(t.c);
  await admin.agent.post(`/users/${target.id}/block`, { reason: 'для проверки' });
  const page = await admin.agent.get(`/audit?targetType=user&targetId=${target.id}`);
  assert.equal(page.statusCode, 200);
  for (const text of [
    '<h1>Журнал аудита</h1>',
    'Когда (Europe/Moscow)',
    'Объект: пользователь № ',
    '1 запись<',
    'Показать все',
  ]) {
    assert.ok(page.body.includes(text), text);
  }
  assert.match(page.body, /<span title="user\.blocked">Пользователь заблокирован<\/span>/);
  assert.match(page.body, /<option value="user\.blocked">Пользователь заблокирован<\/option>/);
  const [entry] = (await admin.agent.api('GET', `/api/v1/audit?targetType=user&targetId=${target.id}`)).json().items;
  assert.equal(entry.action, 'user.blocked');
  const moscow = new Intl.DateTimeFormat('ru', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Moscow' });
  assert.ok(page.body.includes(moscow.format(new Date(entry.createdAt))), 'the moment in Russian, Moscow time');
  for (const english of ['Audit log', 'When (UTC)', '1 entry', 'Show all']) assert.ok(!page.body.includes(english), english);
});
