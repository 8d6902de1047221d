import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createUser, ensureAdmin, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import { bearer } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { auditLog, recipients, users } from '../../db/schema.ts';
import { hashPassword } from '../../lib/secrets.ts';
import { createUsersRepository } from './users.repository.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

const findUser = (id: number) => createUsersRepository(t.c.db).findById(id);
const auditOf = (targetId: number) =>
  t.c.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.targetId, String(targetId)));

describe('users list', () => {
  test('search by e-mail or name, filter by state and role, sort and paginate', async () => {
    const { agent } = await signedIn(t, { role: 'manager' });
    const marker = `zq${randomBytes(4).toString('hex')}`;
    const active = await createUser(t.c, { fullName: `${marker} Active` });
    const blocked = await createUser(t.c, { fullName: `${marker} Blocked` });
    const manager = await createUser(t.c, { role: 'manager', fullName: `${marker} Manager` });
    const unconfirmed = await createUsersRepository(t.c.db).insert({
      email: `${marker}@example.com`,
      fullName: `${marker} Unconfirmed`,
      passwordHash: await hashPassword('irrelevant-password-1'),
    });
    assert.ok(unconfirmed);
    await t.c.db.update(users).set({ blockedAt: new Date() }).where(eq(users.id, blocked.id));

    const all = await agent.get(`/users?q=${marker.toUpperCase()}`);
    assert.equal(all.statusCode, 200);
    assert.match(all.body, /4 users/);
    for (const text of [active.email, 'Blocked', 'Unconfirmed', 'Active', 'Manager']) assert.ok(all.body.includes(text), text);
    const only = async (query: string) => (await agent.get(`/users?q=${marker}&${query}`)).body;
    assert.match(await only('state=blocked'), new RegExp(`1 user<.*${blocked.email}`, 's'));
    assert.match(await only('state=unconfirmed'), new RegExp(`1 user<.*${marker}@example.com`, 's'));
    assert.match(await only('state=active'), /2 users/);
    assert.match(await only('role=manager'), new RegExp(`1 user<.*${manager.email}`, 's'));
    assert.match((await agent.get('/users?q=%25%25')).body, /0 users/, 'LIKE wildcards are taken literally');

    const byName = await only('sort=fullName&direction=desc');
    assert.ok(byName.indexOf(`${marker} Manager`) < byName.indexOf(`${marker} Active`));
    const paged = await only('sort=fullName&direction=asc&pageSize=3&page=2');
    assert.match(paged, /Page 2 of 2/);
    assert.match(paged, new RegExp(`${marker} Unconfirmed`));
    assert.doesNotMatch(paged, new RegExp(`${marker} Active`));
    for (const query of ['page=-1', 'page=abc', 'pageSize=100000', 'sort=password_hash', 'state=deleted', 'role=root', 'q=%00']) {
      assert.equal((await agent.get(`/users?${query}`)).statusCode, 200, query);
    }
    assert.doesNotMatch(all.body, /\$argon2|\$scrypt|passwordHash/, 'no password hashes anywhere');
  });
});

describe('in Russian', () => {
  test('the users table for a manager whose profile language is ru, with counts in the right form', async () => {
    const { user, agent } = await signedIn(t, { role: 'manager' });
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    const marker = `ru${randomBytes(4).toString('hex')}`;
    const listed = async () => (await agent.get(`/users?q=${marker}`)).body;
    await createUser(t.c, { fullName: `${marker} Один` });
    assert.match(await listed(), /1 пользователь</);
    await createUser(t.c, { fullName: `${marker} Два`, role: 'manager' });
    assert.match(await listed(), /2 пользователя</);
    for (let i = 0; i < 3; i++) await createUser(t.c, { fullName: `${marker} ${i}` });
    const page = await listed();
    assert.match(page, /5 пользователей</);
    assert.match(page, /<html lang="ru"/);
    for (const text of [
      '<h1>Пользователи</h1>',
      'Поиск по адресу или имени',
      'Любое состояние',
      'Состояние',
      'Дата регистрации',
    ]) {
      assert.ok(page.includes(text), text);
    }
    assert.match(page, /<td>Менеджер<\/td>/, 'roles are named in Russian');
    assert.match(page, /<span>Активен<\/span>/);
    assert.match(page, /<option value="manager">Менеджер<\/option>/, 'the filter keeps the role codes as values');
    for (const english of ['users<', 'Any state', 'Joined', '>Manager<', '>Active<']) assert.ok(!page.includes(english), english);
  });

  test('a flash and a field error in Russian; the API stays English', async () => {
    const { user, agent } = await signedIn(t, { role: 'admin' });
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    const target = await createUser(t.c);
    const refused = await agent.post(`/users/${target.id}/role`, { role: 'emperor' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Роль должна быть одной из: user, manager, admin\./);
    assert.doesNotMatch(refused.body, /Role must be one of/);
    await agent.post(`/users/${target.id}/block`, { reason: 'спам' });
    const blocked = await agent.get(`/users/${target.id}`);
    assert.ok(blocked.body.includes(`${target.email} заблокирован, его сеансы завершены.`));
    assert.match(blocked.body, /<mark class="badge">Заблокирован<\/mark> с \d+ \S+ \d{4} г\., \d{2}:\d{2} — спам/);
    await agent.post(`/users/${target.id}/role`, { role: 'manager' });
    assert.ok((await agent.get(`/users/${target.id}`)).body.includes(`${target.email} теперь менеджер.`));

    const api = await agent.api('POST', `/api/v1/users/${target.id}/role`, { role: 'emperor' });
    assert.equal(api.statusCode, 422);
    assert.match(api.body, /Role must be one of: user, manager, admin\./);
  });
});

describe('role changes (admin only)', () => {
  test('an admin changes a role through the page, with a reason in the audit log', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const target = await signedIn(t);
    const response = await admin.agent.post(`/users/${target.user.id}/role`, { role: 'manager', reason: 'team lead' });
    assert.equal(response.statusCode, 303);
    assert.match((await admin.agent.get(`/users/${target.user.id}`)).body, /is now a manager/);
    assert.equal((await findUser(target.user.id))?.role, 'manager');
    assert.equal((await target.agent.get('/users')).statusCode, 200, 'the new role applies to the open session');
    const [entry] = await auditOf(target.user.id);
    assert.deepEqual([entry?.action, entry?.actorId, entry?.reason], ['user.role_changed', admin.user.id, 'team lead']);

    const bad = await admin.agent.post(`/users/${target.user.id}/role`, { role: 'owner' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="field-role-error"/);
    const badReason = await admin.agent.post(`/users/${target.user.id}/role`, { role: 'user', reason: 'x\ny' });
    assert.equal(badReason.statusCode, 422);
    assert.match(badReason.body, /id="field-role-reason-error"/);
    assert.equal((await findUser(target.user.id))?.role, 'manager');
  });

  test('managers cannot change roles; an admin cannot change their own; the only admin cannot be demoted (409)', async () => {
    const manager = await signedIn(t, { role: 'manager' });
    const admin = await signedIn(t, { role: 'admin' });
    const target = await createUser(t.c);
    assert.equal((await manager.agent.post(`/users/${target.id}/role`, { role: 'manager' })).statusCode, 403);
    assert.equal((await manager.agent.post(`/users/${manager.user.id}/role`, { role: 'admin' })).statusCode, 403);
    assert.doesNotMatch((await manager.agent.get(`/users/${target.id}`)).body, /\/role"/);
    assert.equal((await admin.agent.post(`/users/${admin.user.id}/role`, { role: 'user' })).statusCode, 403);
    assert.deepEqual([(await findUser(target.id))?.role, (await findUser(manager.user.id))?.role], ['user', 'manager']);
    // With one admin, only the CLI (acting as the operator) could try to demote them: refused.
    const solo = await createTestApp({ devMailbox: true });
    try {
      const only = await createUser(solo.c, { role: 'admin' });
      await assert.rejects(solo.c.users.changeRole(null, only.email, 'user'), { code: 'CONFLICT' });
    } finally {
      await solo.close();
    }
  });
});

describe('deleting users (admin only)', () => {
  test('an admin deletes a user after confirming; their sessions and recipients go with them; the audit entry stays', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const manager = await signedIn(t, { role: 'manager' });
    const victim = await signedIn(t);
    assert.equal((await victim.agent.post('/recipients', { email: uniqueEmail('r') })).statusCode, 303);
    await manager.agent.post(`/users/${(await createUser(t.c)).id}/block`, { reason: 'by the manager' });

    assert.equal((await manager.agent.get(`/users/${victim.user.id}/delete`)).statusCode, 403);
    assert.equal((await manager.agent.post(`/users/${victim.user.id}/delete`)).statusCode, 403);
    assert.equal((await admin.agent.get(`/users/${admin.user.id}/delete`)).statusCode, 403);
    assert.equal((await admin.agent.post(`/users/${admin.user.id}/delete`)).statusCode, 403);
    assert.ok(await findUser(victim.user.id));

    const confirm = await admin.agent.get(`/users/${victim.user.id}/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /cannot be undone/);
    const tooLong = await admin.agent.post(`/users/${victim.user.id}/delete`, { reason: 'x'.repeat(501) });
    assert.equal(tooLong.statusCode, 422);
    assert.ok(await findUser(victim.user.id));
    const deleted = await admin.agent.post(`/users/${victim.user.id}/delete`, { reason: 'asked to leave' });
    assert.equal(deleted.statusCode, 303);
    assert.equal(deleted.headers.location, '/users');
    assert.equal(await findUser(victim.user.id), null);
    assert.equal(await t.c.db.$count(recipients, eq(recipients.ownerId, victim.user.id)), 0);
    assert.equal((await victim.agent.get('/profile')).statusCode, 303, 'their session is gone');
    assert.equal((await admin.agent.get(`/users/${victim.user.id}`)).statusCode, 404);

    const [entry] = await auditOf(victim.user.id);
    assert.deepEqual([entry?.action, entry?.actorId, entry?.reason], ['user.deleted', admin.user.id, 'asked to leave']);
    assert.equal(entry?.details?.email, victim.user.email);
    const log = await admin.agent.get(`/audit?targetType=user&targetId=${victim.user.id}`);
    assert.ok(log.body.includes(`${victim.user.email} (user #${victim.user.id}, deleted)`));

    // A deleted actor's entries keep their e-mail.
    assert.equal((await admin.agent.post(`/users/${manager.user.id}/delete`)).statusCode, 303);
    const [byManager] = await t.c.db.select().from(auditLog).where(eq(auditLog.reason, 'by the manager'));
    assert.deepEqual([byManager?.actorId, byManager?.actorLabel], [null, manager.user.email]);
  });
});

describe('oversight API', () => {
  test('list, show, block, unblock, role and delete with stable problem codes', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const manager = await signedIn(t, { role: 'manager' });
    const token = (await manager.agent.api('POST', '/api/v1/tokens', { name: 'ops' })).json().token;
    const asManager = bearer(t.app, token);
    const target = await createUser(t.c, { fullName: 'Api Target' });

    const list = await asManager('GET', `/api/v1/users?q=${encodeURIComponent(target.email)}`);
    assert.equal(list.statusCode, 200);
    assert.equal(list.json().total, 1);
    assert.deepEqual([list.json().items[0].email, list.json().items[0].state], [target.email, 'active']);
    assert.equal(list.json().items[0].passwordHash, undefined);
    assert.equal((await asManager('GET', `/api/v1/users/${target.id}`)).json().fullName, 'Api Target');

    const blocked = await asManager('POST', `/api/v1/users/${target.id}/block`, { reason: 'api' });
    assert.equal(blocked.statusCode, 200);
    assert.deepEqual([blocked.json().state, blocked.json().blockedReason, blocked.json().changed], ['blocked', 'api', true]);
    assert.equal((await asManager('POST', `/api/v1/users/${target.id}/block`)).json().changed, false);
    const unblocked = await asManager('POST', `/api/v1/users/${target.id}/unblock`, {});
    assert.deepEqual([unblocked.json().state, unblocked.json().changed], ['active', true]);

    const refused = await asManager('POST', `/api/v1/users/${admin.user.id}/block`, {});
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(refused.json().code, 'FORBIDDEN');
    assert.equal((await asManager('POST', `/api/v1/users/${target.id}/role`, { role: 'admin' })).json().code, 'FORBIDDEN');
    assert.equal((await asManager('DELETE', `/api/v1/users/${target.id}`)).json().code, 'FORBIDDEN');
    assert.equal((await asManager('GET', '/api/v1/users/424242424')).json().code, 'NOT_FOUND');

    const role = await admin.agent.api('POST', `/api/v1/users/${target.id}/role`, { role: 'manager', reason: 'api' });
    assert.equal(role.statusCode, 200);
    assert.equal(role.json().role, 'manager');
    const badRole = await admin.agent.api('POST', `/api/v1/users/${target.id}/role`, { role: 'emperor' });
    assert.deepEqual(
      [badRole.statusCode, badRole.json().code, Boolean(badRole.json().errors.role)],
      [422, 'VALIDATION_FAILED', true],
    );
    const self = await admin.agent.api('POST', `/api/v1/users/${admin.user.id}/role`, { role: 'user' });
    assert.deepEqual([self.statusCode, self.json().code], [403, 'FORBIDDEN']);
    assert.equal((await admin.agent.api('DELETE', `/api/v1/users/${target.id}`)).statusCode, 204);
    assert.equal((await admin.agent.api('GET', `/api/v1/users/${target.id}`)).json().code, 'NOT_FOUND');

    const log = await asManager('GET', '/api/v1/audit?pageSize=200');
    assert.equal(log.statusCode, 200);
    assert.ok(log.json().items.length >= 2);
    assert.ok(log.json().items.every((e: { actorId: number }) => e.actorId === manager.user.id));
  });
});
