import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, ne } from 'drizzle-orm';
import { createUser, ensureAdmin, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { deliveries, mailingRecipients, mailings, messages, recipients, runs, suppressions, users } from '../../db/schema.ts';
import { FixedClock } from '../../lib/clock.ts';
import type { Schedule } from '../mailings/schedule.ts';

const HOUR = 3_600_000;
// Today at 10:00 UTC: near the real date, so cookies the app sets by this clock have not expired for the test client.
const today = new Date().toISOString().slice(0, 10);
const clock = new FixedClock(new Date(`${today}T10:00:00Z`));
const daysAgo = (n: number, time: string) => new Date(new Date(`${today}T${time}Z`).getTime() - n * 24 * HOUR);
let t: TestApp;
before(async () => {
  t = await createTestApp({ clock, devMailbox: true, env: { CATCH_UP_MAX_AGE_HOURS: '6' } });
  await ensureAdmin(t);
  // These tests drive the scheduler and the run table by hand: no background sending.
  await t.c.sender.stop();
});
after(() => t.close());

async function mailing(schedule: Schedule, startsAt: Date, endsAt: Date, extra: Partial<typeof mailings.$inferInsert> = {}) {
  const user = await createUser(t.c);
  const [message] = await t.c.db.insert(messages).values({ ownerId: user.id, subject: 'Hi', body: 'Hello' }).returning();
  const [recipient] = await t.c.db.insert(recipients).values({ ownerId: user.id, email: uniqueEmail() }).returning();
  const [row] = await t.c.db
    .insert(mailings)
    .values({ ownerId: user.id, name: 'M', messageId: message!.id, startsAt, endsAt, timeZone: 'UTC', schedule, ...extra })
    .returning();
  await t.c.db.insert(mailingRecipients).values({ mailingId: row!.id, recipientId: recipient!.id });
  return { id: row!.id, ownerId: user.id };
}

const runsOf = (mailingId: number) => t.c.db.select().from(runs).where(eq(runs.mailingId, mailingId)).orderBy(runs.id);
/** Marks the mailing's sending runs finished, as the sender would once they are sent. */
const finishRuns = (mailingId: number) =>
  t.c.db
    .update(runs)
    .set({ state: 'finished' })
    .where(and(eq(runs.mailingId, mailingId), eq(runs.state, 'sending')));

describe('scheduler', () => {
  test('one run per due occurrence, however many passes run, at once or one after another', async () => {
    const m = await mailing({ kind: 'daily' }, daysAgo(2, '09:00:00'), daysAgo(-20, '00:00:00'));
    await Promise.all([t.c.scheduler.runDue(), t.c.scheduler.runDue(), t.c.scheduler.runDue()]);
    await t.c.scheduler.runDue();
    const first = await runsOf(m.id);
    assert.equal(first.length, 1);
    assert.equal(first[0]?.occurrenceAt?.toISOString(), `${today}T09:00:00.000Z`, 'today’s occurrence, not the missed ones');
    assert.equal(first[0]?.trigger, 'scheduled');
    await finishRuns(m.id);
    clock.advance(24 * HOUR);
    await Promise.all(Array.from({ length: 5 }, () => t.c.scheduler.runDue()));
    assert.equal((await runsOf(m.id)).length, 2);
  });

  test('after downtime the latest missed occurrence is caught up once; one older than the limit is recorded as skipped', async () => {
    const start = new Date(clock.now().getTime() - 5 * 24 * HOUR - HOUR);
    const caughtUp = await mailing({ kind: 'daily' }, start, new Date(clock.now().getTime() + 30 * 24 * HOUR));
    await t.c.scheduler.runDue();
    assert.equal((await runsOf(caughtUp.id)).length, 1, 'once, not once per missed day');

    // Its only occurrence was 8 hours ago, beyond the 6-hour limit.
    const tooOld = await mailing(
      { kind: 'once' },
      new Date(clock.now().getTime() - 8 * HOUR),
      new Date(clock.now().getTime() + HOUR),
    );
    await t.c.scheduler.runDue();
    await t.c.scheduler.runDue();
    const skipped = await runsOf(tooOld.id);
    assert.deepEqual(
      skipped.map((r) => r.state),
      ['skipped'],
    );
    assert.equal(await t.c.db.$count(deliveries, eq(deliveries.runId, skipped[0]!.id)), 0);
  });

  test('a mailing created with its start in the past and its end in the future sends at once', async () => {
    const m = await mailing({ kind: 'once' }, new Date(clock.now().getTime() - HOUR), new Date(clock.now().getTime() + HOUR));
    await t.c.scheduler.runDue();
    const [run] = await runsOf(m.id);
    assert.equal(run?.state, 'sending');
    assert.equal(run?.total, 1);
  });

  test('paused, disabled and blocked-owner mailings get no runs; nor do windows not yet open or already closed', async () => {
    const past = new Date(clock.now().getTime() - HOUR);
    const future = new Date(clock.now().getTime() + HOUR);
    const paused = await mailing({ kind: 'once' }, past, future, { pausedAt: past });
    const disabled = await mailing({ kind: 'once' }, past, future, { disabledAt: past });
    const blocked = await mailing({ kind: 'once' }, past, future);
    await t.c.db.update(users).set({ blockedAt: past }).where(eq(users.id, blocked.ownerId));
    const notYet = await mailing({ kind: 'once' }, future, new Date(future.getTime() + HOUR));
    const over = await mailing({ kind: 'daily' }, new Date(past.getTime() - 48 * HOUR), past);
    await t.c.scheduler.runDue();
    for (const m of [paused, disabled, blocked, notYet, over]) assert.equal((await runsOf(m.id)).length, 0);
  });
});

describe('send now, concurrently', () => {
  test('a hundred concurrent "send now" create exactly one run; the others point at it', async () => {
    const { user, agent } = await signedIn(t);
    const [message] = await t.c.db.insert(messages).values({ ownerId: user.id, subject: 'Hi', body: 'Hello' }).returning();
    const [recipient] = await t.c.db.insert(recipients).values({ ownerId: user.id, email: uniqueEmail() }).returning();
    const [row] = await t.c.db
      .insert(mailings)
      .values({
        ownerId: user.id,
        name: 'Burst',
        messageId: message!.id,
        startsAt: new Date(clock.now().getTime() + 24 * HOUR),
        endsAt: new Date(clock.now().getTime() + 48 * HOUR),
        timeZone: 'UTC',
        schedule: { kind: 'daily' },
      })
      .returning();
    await t.c.db.insert(mailingRecipients).values({ mailingId: row!.id, recipientId: recipient!.id });
    await agent.csrfToken();
    const responses = await Promise.all(Array.from({ length: 100 }, () => agent.api('POST', `/api/v1/mailings/${row!.id}/send`)));
    const created = responses.filter((r) => r.statusCode === 201);
    assert.equal(created.length, 1);
    const refused = responses.filter((r) => r.statusCode === 409);
    assert.equal(refused.length, 99);
    const runId = created[0]!.json().runId;
    assert.ok(refused.every((r) => r.json().code === 'RUN_ACTIVE' && r.json().title.includes(`/runs/${runId}`)));
    assert.equal(await t.c.db.$count(runs, eq(runs.mailingId, row!.id)), 1);
  });
});

describe('crash safety', () => {
  test('a delivery whose worker died mid-send becomes unknown: counted, shown, never sent again', async () => {
    const past = new Date(clock.now().getTime() - HOUR);
    const m = await mailing({ kind: 'once' }, past, new Date(clock.now().getTime() + HOUR));
    await t.c.scheduler.runDue();
    const [run] = await runsOf(m.id);
    const repository = (await import('./sending.repository.ts')).createSendingRepository(t.c.db);
    // A worker claims the delivery and dies before it can write the result: its lease runs out.
    const claimed = await repository.claimBatch(run!.id, 0, 10, 'dead-worker', -1);
    assert.equal(claimed.length, 1);
    assert.equal(await repository.expireLeases(), 1);
    assert.equal(await repository.finishRunIfDone(run!.id), true);
    const [after] = await runsOf(m.id);
    assert.deepEqual([after?.state, after?.unknown, after?.sent], ['finished', 1, 0]);
    assert.equal((await repository.claimBatch(run!.id, 0, 10, 'new-worker', 60)).length, 0, 'not claimed again');
    const [delivery] = await t.c.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.runId, run!.id), ne(deliveries.state, 'sent')));
    assert.equal(delivery?.state, 'unknown');
  });
});

describe('suppressions during a run', () => {
  test('an address suppressed after the run began is marked suppressed when claimed, not sent', async () => {
    const past = new Date(clock.now().getTime() - HOUR);
    const m = await mailing({ kind: 'once' }, past, new Date(clock.now().getTime() + HOUR));
    const [second] = await t.c.db
      .insert(recipients)
      .values({ ownerId: m.ownerId, email: uniqueEmail('late') })
      .returning();
    await t.c.db.insert(mailingRecipients).values({ mailingId: m.id, recipientId: second!.id });
    await t.c.scheduler.runDue();
    const [run] = await runsOf(m.id);
    assert.equal(run?.total, 2);
    await t.c.db.insert(suppressions).values({ ownerId: m.ownerId, email: second!.email, reason: 'unsubscribed' });

    const repository = (await import('./sending.repository.ts')).createSendingRepository(t.c.db);
    const claimed = await repository.claimBatch(run!.id, 0, 10, 'worker', 60);
    const states = Object.fromEntries(claimed.map((d) => [d.email === second!.email ? 'late' : 'first', d.state]));
    assert.deepEqual(states, { first: 'sending', late: 'suppressed' });
    const [stored] = await t.c.db.select().from(deliveries).where(eq(deliveries.email, second!.email));
    assert.deepEqual([stored?.state, stored?.attemptCount, stored?.leaseOwner], ['suppressed', 0, null]);
  });
});
