import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, gt, inArray, ne } from 'drizzle-orm';
import { createUser, ensureAdmin, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { deliveries, mailingRecipients, mailings, messages, recipients, runs, suppressions, users } from '../../db/schema.ts';
import { FixedClock } from '../../lib/clock.ts';
import type { Schedule } from '../mailings/schedule.ts';
import { createScheduler } from './scheduler.ts';
import { createSendingRepository } from './sending.repository.ts';

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

  test('a worker whose lease ran out cannot write its result over the unknown state, nor over a later claim', async () => {
    const past = new Date(clock.now().getTime() - HOUR);
    const m = await mailing({ kind: 'once' }, past, new Date(clock.now().getTime() + HOUR));
    await t.c.scheduler.runDue();
    const [run] = await runsOf(m.id);
    const repository = (await import('./sending.repository.ts')).createSendingRepository(t.c.db);
    const [claimed] = await repository.claimBatch(run!.id, 0, 10, 'slow-worker', -1);
    await repository.expireLeases();
    const late = {
      deliveryId: claimed!.id,
      runId: run!.id,
      attemptedAt: clock.now(),
      success: true,
      code: 250,
      response: '2.0.0 Ok',
      durationMs: 1,
      server: 'smtp.example:25',
      state: 'sent' as const,
      nextAttemptAt: null,
    };
    await repository.recordResults([late], 'slow-worker');
    const stateOf = async () => (await t.c.db.select().from(deliveries).where(eq(deliveries.id, claimed!.id)))[0]?.state;
    assert.equal(await stateOf(), 'unknown');

    // Queued again by hand and claimed by another worker: the first one's write still changes nothing.
    await t.c.db.update(deliveries).set({ state: 'queued' }).where(eq(deliveries.id, claimed!.id));
    assert.equal((await repository.claimBatch(run!.id, 0, 10, 'other-worker', 60)).length, 1);
    await repository.recordResults([{ ...late, state: 'failed' }], 'slow-worker');
    assert.equal(await stateOf(), 'sending');
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

/*
 * Wall-clock schedules across daylight saving time, on a scheduler of their own whose clock walks
 * through 2026's transitions in Europe/Berlin (last Sunday of March, 02:00 CET → 03:00 CEST; last
 * Sunday of October, 03:00 CEST → 02:00 CET). What schedule.ts promises: the same local time every
 * day (09:00 is 08:00Z in winter, 07:00Z in summer); a local time in the spring gap moves forward by
 * the gap (02:30 → 03:30 CEST); a local time that happens twice fires once, at the first. These
 * windows lie months before any other test's, so no other mailing is due on this clock.
 */
describe('scheduler across daylight saving time (fixed clock, Europe/Berlin)', () => {
  const MINUTE = 60_000;

  /** Berlin mailings: a window that closes when the walk ends, so no later walk sees them. */
  const berlin = (schedule: Schedule, startsAt: string, endsAt: string) =>
    mailing(schedule, new Date(startsAt), new Date(endsAt), { timeZone: 'Europe/Berlin' });

  /**
   * Moves a fixed clock from `from` to `to` in steps, and at each step runs two scheduler passes at
   * once; whatever they start is checked (no run for an occurrence still ahead of the clock) and
   * marked finished, as the sender would.
   */
  async function walk(mailingIds: number[], from: string, to: string, stepMinutes: number) {
    const clock = new FixedClock(new Date(from));
    const scheduler = createScheduler({
      repository: createSendingRepository(t.c.db),
      clock,
      logger: t.c.logger,
      catchUpMaxAgeHours: 6,
    });
    const end = new Date(to).getTime();
    for (; clock.now().getTime() <= end; clock.advance(stepMinutes * MINUTE)) {
      const passes = await Promise.all([scheduler.runDue(), scheduler.runDue()]);
      if (passes.every((pass) => pass.created === 0)) continue;
      const early = await t.c.db
        .select()
        .from(runs)
        .where(and(inArray(runs.mailingId, mailingIds), gt(runs.occurrenceAt, clock.now())));
      assert.deepEqual(early, [], `no run ahead of the clock at ${clock.now().toISOString()}`);
      await t.c.db
        .update(runs)
        .set({ state: 'finished' })
        .where(and(inArray(runs.mailingId, mailingIds), eq(runs.state, 'sending')));
    }
  }

  /** Passes at each of the instants given (a re-run of `herald send-due`, a scheduler restarted late) create nothing. */
  async function replay(mailingIds: number[], instants: string[]) {
    const before = await t.c.db.$count(runs, inArray(runs.mailingId, mailingIds));
    for (const instant of instants) {
      const scheduler = createScheduler({
        repository: createSendingRepository(t.c.db),
        clock: new FixedClock(new Date(instant)),
        logger: t.c.logger,
        catchUpMaxAgeHours: 6,
      });
      assert.deepEqual(await scheduler.runDue(), { created: 0, skipped: 0 }, `a pass again at ${instant}`);
    }
    assert.equal(await t.c.db.$count(runs, inArray(runs.mailingId, mailingIds)), before);
  }

  /** The occurrences a mailing has runs for, oldest first; every one a scheduled run the sender finished. */
  async function occurrencesOf(mailingId: number): Promise<string[]> {
    const rows = await runsOf(mailingId);
    for (const run of rows) assert.deepEqual([run.trigger, run.state], ['scheduled', 'finished'], JSON.stringify(run));
    return rows.map((run) => run.occurrenceAt?.toISOString() ?? 'none');
  }

  test('daily at 09:00: one run a day, at 08:00Z in winter and 07:00Z in summer, across both transitions', async () => {
    const spring = await berlin({ kind: 'daily' }, '2026-03-27T08:00:00Z', '2026-03-31T00:00:00Z');
    const autumn = await berlin({ kind: 'daily' }, '2026-10-23T07:00:00Z', '2026-10-27T00:00:00Z');
    await walk([spring.id], '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z', 60);
    await walk([autumn.id], '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z', 60);
    const springRuns = [
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ];
    const autumnRuns = [
      '2026-10-23T07:00:00.000Z',
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ];
    assert.deepEqual(await occurrencesOf(spring.id), springRuns);
    assert.deepEqual(await occurrencesOf(autumn.id), autumnRuns);
    // The first pass after the transition, an hour either side of the old time, adds nothing.
    await replay(
      [spring.id, autumn.id],
      [...springRuns, ...autumnRuns, '2026-03-29T08:00:00Z', '2026-10-25T07:00:00Z', '2026-10-25T09:00:00Z'],
    );
  });

  test('weekly on Sundays at 09:00: the transition Sunday fires once, at its own local 09:00', async () => {
    const spring = await berlin({ kind: 'weekly', weekdays: [7] }, '2026-03-22T08:00:00Z', '2026-04-06T00:00:00Z');
    const autumn = await berlin({ kind: 'weekly', weekdays: [7] }, '2026-10-18T07:00:00Z', '2026-11-02T00:00:00Z');
    // Four-hour steps: each occurrence is picked up within the six-hour catch-up limit.
    await walk([spring.id], '2026-03-22T00:00:00Z', '2026-04-06T00:00:00Z', 240);
    await walk([autumn.id], '2026-10-18T00:00:00Z', '2026-11-02T00:00:00Z', 240);
    assert.deepEqual(await occurrencesOf(spring.id), [
      '2026-03-22T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-04-05T07:00:00.000Z',
    ]);
    assert.deepEqual(await occurrencesOf(autumn.id), [
      '2026-10-18T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
    await replay([spring.id, autumn.id], ['2026-03-29T07:00:00Z', '2026-03-29T08:00:00Z', '2026-10-25T08:00:00Z']);
  });

  test('monthly: day 29 (clamped in February) and day 25 fall on the transition Sundays and fire once', async () => {
    const spring = await berlin({ kind: 'monthly', dayOfMonth: 29 }, '2026-02-28T08:00:00Z', '2026-04-01T00:00:00Z');
    const autumn = await berlin({ kind: 'monthly', dayOfMonth: 25 }, '2026-09-25T07:00:00Z', '2026-10-31T00:00:00Z');
    // Five-hour steps: each occurrence is picked up within the six-hour catch-up limit.
    await walk([spring.id], '2026-02-28T00:00:00Z', '2026-04-01T00:00:00Z', 300);
    await walk([autumn.id], '2026-09-25T00:00:00Z', '2026-10-31T00:00:00Z', 300);
    assert.deepEqual(await occurrencesOf(spring.id), ['2026-02-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
    assert.deepEqual(await occurrencesOf(autumn.id), ['2026-09-25T07:00:00.000Z', '2026-10-25T08:00:00.000Z']);
    await replay([spring.id, autumn.id], ['2026-03-29T07:00:00Z', '2026-03-29T12:00:00Z', '2026-10-25T08:00:00Z']);
  });

  test('daily at 02:30: the missing 02:30 fires once at 03:30 CEST; the repeated 02:30 fires once, at the first', async () => {
    const spring = await berlin({ kind: 'daily' }, '2026-03-27T01:30:00Z', '2026-03-31T00:00:00Z');
    const autumn = await berlin({ kind: 'daily' }, '2026-10-23T00:30:00Z', '2026-10-27T00:00:00Z');
    // Every half hour, so a pass falls on each 02:30 instant (the autumn one twice).
    await walk([spring.id], '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z', 30);
    await walk([autumn.id], '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z', 30);
    assert.deepEqual(await occurrencesOf(spring.id), [
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      // 2026-03-29 02:30 does not exist in Berlin: it is 03:30 CEST.
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    assert.deepEqual(await occurrencesOf(autumn.id), [
      '2026-10-23T00:30:00.000Z',
      '2026-10-24T00:30:00.000Z',
      // 2026-10-25 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET): one run, at the first.
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // The second 02:30, and the hour after it, again: still one run that day.
    await replay([spring.id, autumn.id], ['2026-03-29T01:00:00Z', '2026-10-25T01:30:00Z', '2026-10-25T02:29:00Z']);
  });
});
