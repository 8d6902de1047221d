import { and, asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { mailingRecipients, mailings, messages, recipients, users } from '../../db/schema.ts';
import type { OwnerScope } from '../../lib/scope.ts';
import type { Schedule } from './schedule.ts';

export type MailingRow = typeof mailings.$inferSelect;

/** A mailing with what every view of it shows: owner, message subject, recipient and run counts. */
export type MailingView = MailingRow & {
  ownerEmail: string;
  ownerBlocked: boolean;
  messageSubject: string;
  recipientCount: number;
  runCount: number;
  activeRunCount: number;
  lastRunAt: Date | null;
};

export interface MailingValues {
  name: string;
  messageId: number;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  schedule: Schedule;
}

const scopeCondition = (scope: OwnerScope): SQL | undefined =>
  scope.kind === 'own' ? eq(mailings.ownerId, scope.ownerId) : undefined;

const viewColumns = {
  id: mailings.id,
  ownerId: mailings.ownerId,
  name: mailings.name,
  messageId: mailings.messageId,
  startsAt: mailings.startsAt,
  endsAt: mailings.endsAt,
  timeZone: mailings.timeZone,
  schedule: mailings.schedule,
  pausedAt: mailings.pausedAt,
  disabledAt: mailings.disabledAt,
  disabledReason: mailings.disabledReason,
  disabledBy: mailings.disabledBy,
  createdAt: mailings.createdAt,
  updatedAt: mailings.updatedAt,
  ownerEmail: users.email,
  ownerBlocked: sql<boolean>`${users.blockedAt} IS NOT NULL`,
  messageSubject: messages.subject,
  recipientCount: sql<number>`(SELECT count(*)::int FROM mailing_recipients mr WHERE mr.mailing_id = ${mailings.id})`,
  runCount: sql<number>`(SELECT count(*)::int FROM runs r WHERE r.mailing_id = ${mailings.id} AND r.state <> 'skipped')`,
  activeRunCount: sql<number>`(SELECT count(*)::int FROM runs r WHERE r.mailing_id = ${mailings.id} AND r.state = 'sending')`,
  lastRunAt: sql<Date | null>`(SELECT max(r.created_at) FROM runs r WHERE r.mailing_id = ${mailings.id} AND r.state <> 'skipped')`,
};

export function createMailingsRepository(db: Db) {
  const base = () =>
    db
      .select(viewColumns)
      .from(mailings)
      .innerJoin(users, eq(users.id, mailings.ownerId))
      .innerJoin(messages, eq(messages.id, mailings.messageId));

  /** Drivers differ in how they return a timestamp computed in SQL; make it a Date. */
  const normalise = (row: MailingView): MailingView => ({
    ...row,
    lastRunAt: row.lastRunAt === null ? null : new Date(row.lastRunAt),
  });

  return {
    /** Every mailing in scope (status is computed in code, by the one status function). */
    async listAll(scope: OwnerScope, q?: string): Promise<MailingView[]> {
      const search = q ? sql`${mailings.name} ILIKE ${`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : undefined;
      const rows = await base()
        .where(and(scopeCondition(scope), search))
        .orderBy(sql`${mailings.createdAt} DESC`, asc(mailings.id));
      return rows.map(normalise);
    },

    async find(scope: OwnerScope, id: number): Promise<MailingView | null> {
      const [row] = await base().where(and(eq(mailings.id, id), scopeCondition(scope)));
      return row ? normalise(row) : null;
    },

    async recipientIds(mailingId: number): Promise<number[]> {
      const rows = await db
        .select({ id: mailingRecipients.recipientId })
        .from(mailingRecipients)
        .where(eq(mailingRecipients.mailingId, mailingId))
        .orderBy(asc(mailingRecipients.recipientId));
      return rows.map((row) => row.id);
    },

    /** True when the message belongs to the owner: a mailing may only use its owner's message. */
    async ownsMessage(ownerId: number, messageId: number): Promise<boolean> {
      const [row] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.id, messageId), eq(messages.ownerId, ownerId)));
      return Boolean(row);
    },

    /** How many of these recipient ids belong to the owner. */
    async countOwnedRecipients(ownerId: number, ids: number[]): Promise<number> {
      if (ids.length === 0) return 0;
      const [row] = await db
        .select({ n: count() })
        .from(recipients)
        .where(and(eq(recipients.ownerId, ownerId), inArray(recipients.id, ids)));
      return row?.n ?? 0;
    },

    /** The owner's messages and recipients, for the choices of the mailing form. */
    async formChoices(ownerId: number, recipientLimit: number) {
      const [ownMessages, ownRecipients, [total]] = await Promise.all([
        db
          .select({ id: messages.id, subject: messages.subject })
          .from(messages)
          .where(eq(messages.ownerId, ownerId))
          .orderBy(sql`${messages.updatedAt} DESC`),
        db
          .select({ id: recipients.id, email: recipients.email, fullName: recipients.fullName })
          .from(recipients)
          .where(eq(recipients.ownerId, ownerId))
          .orderBy(asc(recipients.email))
          .limit(recipientLimit),
        db.select({ n: count() }).from(recipients).where(eq(recipients.ownerId, ownerId)),
      ]);
      return { messages: ownMessages, recipients: ownRecipients, recipientTotal: total?.n ?? 0 };
    },

    async allRecipientIds(ownerId: number): Promise<number[]> {
      const rows = await db.select({ id: recipients.id }).from(recipients).where(eq(recipients.ownerId, ownerId));
      return rows.map((row) => row.id);
    },

    /** Creates the mailing and its recipient links in one transaction. */
    async insert(ownerId: number, values: MailingValues, recipientIds: number[]): Promise<number> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(mailings)
          .values({ ownerId, ...values })
          .returning({ id: mailings.id });
        const id = row?.id as number;
        await linkRecipients(tx as unknown as Db, id, recipientIds);
        return id;
      });
    },

    /** Replaces the mailing's fields and recipients in one transaction. */
    async update(id: number, values: MailingValues, recipientIds: number[], at: Date): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(mailings)
          .set({ ...values, updatedAt: at })
          .where(eq(mailings.id, id));
        await tx.delete(mailingRecipients).where(eq(mailingRecipients.mailingId, id));
        await linkRecipients(tx as unknown as Db, id, recipientIds);
      });
    },

    async delete(id: number): Promise<void> {
      await db.delete(mailings).where(eq(mailings.id, id));
    },

    async setPaused(id: number, pausedAt: Date | null): Promise<void> {
      await db.update(mailings).set({ pausedAt }).where(eq(mailings.id, id));
    },

    async setDisabled(id: number, disabled: { at: Date; reason: string; by: number } | null): Promise<void> {
      await db
        .update(mailings)
        .set(
          disabled
            ? { disabledAt: disabled.at, disabledReason: disabled.reason || null, disabledBy: disabled.by }
            : { disabledAt: null, disabledReason: null, disabledBy: null },
        )
        .where(eq(mailings.id, id));
    },

    /** Figures for the home page: mailings, Running ones are counted by the caller, unique addresses. */
    async countUniqueRecipientAddresses(scope: OwnerScope): Promise<number> {
      const where = scope.kind === 'own' ? sql`WHERE owner_id = ${scope.ownerId}` : sql``;
      const [row] = await queryRows<{ n: number }>(db, sql`SELECT count(DISTINCT email)::int AS n FROM recipients ${where}`);
      return row?.n ?? 0;
    },
  };
}

/** Links recipients in one statement per 10,000 ids (unnest of an int array). */
async function linkRecipients(db: Db, mailingId: number, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 10_000) {
    const chunk = ids.slice(i, i + 10_000);
    await db.execute(
      sql`INSERT INTO mailing_recipients (mailing_id, recipient_id)
          SELECT ${mailingId}, unnest(${`{${chunk.join(',')}}`}::int[]) ON CONFLICT DO NOTHING`,
    );
  }
}

export type MailingsRepository = ReturnType<typeof createMailingsRepository>;
