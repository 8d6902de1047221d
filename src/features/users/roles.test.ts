import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createUser } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { auditLog } from '../../db/schema.ts';
import type { AppError } from '../../errors.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
});
after(() => t.close());

test('changing a role is audit-logged with the old and new role', async () => {
  const user = await createUser(t.c);
  const updated = await t.c.users.changeRole(null, user.email, 'manager', 'runs the team');
  assert.equal(updated.role, 'manager');
  const [entry] = await t.c.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.targetId, String(user.id)));
  assert.equal(entry?.action, 'user.role_changed');
  assert.equal(entry?.reason, 'runs the team');
  assert.deepEqual(entry?.details, { from: 'user', to: 'manager', email: user.email });
});

test('the only admin cannot be demoted; with a second admin it can', async () => {
  const first = await createUser(t.c, { role: 'admin' });
  await assert.rejects(t.c.users.changeRole(null, first.email, 'user'), (error: AppError) => error.code === 'CONFLICT');
  await createUser(t.c, { role: 'admin' });
  assert.equal((await t.c.users.changeRole(null, first.email, 'user')).role, 'user');
});

test('unknown users, bad roles and non-admin actors are refused', async () => {
  await assert.rejects(t.c.users.changeRole(null, 'nobody@example.com', 'admin'), (e: AppError) => e.code === 'NOT_FOUND');
  const user = await createUser(t.c);
  await assert.rejects(t.c.users.changeRole(null, user.email, 'owner'), (e: AppError) => e.code === 'VALIDATION_FAILED');
  const manager = await createUser(t.c, { role: 'manager' });
  const actor = { userId: manager.id, role: 'manager' as const, email: manager.email, fullName: '', via: 'session' as const };
  await assert.rejects(t.c.users.changeRole(actor, user.email, 'manager'), (e: AppError) => e.code === 'FORBIDDEN');
  assert.equal((await t.c.users.getProfile({ ...actor, userId: user.id })).role, 'user');
});
