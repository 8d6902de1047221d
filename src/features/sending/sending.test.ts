import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { insertMailingWithAttempts } from '../../../test/support/attempt-fixtures.ts';
import { seedMailing } from '../../../test/support/sending-run.ts';
import { attempts, deliveries, mailingRecipients, mailings, recipients, runs, suppressions, users } from '../../db/schema.ts';
import { createSendingRepository, LARGE_RUN } from './sending.repository.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ env: { SEND_RETRY_BASE_SECONDS: '1' } });
  await ensureAdmin(t);
});
after(() => t.close());

const BASE = 'http://localhost:3000';
/** A header of a received mail as sent (unfolded), whatever mailparser makes of it. */
const rawHeader = (raw: string, name: string) =>
  new RegExp(`^${name}: (.*)$`, 'im').exec((raw.split('\r\n\r\n')[0] ?? '').replace(/\r\n[ \t]+/g, ' '))?.[1] ?? '';

/** A signed-in user with a weekly mailing (first occurrence far ahead) to `count` fresh addresses. */
async function mailingFor(count: number, options: { role?: 'user' | 'manager' } = {}, app: TestApp = t) {
  const { user, agent } = await signedIn(app, options);
  return { agent, ...(await seedMailing(app.c, count, { owner: user, label: 'send' })) };
}

/** Presses "Send now" and waits until the sender reports the run finished. */
async function sendAndWait(agent: Agent, mailingId: number) {
  const finished = new Promise<number>((resolve) => {
    const listener = ({ runId }: { runId: number }) => {
      t.c.sender.events.off('finished', listener);
      resolve(runId);
    };
    t.c.sender.events.on('finished', listener);
  });
  const response = await agent.post(`/mailings/${mailingId}/send`);
  assert.equal(response.statusCode, 303, response.body.slice(0, 500));
  const runId = Number(/\/runs\/(\d+)/.exec(String(response.headers.location))?.[1]);
  assert.equal(await finished, runId);
  return runId;
}

describe('send now', () => {
  test('one e-mail per recipient with its own headers; suppressed addresses skipped; every attempt recorded', async () => {
    const m = await mailingFor(3);
    await t.c.db.insert(suppressions).values({ ownerId: m.user.id, email: m.emails[2]!, reason: 'manual' });
    const runId = await sendAndWait(m.agent, m.mailingId);

    const received = t.smtp!.received.filter((mail) => m.emails.some((e) => mail.to.includes(e)));
    assert.equal(received.length, 2);
    for (const [i, mail] of received.entries()) {
      assert.deepEqual(mail.to, [m.emails[i]], 'each e-mail goes to its one recipient');
      assert.equal(mail.parsed.subject, `News for Person ${i}`);
      const raw = mail.raw.split('\r\n\r\n')[0] ?? '';
      assert.equal(raw.match(/^List-Unsubscribe:/gim)?.length, 1, 'one List-Unsubscribe header');
      assert.match(raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
      assert.match(rawHeader(mail.raw, 'List-Unsubscribe'), new RegExp(`^<${BASE}/unsubscribe/[^>]+>, <mailto:[^>]+>$`));
      assert.ok(mail.parsed.html && mail.parsed.text, 'text and HTML parts');
    }
    assert.notEqual(received[0]?.parsed.messageId, received[1]?.parsed.messageId);

    const run = (await t.c.db.select().from(runs).where(eq(runs.id, runId)))[0];
    assert.deepEqual(
      [run?.state, run?.total, run?.sent, run?.failed, run?.suppressed, run?.unknown],
      ['finished', 3, 2, 0, 1, 0],
    );
    const rows = await t.c.db.select().from(attempts).where(eq(attempts.runId, runId));
    assert.equal(rows.length, 2);
    assert.ok(rows.every((a) => a.success && a.code === 250 && a.response.startsWith('250')));

    const page = await m.agent.get(`/mailings/${m.mailingId}/runs/${runId}`);
    assert.match(page.body, /id="run-sent">2</);
    assert.match((await m.agent.get(`/attempts?mailingId=${m.mailingId}`)).body, new RegExp(m.emails[0]!));
    // Another user sees none of these attempts; odd filters fall back to none rather than failing.
    const other = await signedIn(t);
    assert.doesNotMatch((await other.agent.get('/attempts')).body, new RegExp(m.emails[0]!));
    assert.equal((await other.agent.api('GET', `/api/v1/attempts?mailingId=${m.mailingId}`)).json().total, 0);
    for (const query of [
      'mailingId=abc',
      'runId=-1',
      'status=%00',
      'from=yesterday',
      'to=2026-99-99',
      'page=-4',
      'mailingId=99999999999',
    ]) {
      assert.equal((await m.agent.get(`/attempts?${query}`)).statusCode, 200, query);
      assert.equal((await m.agent.api('GET', `/api/v1/attempts?${query}`)).statusCode, 200, query);
    }
    assert.match((await m.agent.get(`/mailings/${m.mailingId}`)).body, new RegExp(`/mailings/${m.mailingId}/runs/${runId}`));
  });

  test('a recipient of another user linked into the mailing is not mailed, and no address gets two e-mails', async () => {
    const m = await mailingFor(2);
    const stranger = await mailingFor(1);
    // Another owner's rows that share an address with the mailing's own recipients: the rule that
    // keeps a run's addresses unique is that only the owner's recipients are materialised.
    const [twin] = await t.c.db
      .insert(recipients)
      .values({ ownerId: stranger.user.id, email: m.emails[0]!, fullName: 'Twin' })
      .returning();
    const [foreign] = await t.c.db.select().from(recipients).where(eq(recipients.email, stranger.emails[0]!));
    await t.c.db.insert(mailingRecipients).values([
      { mailingId: m.mailingId, recipientId: twin!.id },
      { mailingId: m.mailingId, recipientId: foreign!.id },
    ]);
    const runId = await sendAndWait(m.agent, m.mailingId);
    const rows = await t.c.db.select().from(deliveries).where(eq(deliveries.runId, runId));
    assert.deepEqual(rows.map((d) => d.email).sort(), [...m.emails].sort());
    const received = t.smtp!.received.filter((mail) => [...m.emails, stranger.emails[0]!].some((e) => mail.to.includes(e)));
    assert.deepEqual(received.map((mail) => mail.to[0]).sort(), [...m.emails].sort());
  });

  test('a 4xx answer is retried and then delivered; a 5xx fails for good and suppresses a hard bounce', async () => {
    const m = await mailingFor(2);
    t.smtp!.refusals.set(m.emails[0]!, [451, 451]);
    t.smtp!.refusals.set(m.emails[1]!, [550]);
    const runId = await sendAndWait(m.agent, m.mailingId);
    const states = await t.c.db.select().from(deliveries).where(eq(deliveries.runId, runId));
    const byEmail = Object.fromEntries(states.map((d) => [d.email, d]));
    assert.equal(byEmail[m.emails[0]!]?.state, 'sent');
    assert.equal(byEmail[m.emails[0]!]?.attemptCount, 3);
    assert.equal(byEmail[m.emails[1]!]?.state, 'failed');
    assert.equal(byEmail[m.emails[1]!]?.lastCode, 550);
    const tries = await t.c.db.select().from(attempts).where(eq(attempts.runId, runId));
    assert.deepEqual(tries.map((a) => a.code).sort(), [250, 451, 451, 550]);
    const [bounce] = await t.c.db
      .select()
      .from(suppressions)
      .where(and(eq(suppressions.ownerId, m.user.id), eq(suppressions.email, m.emails[1]!)));
    assert.equal(bounce?.reason, 'hard_bounce');
  });

  test('refused with the reason: disabled, paused, completed, no recipients, another user, a manager', async () => {
    const m = await mailingFor(1);
    const refuse = async (agent: Agent, status: number, text: RegExp) => {
      const response = await agent.post(`/mailings/${m.mailingId}/send`);
      assert.equal(response.statusCode, status);
      assert.match(response.body, text);
    };
    await t.c.db
      .update(mailings)
      .set({ disabledAt: new Date(), disabledReason: 'complaints' })
      .where(eq(mailings.id, m.mailingId));
    await refuse(m.agent, 409, /disabled this mailing: complaints/);
    await t.c.db.update(mailings).set({ disabledAt: null, pausedAt: new Date() }).where(eq(mailings.id, m.mailingId));
    await refuse(m.agent, 409, /paused/);
    await t.c.db.update(mailings).set({ pausedAt: null }).where(eq(mailings.id, m.mailingId));
    await refuse((await signedIn(t)).agent, 404, /not found/i);
    await refuse((await signedIn(t, { role: 'manager' })).agent, 403, /not change/);
    await t.c.db.delete(mailingRecipients).where(eq(mailingRecipients.mailingId, m.mailingId));
    await refuse(m.agent, 409, /no recipients/);
    await t.c.db
      .update(mailings)
      .set({ endsAt: new Date(Date.now() - 1000), startsAt: new Date(Date.now() - 2000) })
      .where(eq(mailings.id, m.mailingId));
    await refuse(m.agent, 409, /completed/);
    assert.equal(await t.c.db.$count(runs, eq(runs.mailingId, m.mailingId)), 0);
    const api = await m.agent.api('POST', `/api/v1/mailings/${m.mailingId}/send`);
    assert.equal(api.json().code, 'MAILING_COMPLETED');
  });
});

describe('creating a run', () => {
  test('a large mailing materialises like a small one: each own recipient once, suppressed ones counted, nobody else', async () => {
    // Paused, so this process's sender leaves the run alone while it is looked at.
    const m = await seedMailing(t.c, LARGE_RUN, { label: 'large', paused: true });
    const stranger = await seedMailing(t.c, 1, { label: 'stranger' });
    const [foreign] = await t.c.db.select().from(recipients).where(eq(recipients.email, stranger.emails[0]!));
    await t.c.db.insert(mailingRecipients).values({ mailingId: m.mailingId, recipientId: foreign!.id });
    const suppressed = [m.emails[0]!, m.emails[4999]!, m.emails[LARGE_RUN - 1]!];
    await t.c.db
      .insert(suppressions)
      .values(suppressed.map((email) => ({ ownerId: m.user.id, email, reason: 'manual' as const })));

    const runId = await createSendingRepository(t.c.db).createRun({
      mailingId: m.mailingId,
      trigger: 'manual',
      occurrenceAt: null,
      startedBy: m.user.id,
    });
    const [run] = await t.c.db.select().from(runs).where(eq(runs.id, runId!));
    assert.deepEqual([run?.total, run?.suppressed], [LARGE_RUN, 3]);
    const rows = await t.c.db
      .select({ email: deliveries.email, fullName: deliveries.fullName, state: deliveries.state })
      .from(deliveries)
      .where(eq(deliveries.runId, runId!));
    assert.equal(rows.length, LARGE_RUN);
    assert.deepEqual(new Set(rows.map((d) => d.email)), new Set(m.emails), "every own address once, the stranger's not");
    assert.deepEqual(
      rows
        .filter((d) => d.state === 'suppressed')
        .map((d) => d.email)
        .sort(),
      [...suppressed].sort(),
    );
    assert.equal(rows.find((d) => d.email === m.emails[42])?.fullName, 'Person 42');
  });
});

describe('deleting', () => {
  test("a deleted mailing takes its runs' deliveries and attempts with it, and so does a deleted user", async () => {
    const counts = async (runId: number) => ({
      deliveries: (await t.c.db.select().from(deliveries).where(eq(deliveries.runId, runId))).length,
      attempts: (await t.c.db.select().from(attempts).where(eq(attempts.runId, runId))).length,
    });
    const m = await mailingFor(2);
    const runId = await sendAndWait(m.agent, m.mailingId);
    assert.deepEqual(await counts(runId), { deliveries: 2, attempts: 2 });
    const kept = await mailingFor(1);
    const keptRun = await sendAndWait(kept.agent, kept.mailingId);
    assert.equal((await m.agent.post(`/mailings/${m.mailingId}/delete`)).statusCode, 303);
    assert.deepEqual(await counts(runId), { deliveries: 0, attempts: 0 });
    assert.deepEqual(await counts(keptRun), { deliveries: 1, attempts: 1 }, "another mailing's run is untouched");

    const { agent: admin } = await signedIn(t, { role: 'admin' });
    assert.equal((await admin.post(`/users/${kept.user.id}/delete`, { reason: 'test' })).statusCode, 303);
    assert.deepEqual(await counts(keptRun), { deliveries: 0, attempts: 0 });
  });
});

describe('one-click unsubscribe', () => {
  test('GET shows a button, POST suppresses the address for its owner (no cookie, no CSRF), later runs skip it', async () => {
    const m = await mailingFor(1);
    await sendAndWait(m.agent, m.mailingId);
    const mail = t.smtp!.received.find((r) => r.to.includes(m.emails[0]!));
    const link = /<(http[^>]+\/unsubscribe\/[^>]+)>/.exec(rawHeader(mail?.raw ?? '', 'List-Unsubscribe'))?.[1] ?? '';
    const path = link.slice(BASE.length);
    const page = await t.app.inject({ method: 'GET', url: path });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Unsubscribe<\/button>/);
    assert.equal(await t.c.db.$count(suppressions, eq(suppressions.ownerId, m.user.id)), 0, 'GET changes nothing');
    const post = await t.app.inject({
      method: 'POST',
      url: path,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(post.statusCode, 200);
    assert.match(post.body, /is unsubscribed/);
    assert.equal((await t.app.inject({ method: 'POST', url: path })).statusCode, 200, 'again: still fine');
    assert.equal(await t.c.db.$count(suppressions, eq(suppressions.ownerId, m.user.id)), 1);
    for (const forged of [`${path}x`, '/unsubscribe/abc.def', '/unsubscribe/%00', `/unsubscribe/${'a'.repeat(2000)}`]) {
      // Fastify refuses an over-long path parameter itself (414).
      assert.ok([404, 414].includes((await t.app.inject({ method: 'POST', url: forged })).statusCode), forged.slice(0, 40));
    }
    const runId = await sendAndWait(m.agent, m.mailingId);
    const [run] = await t.c.db.select().from(runs).where(eq(runs.id, runId));
    assert.deepEqual([run?.sent, run?.suppressed], [0, 1]);
  });
});

describe('delivery outcomes', () => {
  test('a "slow down" reply is retried, not failed; every attempt keeps the reply and the worker that made it', async () => {
    const m = await mailingFor(2);
    t.smtp!.refusals.set(m.emails[0]!, [451, 421]);
    t.smtp!.refusalTexts.set(m.emails[0]!, '4.7.1 Too many messages from your address, slow down');
    const runId = await sendAndWait(m.agent, m.mailingId);
    const [run] = await t.c.db.select().from(runs).where(eq(runs.id, runId));
    assert.deepEqual([run?.sent, run?.failed], [2, 0]);
    const tries = await t.c.db.select().from(attempts).where(eq(attempts.runId, runId));
    assert.deepEqual(tries.map((a) => a.code).sort(), [250, 250, 421, 451]);
    assert.ok(tries.filter((a) => !a.success).every((a) => /Too many messages/.test(a.response)));
    assert.ok(tries.every((a) => a.worker === t.c.sender.worker));
    assert.equal(t.smtp!.received.filter((mail) => mail.to.includes(m.emails[0]!)).length, 1);
  });

  test('a message the server took but never confirmed is unknown: counted, shown, never sent again', async () => {
    const m = await mailingFor(3);
    t.smtp!.dropAfterData.add(m.emails[1]!);
    const runId = await sendAndWait(m.agent, m.mailingId);
    const [run] = await t.c.db.select().from(runs).where(eq(runs.id, runId));
    assert.deepEqual([run?.sent, run?.unknown, run?.failed], [2, 1, 0]);
    const [delivery] = await t.c.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.runId, runId), eq(deliveries.email, m.emails[1]!)));
    assert.equal(delivery?.state, 'unknown');
    assert.equal(delivery?.attemptCount, 1);
    assert.deepEqual(
      t.smtp!.dropped.filter((e) => e === m.emails[1]),
      [m.emails[1]],
    );
    assert.equal(t.smtp!.received.filter((mail) => mail.to.includes(m.emails[1]!)).length, 0, 'not sent a second time');
    const page = await m.agent.get(`/mailings/${m.mailingId}/runs/${runId}`);
    assert.match(page.body, /id="run-unknown">1</);
  });
});

describe('DKIM', () => {
  test('with DKIM_* set every e-mail of a run carries a DKIM-Signature of the configured domain and selector', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const signed = await createTestApp({
      env: {
        MAIL_FROM: 'News <news@herald.test>',
        DKIM_DOMAIN: 'herald.test',
        DKIM_SELECTOR: 'mail2026',
        // As in an .env file: the PEM on one line with its line breaks written as \n.
        DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
      },
    });
    try {
      await ensureAdmin(signed);
      const m = await mailingFor(2, {}, signed);
      const finished = new Promise((resolve) => signed.c.sender.events.once('finished', resolve));
      assert.equal((await m.agent.post(`/mailings/${m.mailingId}/send`)).statusCode, 303);
      await finished;
      for (const email of m.emails) {
        const mail = await signed.smtp!.nextMail(email);
        const signature = rawHeader(mail.raw, 'DKIM-Signature');
        assert.match(signature, /(^|; ?)d=herald\.test;/);
        assert.match(signature, /(^|; ?)s=mail2026;/);
        assert.match(signature, /a=rsa-sha256/);
        assert.match(signature, /h=[^;]*list-unsubscribe/i);
        assert.equal(mail.from, 'news@herald.test');
      }
    } finally {
      await signed.close();
    }
  });
});

describe('leases', () => {
  test('a batch slower than the lease keeps its leases: nothing becomes unknown while its worker lives', async () => {
    const slow = await createTestApp({ env: { SEND_LEASE_SECONDS: '1', SEND_RATE_PER_DOMAIN: '3', SEND_BATCH_SIZE: '50' } });
    try {
      await ensureAdmin(slow);
      const m = await mailingFor(8, {}, slow);
      const sixth = slow.smtp!.nextMail(m.emails[5]!);
      const finished = new Promise((resolve) => slow.c.sender.events.once('finished', resolve));
      const response = await m.agent.post(`/mailings/${m.mailingId}/send`);
      assert.equal(response.statusCode, 303);
      // At three a second, the sixth e-mail goes out well after the first leases would have run out.
      await sixth;
      assert.equal(await createSendingRepository(slow.c.db).expireLeases(), 0, 'no lease ran out');
      await finished;
      assert.equal(slow.smtp!.received.length, 8);
      const states = await slow.c.db.select({ state: deliveries.state }).from(deliveries);
      assert.ok(states.every((d) => d.state === 'sent'));
    } finally {
      await slow.close();
    }
  });
});

describe('sending in Russian', () => {
  /** A mailing like mailingFor's, of an owner whose profile language is Russian. */
  async function russianMailing(count: number) {
    const m = await mailingFor(count);
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, m.user.id));
    return m;
  }

  test('send now is refused with the reason in Russian; the API keeps English', async () => {
    const m = await russianMailing(1);
    await t.c.db.update(mailings).set({ pausedAt: new Date() }).where(eq(mailings.id, m.mailingId));
    const page = await m.agent.post(`/mailings/${m.mailingId}/send`);
    assert.equal(page.statusCode, 409);
    assert.match(page.body, /Рассылка приостановлена; сначала возобновите её\./);
    assert.doesNotMatch(page.body, /resume it first/);
    const api = await m.agent.api('POST', `/api/v1/mailings/${m.mailingId}/send`);
    assert.equal(api.json().title, 'The mailing is paused; resume it first.');

    await t.c.db
      .update(mailings)
      .set({ pausedAt: null, disabledAt: new Date(), disabledReason: 'жалобы' })
      .where(eq(mailings.id, m.mailingId));
    assert.match((await m.agent.post(`/mailings/${m.mailingId}/send`)).body, /Менеджер отключил эту рассылку: жалобы/);
  });

  test('the attempts page counts attempts with Russian plural forms', async () => {
    const m = await russianMailing(1);
    const at = new Date('2026-03-01T22:30:00Z');
    const tried = (n: number) => Array.from({ length: n }, () => ({ at, success: true, code: 250, response: '250 OK' }));
    const counts: [number, string][] = [
      [1, '1 попытка'],
      [2, '2 попытки'],
      [5, '5 попыток'],
    ];
    for (const [n, text] of counts) {
      const { mailingId } = await insertMailingWithAttempts(t.c, m.user.id, {
        deliveries: [{ email: `plural-${n}-${m.user.id}@example.com`, state: 'sent', attempts: tried(n) }],
      });
      const page = await m.agent.get(`/attempts?mailingId=${mailingId}`);
      assert.match(page.body, new RegExp(`${text} · <a href="/attempts/export.csv`));
      assert.match(page.body, /<td>успех<\/td>/);
      assert.match(page.body, /1 мар\. 2026 г\., 22:30/, "the owner's time zone (UTC), in Russian");
      assert.doesNotMatch(page.body, /attempts ·|>success<|>failure<|Export CSV/);
    }
  });

  test('the unsubscribe page speaks the visitor’s language (Accept-Language)', async () => {
    const m = await mailingFor(1);
    const path = t.c.sending.unsubscribeUrl('', m.user.id, m.emails[0]!);
    const headers = { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' };
    const page = await t.app.inject({ method: 'GET', url: path, headers });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<html lang="ru">/);
    assert.match(page.body, /<h1>Отписаться<\/h1>/);
    assert.match(page.body, /Больше не присылать рассылки этого отправителя на адрес <strong>/);
    assert.match(page.body, /<button type="submit">Отписаться<\/button>/);
    assert.doesNotMatch(page.body, /Unsubscribe|Stop mailings/);
    const done = await t.app.inject({ method: 'POST', url: path, headers });
    assert.match(done.body, /<\/strong> отписан: рассылки этого отправителя больше не будут приходить на этот адрес\./);
    const english = await t.app.inject({ method: 'GET', url: path });
    assert.match(english.body, /Stop mailings from this sender to/);
  });
});
