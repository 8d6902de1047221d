/**
 * The data every measurement sends: one user, N recipients, a personalised Markdown newsletter of
 * about 5 KB, and a mailing of all of them. Rows are made by the database (`generate_series`), so
 * a million recipients take seconds, not a million round trips.
 */
import { sql } from 'drizzle-orm';
import type { Container } from '../src/container.ts';
import { mailings, messages } from '../src/db/schema.ts';
import type { Actor } from '../src/permissions.ts';
import { createUser } from '../test/support/accounts.ts';
import { newsletterBody } from './newsletter.ts';

/** Recipients are spread over this many domains, as a real list is. */
export const RECIPIENT_DOMAINS = 100;

export interface SeededMailing {
  owner: Actor;
  mailingId: number;
  recipients: number;
  bodyBytes: number;
}

/** A confirmed user with `count` recipients and a mailing of all of them, ready for "send now". */
export async function seedMailing(c: Container, options: { recipients: number; bodyBytes: number }): Promise<SeededMailing> {
  const user = await createUser(c, { fullName: 'Benchmark Owner' });
  const owner: Actor = { userId: user.id, role: user.role, email: user.email, fullName: user.fullName, via: 'session' };
  await c.db.execute(sql`
    INSERT INTO recipients (owner_id, email, full_name)
    SELECT ${user.id}, 'reader' || i || '@list' || (i % ${RECIPIENT_DOMAINS}) || '.bench.example', 'Reader ' || i
    FROM generate_series(1, ${options.recipients}) AS i`);
  const body = newsletterBody(options.bodyBytes);
  const [message] = await c.db
    .insert(messages)
    .values({ ownerId: user.id, subject: 'The Herald Monthly for {{name}}', body, format: 'markdown' })
    .returning();
  // The window opens tomorrow, so no scheduler creates a run of its own: only "send now" does.
  const now = Date.now();
  const [mailing] = await c.db
    .insert(mailings)
    .values({
      ownerId: user.id,
      name: `Benchmark, ${options.recipients} recipients`,
      messageId: message!.id,
      startsAt: new Date(now + 86_400_000),
      endsAt: new Date(now + 365 * 86_400_000),
      timeZone: 'UTC',
      schedule: { kind: 'weekly', weekdays: [1] },
    })
    .returning();
  await c.db.execute(sql`
    INSERT INTO mailing_recipients (mailing_id, recipient_id)
    SELECT ${mailing!.id}, id FROM recipients WHERE owner_id = ${user.id}`);
  return { owner, mailingId: mailing!.id, recipients: options.recipients, bodyBytes: Buffer.byteLength(body) };
}
