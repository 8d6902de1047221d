import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { PASSWORD, uniqueEmail } from '../../../test/support/accounts.ts';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { users } from '../../db/schema.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ devMailbox: true });
});
afterEach(() => t.close());

const admins = () => t.c.db.$count(users, eq(users.role, 'admin'));
const setupForm = (email: string) => ({ email, fullName: 'First Admin', password: PASSWORD, passwordConfirm: PASSWORD });

test('the first visit leads to /setup, which creates a logged-in admin once and is gone afterwards', async () => {
  const agent = new Agent(t.app);
  for (const path of ['/', '/login', '/register', '/profile']) {
    const response = await agent.get(path);
    assert.equal(response.statusCode, 303, path);
    assert.equal(response.headers.location, '/setup', path);
  }
  assert.equal((await agent.get('/healthz')).statusCode, 200, 'health checks are not redirected');
  const form = await agent.get('/setup');
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /Create admin/);

  const email = uniqueEmail('admin');
  const created = await agent.post('/setup', setupForm(email));
  assert.equal(created.statusCode, 303);
  const profile = await agent.get('/profile');
  assert.equal(profile.statusCode, 200);
  assert.match(profile.body, /admin/);

  assert.equal((await agent.get('/setup')).statusCode, 404);
  assert.equal((await new Agent(t.app).get('/setup')).statusCode, 404);
  assert.equal((await new Agent(t.app).post('/setup', setupForm(uniqueEmail('late')))).statusCode, 404);
  assert.equal((await new Agent(t.app).get('/')).statusCode, 200);
  assert.equal(await admins(), 1);
  // The admin needs no confirmation mail: they can log in right away.
  assert.equal((await new Agent(t.app).post('/login', { email, password: PASSWORD })).statusCode, 303);
});

test('two setups at once create exactly one admin', async () => {
  const agents = [new Agent(t.app), new Agent(t.app), new Agent(t.app)];
  await Promise.all(agents.map((agent) => agent.csrfToken()));
  const results = await Promise.all(agents.map((agent) => agent.post('/setup', setupForm(uniqueEmail('race')))));
  assert.equal(results.filter((r) => r.statusCode === 303).length, 1);
  assert.ok(results.every((r) => r.statusCode === 303 || r.statusCode === 404));
  assert.equal(await admins(), 1);
});

test('bad setup input is shown next to the fields and creates nothing', async () => {
  const agent = new Agent(t.app);
  const cases: Record<string, string>[] = [
    { ...setupForm('not-an-email') },
    { ...setupForm(uniqueEmail()), password: 'short', passwordConfirm: 'short' },
    { ...setupForm(uniqueEmail()), passwordConfirm: 'different-password-1' },
    { ...setupForm(uniqueEmail()), fullName: '' },
    {},
  ];
  for (const form of cases) {
    const response = await agent.post('/setup', form);
    assert.equal(response.statusCode, 422, JSON.stringify(form));
    assert.match(response.body, /class="field-error"/);
  }
  assert.equal((await agent.post('/setup', setupForm(uniqueEmail()), { csrf: false })).statusCode, 403);
  assert.equal(await admins(), 0);
});
