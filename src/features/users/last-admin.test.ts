import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { createUser, signedIn } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { users } from '../../db/schema.ts';
import type { AppError } from '../../errors.ts';
import { toActor } from '../auth/auth.service.ts';

// Each test gets an instance of its own with exactly two admins, so "the last admin" is reachable.
let t: TestApp | undefined;
beforeEach(async () => {
  await t?.close();
  t = await createTestApp({ devMailbox: true });
});
after(() => t?.close());

const adminsWhoCanAct = async (app: TestApp) =>
  (await app.c.db.select().from(users).where(eq(users.role, 'admin'))).filter((user) => !user.blockedAt).length;

/** Both actions start before either ends: exactly one may win, the other must be refused with CONFLICT. */
async function race(app: TestApp, actions: () => [Promise<unknown>, Promise<unknown>]) {
  // Open pool connections first (PostgreSQL), so both transactions really overlap.
  await Promise.all([1, 2, 3, 4].map(() => app.c.db.execute(sql`SELECT pg_sleep(0.01)`)));
  const results = await Promise.allSettled(actions());
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one action goes through');
  const refused = results.find((r) => r.status === 'rejected');
  assert.equal((refused?.reason as AppError | undefined)?.code, 'CONFLICT');
}

test('two admins blocking each other at once: one wins, one admin can still act', async () => {
  const app = t as TestApp;
  const [a, b] = [await createUser(app.c, { role: 'admin' }), await createUser(app.c, { role: 'admin' })];
  await race(app, () => [
    app.c.oversight.blockUser(toActor(a, 'session'), b.id, 'race'),
    app.c.oversight.blockUser(toActor(b, 'session'), a.id, 'race'),
  ]);
  assert.equal(await adminsWhoCanAct(app), 1);
});

test('two admins demoting each other at once: one wins, one admin remains', async () => {
  const app = t as TestApp;
  const [a, b] = [await createUser(app.c, { role: 'admin' }), await createUser(app.c, { role: 'admin' })];
  await race(app, () => [
    app.c.users.changeRole(toActor(a, 'session'), b.email, 'manager'),
    app.c.users.changeRole(toActor(b, 'session'), a.email, 'manager'),
  ]);
  assert.equal(await adminsWhoCanAct(app), 1);
});

test('two admins deleting each other at once: one wins, one admin remains', async () => {
  const app = t as TestApp;
  const [a, b] = [await createUser(app.c, { role: 'admin' }), await createUser(app.c, { role: 'admin' })];
  await race(app, () => [
    app.c.oversight.deleteUser(toActor(a, 'session'), b.id),
    app.c.oversight.deleteUser(toActor(b, 'session'), a.id),
  ]);
  assert.equal(await adminsWhoCanAct(app), 1);
});

test('the same over HTTP: the loser is refused (409, or 401 when its session ended first)', async () => {
  const app = t as TestApp;
  const a = await signedIn(app, { role: 'admin' });
  const b = await signedIn(app, { role: 'admin' });
  const responses = await Promise.all([
    a.agent.post(`/users/${b.user.id}/block`, { reason: 'race' }),
    b.agent.post(`/users/${a.user.id}/block`, { reason: 'race' }),
  ]);
  const statuses = responses.map((r) => r.statusCode).sort();
  assert.equal(statuses[0], 303);
  assert.ok([401, 409].includes(statuses[1] ?? 0), `the other is refused: ${statuses}`);
  assert.equal(await adminsWhoCanAct(app), 1);
});
