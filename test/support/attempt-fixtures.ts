import { sql } from 'drizzle-orm';
import type { Container } from '../../src/container.ts';
import { queryRows } from '../../src/db/client.ts';
import { attempts, deliveries, mailings, messages, runs } from '../../src/db/schema.ts';

/**
 * Runs, deliveries and attempts written straight into the tables at fixed times, for tests of
 * what is reported about sending rather than of sending itself.
 */

export interface AttemptSpec {
  at: Date;
  success: boolean;
  code?: number;
  response?: string;
}

export interface DeliverySpec {
  email: string;
  fullName?: string;
  state: 'sent' | 'failed' | 'queued' | 'unknown' | 'suppressed';
  attempts: AttemptSpec[];
}

/** A mailing of `ownerId` with one finished run holding these deliveries and their attempts. */
export async function insertMailingWithAttempts(
  c: Container,
  ownerId: number,
  spec: { name?: string; deliveries: DeliverySpec[] },
): Promise<{ mailingId: number; runId: number }> {
  const mailingId = await insertMailing(c, ownerId, spec.name ?? 'Reported mailing');
  const runId = await insertRun(c, mailingId, spec.deliveries);
  return { mailingId, runId };
}

/** A mailing (weekly, first occurrence far ahead, so no scheduler ever starts it). */
export async function insertMailing(c: Container, ownerId: number, name: string): Promise<number> {
  const [message] = await c.db.insert(messages).values({ ownerId, subject: 'Hello', body: 'News' }).returning();
  const now = Date.now();
  const [mailing] = await c.db
    .insert(mailings)
    .values({
      ownerId,
      name,
      messageId: message!.id,
      startsAt: new Date(now + 30 * 86_400_000),
      endsAt: new Date(now + 365 * 86_400_000),
      timeZone: 'UTC',
      schedule: { kind: 'weekly', weekdays: [1] },
    })
    .returning();
  return mailing!.id;
}

/** A finished run of a mailing, spanning its attempts' times, with these deliveries and attempts. */
export async function insertRun(c: Container, mailingId: number, list: DeliverySpec[]): Promise<number> {
  const times = list.flatMap((d) => d.attempts.map((a) => a.at.getTime()));
  const first = times.length ? Math.min(...times) : Date.now();
  const last = times.length ? Math.max(...times) : Date.now();
  const count = (state: string) => list.filter((d) => d.state === state).length;
  const [run] = await c.db
    .insert(runs)
    .values({
      mailingId,
      trigger: 'manual',
      state: 'finished',
      total: list.length,
      sent: count('sent'),
      failed: count('failed'),
      createdAt: new Date(first - 60_000),
      finishedAt: new Date(last + 60_000),
    })
    .returning();
  for (const d of list) {
    const [delivery] = await c.db
      .insert(deliveries)
      .values({ runId: run!.id, email: d.email, fullName: d.fullName ?? '', state: d.state, attemptCount: d.attempts.length })
      .returning();
    if (d.attempts.length === 0) continue;
    await c.db.insert(attempts).values(
      d.attempts.map((a) => ({
        deliveryId: delivery!.id,
        runId: run!.id,
        attemptedAt: a.at,
        success: a.success,
        code: a.code ?? (a.success ? 250 : 451),
        response: a.response ?? (a.success ? '250 OK' : '451 Try again later'),
        durationMs: 12,
        server: 'smtp.example.com',
      })),
    );
  }
  return run!.id;
}

/** `count` deliveries of one new run, each sent at its first attempt, in two statements. */
export async function insertBulkAttempts(c: Container, mailingId: number, count: number, at: Date): Promise<number> {
  const [run] = await c.db
    .insert(runs)
    .values({ mailingId, trigger: 'manual', state: 'finished', total: count, sent: count, createdAt: at, finishedAt: at })
    .returning();
  await c.db.execute(
    sql`INSERT INTO deliveries (run_id, email, full_name, state, attempt_count)
        SELECT ${run!.id}, 'bulk-' || i || '@example.com', 'Bulk ' || i, 'sent', 1 FROM generate_series(1, ${count}) AS i`,
  );
  await c.db.execute(
    sql`INSERT INTO attempts (delivery_id, run_id, attempted_at, success, code, response, duration_ms, server)
        SELECT id, run_id, ${at.toISOString()}::timestamptz, true, 250, '250 2.0.0 Ok: queued as ' || id, 5, 'smtp.example.com'
        FROM deliveries WHERE run_id = ${run!.id}`,
  );
  const [row] = await queryRows<{ n: number }>(c.db, sql`SELECT count(*)::int AS n FROM attempts WHERE run_id = ${run!.id}`);
  if (row?.n !== count) throw new Error(`expected ${count} attempts, found ${row?.n}`);
  return run!.id;
}
