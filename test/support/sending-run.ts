import { asc, eq, sql } from 'drizzle-orm';
import type { Container } from '../../src/container.ts';
import { queryRows } from '../../src/db/client.ts';
import { attempts, deliveries, mailingRecipients, mailings, messages, recipients, runs } from '../../src/db/schema.ts';
import { toActor } from '../../src/features/auth/auth.service.ts';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import { createUser } from './accounts.ts';
import type { ReceivedMail } from './smtp.ts';

/**
 * The sending fault tests' shared ground: a mailing to thousands of fresh addresses, a run
 * started as "send now" starts it, and an audit that sets what the database says about the run
 * beside what the SMTP server received.
 */

export interface MailingFixture {
  user: UserRow;
  mailingId: number;
  emails: string[];
  /** A personal API token of the owner, for following the run over HTTP. */
  token: string;
}

const CHUNK = 1000;

export interface SeededMailing {
  user: UserRow;
  mailingId: number;
  emails: string[];
}

/**
 * A weekly mailing of `owner` (a fresh user by default) to `count` fresh addresses, named
 * `Person 0…`, with a personalised message. Its window is open for a year but its first
 * occurrence is a day ahead, so no scheduler starts it: only a test's "send now" does. `paused`
 * also keeps this process's sender away from its runs until the test resumes it.
 */
export async function seedMailing(
  c: Container,
  count: number,
  options: { owner?: UserRow; label?: string; paused?: boolean } = {},
): Promise<SeededMailing> {
  const user = options.owner ?? (await createUser(c));
  const [message] = await c.db
    .insert(messages)
    .values({ ownerId: user.id, subject: 'News for {{name}}', body: 'Hello **{{name}}**\n\n[Unsubscribe]({{unsubscribe_url}})' })
    .returning();
  const tag = `${options.label ?? 'mailing'}-${user.id}-${message!.id}`;
  const emails = Array.from({ length: count }, (_, i) => `${tag}-${i}@example.com`);
  const now = Date.now();
  const [mailing] = await c.db
    .insert(mailings)
    .values({
      ownerId: user.id,
      name: `Test mailing ${tag}`,
      messageId: message!.id,
      startsAt: new Date(now + 86_400_000),
      endsAt: new Date(now + 365 * 86_400_000),
      timeZone: 'UTC',
      schedule: { kind: 'weekly', weekdays: [1] },
      ...(options.paused ? { pausedAt: new Date() } : {}),
    })
    .returning();
  for (let i = 0; i < count; i += CHUNK) {
    const rows = await c.db
      .insert(recipients)
      .values(emails.slice(i, i + CHUNK).map((email, j) => ({ ownerId: user.id, email, fullName: `Person ${i + j}` })))
      .returning({ id: recipients.id });
    await c.db.insert(mailingRecipients).values(rows.map((row) => ({ mailingId: mailing!.id, recipientId: row.id })));
  }
  return { user, mailingId: mailing!.id, emails };
}

/** `seedMailing` for the fault tests, with a personal API token of the owner for following the run over HTTP. */
export async function createMailingFixture(c: Container, count: number, label = 'fault'): Promise<MailingFixture> {
  const seeded = await seedMailing(c, count, { label });
  const { token } = await c.auth.createApiToken(toActor(seeded.user, 'session'), { name: 'fault tests' });
  return { ...seeded, token };
}

/**
 * Starts a run of the fixture's mailing as "send now" does. Returns it with its addresses in the
 * order workers claim them (delivery id), so a test can await the e-mail that marks a point in the run.
 */
export async function startRun(c: Container, fixture: MailingFixture): Promise<{ runId: number; order: string[] }> {
  const { runId } = await c.sending.sendNow(toActor(fixture.user, 'session'), fixture.mailingId, 'api');
  const rows = await c.db
    .select({ email: deliveries.email })
    .from(deliveries)
    .where(eq(deliveries.runId, runId))
    .orderBy(asc(deliveries.id));
  return { runId, order: rows.map((row) => row.email) };
}

/** The run's row once it is no longer sending, or null while it is. */
export async function findEndedRun(c: Container, runId: number) {
  const [run] = await c.db.select().from(runs).where(eq(runs.id, runId));
  return run && run.state !== 'sending' ? run : null;
}

/** Delivery counts by state, for progress and failure messages. */
export async function describeRun(c: Container, runId: number): Promise<string> {
  const rows = await queryRows<{ state: string; n: number }>(
    c.db,
    sql`SELECT state, count(*)::int AS n FROM deliveries WHERE run_id = ${runId} GROUP BY state ORDER BY state`,
  );
  return `run ${runId}: ${rows.map((row) => `${row.n} ${row.state}`).join(', ') || 'no deliveries'}`;
}

export interface AttemptFacts {
  success: boolean;
  code: number | null;
  response: string;
  /** The sender process that made the attempt ("<pid>-<tag>"). */
  worker: string | null;
}

/** What the database and the SMTP server say about a run, address by address. */
export interface RunAudit {
  run: typeof runs.$inferSelect;
  /** Deliveries per address (more than one would be a second e-mail waiting to happen). */
  deliveriesPerAddress: Map<string, number>;
  stateOf: Map<string, string>;
  /** How many e-mails the SMTP server accepted for each address of the fixture. */
  received: Map<string, number>;
  /** The envelope sender (MAIL FROM) of the last e-mail the server accepted for each address. */
  envelopeFromOf: Map<string, string>;
  attemptsOf: Map<string, AttemptFacts[]>;
  countByState: Record<string, number>;
}

export async function auditRun(c: Container, runId: number, fixture: MailingFixture, mail: ReceivedMail[]): Promise<RunAudit> {
  const [run] = await c.db.select().from(runs).where(eq(runs.id, runId));
  if (!run) throw new Error(`run ${runId} not found`);
  const rows = await c.db
    .select({ email: deliveries.email, state: deliveries.state })
    .from(deliveries)
    .where(eq(deliveries.runId, runId));
  const deliveriesPerAddress = new Map<string, number>();
  const stateOf = new Map<string, string>();
  const countByState: Record<string, number> = {};
  for (const row of rows) {
    deliveriesPerAddress.set(row.email, (deliveriesPerAddress.get(row.email) ?? 0) + 1);
    stateOf.set(row.email, row.state);
    countByState[row.state] = (countByState[row.state] ?? 0) + 1;
  }
  const mine = new Set(fixture.emails);
  const received = new Map<string, number>();
  const envelopeFromOf = new Map<string, string>();
  for (const one of mail) {
    for (const to of one.to.filter((address) => mine.has(address))) {
      received.set(to, (received.get(to) ?? 0) + 1);
      envelopeFromOf.set(to, one.from);
    }
  }
  const attemptRows = await c.db
    .select({
      email: deliveries.email,
      success: attempts.success,
      code: attempts.code,
      response: attempts.response,
      worker: attempts.worker,
    })
    .from(attempts)
    .innerJoin(deliveries, eq(deliveries.id, attempts.deliveryId))
    .where(eq(attempts.runId, runId))
    .orderBy(asc(attempts.id));
  const attemptsOf = new Map<string, AttemptFacts[]>();
  for (const { email, ...facts } of attemptRows) attemptsOf.set(email, [...(attemptsOf.get(email) ?? []), facts]);
  return { run, deliveriesPerAddress, stateOf, received, envelopeFromOf, attemptsOf, countByState };
}

/** The first few items of a list, for a failure message that stays readable. */
export const sample = (items: Iterable<string>, n = 10) => {
  const all = [...items];
  return all.length <= n ? all.join(', ') : `${all.slice(0, n).join(', ')} … (${all.length} in all)`;
};
