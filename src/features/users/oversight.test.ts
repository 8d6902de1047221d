import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import { createUser, ensureAdmin, loginAgent, PASSWORD, signedIn } from '../../../test/support/accounts.ts';
import { Agent, bearer } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { auditLog, sessions } from '../../db/schema.ts';
import type { AppError } from '../../errors.ts';
import { toActor } from '../auth/auth.service.ts';
import { createUsersRepository } from './users.repository.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

const reload = async (id: number) => {
  const user = await createUsersRepository(t.c.db).findById(id);
  if (!user) throw new Error(`user ${id} is gone`);
  return user;
};
const auditOf = (targetId: number) =>
  t.c.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.targetId, String(targetId)))
    .orderBy(asc(auditLog.id));
const sessionCount = (userId: number) => t.c.db.$count(sessions, eq(sessions.userId, userId));
const apiToken = async (agent: Agent) => String((await agent.api('POST', '/api/v1/tokens', { name: 'script' })).json().token);

describe('blocking', () => {
  test('a manager blocks a user: session and API token stop at once, login is refused; unblocking restores login', async () => {
    const victim = await signedIn(t);
    const token = await apiToken(victim.agent);
    const api = bearer(t.app, token);
    assert.equal((await victim.agent.get('/profile')).statusCode, 200);
    assert.equal((await api('GET', '/api/v1/me')).statusCode, 200);

    const manager = await signedIn(t, { role: 'manager' });
    const blocked = await manager.agent.post(`/users/${victim.user.id}/block`, { reason: 'sends spam' });
    assert.equal(blocked.statusCode, 303);
    assert.equal(blocked.headers.location, `/users/${victim.user.id}`);
    const page = await manager.agent.get(`/users/${victim.user.id}`);
    assert.match(page.body, /is blocked and their sessions have ended/);
    assert.match(page.body, /Blocked/);
    assert.match(page.body, /sends spam/);

    const profile = await victim.agent.get('/profile');
    assert.equal(profile.statusCode, 303);
    assert.match(String(profile.headers.location), /^\/login/);
    assert.equal((await api('GET', '/api/v1/me')).statusCode, 401);
    assert.equal(await sessionCount(victim.user.id), 0, 'the sessions are gone for good');
    const login = await new Agent(t.app).post('/login', { email: victim.user.email, password: PASSWORD });
    assert.equal(login.statusCode, 403);
    assert.match(login.body, /blocked/);

    const [entry] = await auditOf(victim.user.id);
    assert.equal(entry?.action, 'user.blocked');
    assert.equal(entry?.actorId, manager.user.id);
    assert.equal(entry?.actorLabel, manager.user.email);
    assert.equal(entry?.reason, 'sends spam');

    const again = await manager.agent.post(`/users/${victim.user.id}/block`, { reason: 'twice' });
    assert.equal(again.statusCode, 303);
    assert.match((await manager.agent.get(`/users/${victim.user.id}`)).body, /was already blocked/);
    assert.equal((await auditOf(victim.user.id)).length, 1, 'blocking a blocked user changes nothing');
    assert.equal((await reload(victim.user.id)).blockedReason, 'sends spam');

    assert.equal((await manager.agent.post(`/users/${victim.user.id}/unblock`, { reason: 'apologised' })).statusCode, 303);
    assert.equal((await reload(victim.user.id)).blockedAt, null);
    const back = await loginAgent(t, victim.user.email);
    assert.equal((await back.get('/profile')).statusCode, 200);
    assert.equal((await api('GET', '/api/v1/me')).statusCode, 200, 'the API token works again');
    const entries = await auditOf(victim.user.id);
    assert.deepEqual(
      entries.map((e) => [e.action, e.reason]),
      [
        ['user.blocked', 'sends spam'],
        ['user.unblocked', 'apologised'],
      ],
    );
  });

  test('a manager cannot block themselves, another manager or an admin (403), and nothing changes', async () => {
    const manager = await signedIn(t, { role: 'manager' });
    const otherManager = await createUser(t.c, { role: 'manager' });
    const admin = await createUser(t.c, { role: 'admin' });
    for (const target of [manager.user, otherManager, admin]) {
      for (const action of ['block', 'unblock']) {
        const response = await manager.agent.post(`/users/${target.id}/${action}`, { reason: 'no' });
        assert.equal(response.statusCode, 403, `${action} ${target.role}`);
        const api = await manager.agent.api('POST', `/api/v1/users/${target.id}/${action}`, {});
        assert.equal(api.statusCode, 403);
        assert.equal(api.json().code, 'FORBIDDEN');
      }
      assert.equal((await reload(target.id)).blockedAt, null);
      assert.equal((await auditOf(target.id)).length, 0);
      const page = await manager.agent.get(`/users/${target.id}`);
      assert.equal(page.statusCode, 200, 'managers may look at anyone');
      assert.doesNotMatch(page.body, /\/block"/, 'no block form where blocking is refused');
    }
    assert.equal((await manager.agent.get('/profile')).statusCode, 200, 'the manager is still signed in');
  });

  test('an admin can block a manager and another admin, but not themselves', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const manager = await signedIn(t, { role: 'manager' });
    const otherAdmin = await createUser(t.c, { role: 'admin' });
    assert.match((await admin.agent.get(`/users/${manager.user.id}`)).body, /\/block"/);
    assert.equal((await admin.agent.post(`/users/${manager.user.id}/block`)).statusCode, 303);
    assert.ok((await reload(manager.user.id)).blockedAt);
    assert.equal((await manager.agent.get('/users')).statusCode, 303, 'the blocked manager is logged out');
    assert.equal((await auditOf(manager.user.id))[0]?.reason, null, 'an empty reason is allowed');
    assert.equal((await admin.agent.post(`/users/${otherAdmin.id}/block`, { reason: 'left' })).statusCode, 303);
    assert.equal((await admin.agent.post(`/users/${admin.user.id}/block`)).statusCode, 403);
    assert.equal((await reload(admin.user.id)).blockedAt, null);
    assert.doesNotMatch((await admin.agent.get(`/users/${admin.user.id}`)).body, /\/block"|\/role"|\/delete"/);
  });

  test('the service: FORBIDDEN, NOT_FOUND and the reason rules', async () => {
    const manager = toActor(await createUser(t.c, { role: 'manager' }), 'cli');
    const user = toActor(await createUser(t.c), 'cli');
    const target = await createUser(t.c);
    const code = (expected: string) => (error: AppError) => error.code === expected;
    await assert.rejects(t.c.oversight.listUsers(user, {}), code('FORBIDDEN'));
    await assert.rejects(t.c.oversight.blockUser(user, target.id), code('FORBIDDEN'));
    await assert.rejects(t.c.oversight.getUser(manager, '12abc'), code('NOT_FOUND'));
    await assert.rejects(t.c.oversight.blockUser(manager, 2 ** 31), code('NOT_FOUND'));
    await assert.rejects(t.c.oversight.deleteUser(manager, target.id), code('FORBIDDEN'));
    await assert.rejects(t.c.oversight.changeRole(manager, target.id, 'admin'), code('FORBIDDEN'));
    await assert.rejects(t.c.oversight.blockUser(manager, target.id, 'a\rb'), code('VALIDATION_FAILED'));
    await assert.rejects(t.c.oversight.blockUser(manager, target.id, 42), code('VALIDATION_FAILED'));
    assert.equal((await reload(target.id)).blockedAt, null);
    const { changed, user: blocked } = await t.c.oversight.blockUser(manager, target.id, '   ');
    assert.equal(changed, true);
    assert.equal(blocked.blockedReason, null, 'blank means no reason');
  });
});

describe('who may reach oversight', () => {
  test('a plain user gets 403 on /users, /audit and every action, pages and API', async () => {
    const { agent } = await signedIn(t);
    const target = await createUser(t.c);
    for (const path of ['/users', `/users/${target.id}`, `/users/${target.id}/delete`, '/audit']) {
      assert.equal((await agent.get(path)).statusCode, 403, path);
    }
    for (const action of ['block', 'unblock', 'role', 'delete']) {
      assert.equal((await agent.post(`/users/${target.id}/${action}`, { role: 'admin' })).statusCode, 403, action);
    }
    for (const [method, path] of [
      ['GET', '/api/v1/users'],
      ['GET', `/api/v1/users/${target.id}`],
      ['POST', `/api/v1/users/${target.id}/block`],
      ['POST', `/api/v1/users/${target.id}/role`],
      ['DELETE', `/api/v1/users/${target.id}`],
      ['GET', '/api/v1/audit'],
    ] as const) {
      const response = await agent.api(method, path, method === 'POST' ? { role: 'admin' } : undefined);
      assert.equal(response.statusCode, 403, `${method} ${path}`);
      assert.equal(response.json().code, 'FORBIDDEN');
    }
    assert.doesNotMatch((await agent.get('/profile')).body, /href="\/users"|href="\/audit"/, 'no links either');
    assert.equal((await reload(target.id)).role, 'user');
    assert.equal((await auditOf(target.id)).length, 0);
  });

  test('unknown and non-numeric ids answer 404', async () => {
    const manager = await signedIn(t, { role: 'manager' });
    const admin = await signedIn(t, { role: 'admin' });
    for (const id of ['999999', '0', 'abc', '1e3', '-5', '007', '99999999999']) {
      assert.equal((await manager.agent.get(`/users/${id}`)).statusCode, 404, id);
      assert.equal((await manager.agent.post(`/users/${id}/block`)).statusCode, 404, id);
      assert.equal((await admin.agent.get(`/users/${id}/delete`)).statusCode, 404, id);
      assert.equal((await admin.agent.post(`/users/${id}/role`, { role: 'manager' })).statusCode, 404, id);
      const api = await admin.agent.api('DELETE', `/api/v1/users/${id}`);
      assert.equal(api.statusCode, 404, id);
      assert.equal(api.json().code, 'NOT_FOUND');
    }
  });

  test('without the CSRF token every action is refused (403) and nothing is written', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const target = await createUser(t.c);
    for (const action of ['block', 'unblock', 'role', 'delete']) {
      const response = await admin.agent.post(`/users/${target.id}/${action}`, { role: 'manager' }, { csrf: false });
      assert.equal(response.statusCode, 403, action);
    }
    const after = await reload(target.id);
    assert.deepEqual([after.role, after.blockedAt], ['user', null]);
    assert.equal((await auditOf(target.id)).length, 0);
  });
});

describe('hostile reasons', () => {
  test('line breaks and overlong reasons are refused next to the field; markup is stored and shown escaped', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const target = await createUser(t.c, { fullName: '<b>Bold</b> Person' });
    for (const reason of ['first\r\nsecond', 'a\nb', 'x'.repeat(10_000), 'nul\u0000']) {
      const response = await admin.agent.post(`/users/${target.id}/block`, { reason });
      assert.equal(response.statusCode, 422);
      assert.match(response.body, /id="field-reason-error"/);
      const api = await admin.agent.api('POST', `/api/v1/users/${target.id}/block`, { reason });
      assert.equal(api.statusCode, 422);
      assert.equal(api.json().code, 'VALIDATION_FAILED');
      assert.ok(api.json().errors.reason);
    }
    assert.equal((await reload(target.id)).blockedAt, null);
    assert.equal((await auditOf(target.id)).length, 0);

    const script = '<script>alert(1)</script>';
    assert.equal((await admin.agent.post(`/users/${target.id}/block`, { reason: script })).statusCode, 303);
    for (const path of [`/users/${target.id}`, `/audit?targetType=user&targetId=${target.id}`, '/users?state=blocked']) {
      const body = (await admin.agent.get(path)).body;
      assert.doesNotMatch(body, /<script>alert|<b>Bold/, path);
    }
    assert.match((await admin.agent.get(`/users/${target.id}`)).body, /— &lt;script>alert\(1\)&lt;\/script>/);
    assert.equal((await auditOf(target.id))[0]?.reason, script);
  });
});
