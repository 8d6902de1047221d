import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { createUser, ensureAdmin, loginAgent, PASSWORD, uniqueEmail } from '../../../test/support/accounts.ts';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { linkIn } from '../../../test/support/smtp.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await ensureAdmin(t);
});
after(() => t.close());

const BASE = 'http://localhost:3000';
const NEW_PASSWORD = 'a-brand-new-password-77';
const resetPath = async (email: string, seen = new Set<never>()) =>
  linkIn(await t.smtp!.nextMail(email, (m) => m.parsed.subject === 'Reset your password', seen), `${BASE}/password-reset/`).slice(
    BASE.length,
  );

describe('password reset', () => {
  test('an unknown address gets exactly the same answer as a known one, and no mail', async () => {
    const known = await createUser(t.c);
    const unknown = uniqueEmail('nobody');
    const a = await new Agent(t.app).post('/password-reset', { email: known.email });
    const b = await new Agent(t.app).post('/password-reset', { email: unknown });
    assert.equal(a.statusCode, 200);
    assert.equal(b.statusCode, 200);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(strip(a.body), strip(b.body));
    await t.smtp!.nextMail(known.email);
    assert.equal(t.smtp!.received.filter((m) => m.to.includes(unknown)).length, 0);
  });

  test('the link works once, sets the password and ends every other session', async () => {
    const user = await createUser(t.c);
    const elsewhere = await loginAgent(t, user.email);
    assert.equal((await elsewhere.get('/profile')).statusCode, 200);

    const agent = new Agent(t.app);
    await agent.post('/password-reset', { email: user.email });
    const link = await resetPath(user.email);
    const form = await agent.get(link);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Choose a new password/);

    const mismatch = await agent.post(link, { password: NEW_PASSWORD, passwordConfirm: 'something-else-123' });
    assert.equal(mismatch.statusCode, 422, 'a validation error does not use up the link');
    const done = await agent.post(link, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(done.statusCode, 303);

    assert.equal((await elsewhere.get('/profile')).statusCode, 303, 'the other session has ended');
    assert.equal((await new Agent(t.app).post('/login', { email: user.email, password: PASSWORD })).statusCode, 401);
    assert.equal((await new Agent(t.app).post('/login', { email: user.email, password: NEW_PASSWORD })).statusCode, 303);

    const reused = await agent.post(link, { password: 'yet-another-password-9', passwordConfirm: 'yet-another-password-9' });
    assert.equal(reused.statusCode, 400);
    assert.match(reused.body, /already been used/);
    assert.equal((await agent.get(link)).statusCode, 400);
  });

  test('the link expires after an hour', async () => {
    const user = await createUser(t.c);
    await new Agent(t.app).post('/password-reset', { email: user.email });
    const link = await resetPath(user.email);
    // As if the mail had been sent 61 minutes ago.
    await t.c.db.execute(sql`UPDATE user_tokens SET created_at = created_at - interval '61 minutes',
      expires_at = expires_at - interval '61 minutes' WHERE used_at IS NULL AND purpose = 'reset_password'`);
    const response = await new Agent(t.app).get(link);
    assert.equal(response.statusCode, 410);
    const post = await new Agent(t.app).post(link, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(post.statusCode, 410);
    assert.equal((await new Agent(t.app).post('/login', { email: user.email, password: PASSWORD })).statusCode, 303);
  });

  test('a reset token is not a confirmation token and forged ones are refused', async () => {
    const user = await createUser(t.c);
    await new Agent(t.app).post('/password-reset', { email: user.email });
    const link = await resetPath(user.email);
    const token = link.split('/').at(-1);
    assert.equal((await new Agent(t.app).get(`/confirm/${token}`)).statusCode, 400);
    for (const forged of ['abc', 'Z'.repeat(43), '..%2F..%2Fetc%2Fpasswd', '<script>alert(1)</script>']) {
      const response = await new Agent(t.app).post(`/password-reset/${forged}`, {
        password: NEW_PASSWORD,
        passwordConfirm: NEW_PASSWORD,
      });
      assert.ok([400, 404].includes(response.statusCode), `${forged} → ${response.statusCode}`);
      assert.doesNotMatch(response.body, /<script>alert/);
    }
  });

  test('a bad e-mail is a field error, not a 500', async () => {
    const response = await new Agent(t.app).post('/password-reset', { email: 'x\r\nBcc: y@example.com' });
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /Enter a valid e-mail address/);
  });
});
