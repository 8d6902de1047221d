import { and, asc, count, desc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { recipients, suppressions, users } from '../../db/schema.ts';
import type { OwnerScope, Page } from '../../lib/scope.ts';

export type RecipientRow = typeof recipients.$inferSelect;
export type RecipientView = RecipientRow & { ownerEmail: string; suppressedReason: string | null };

export const recipientSorts = ['email', 'fullName', 'createdAt'] as const;
export type RecipientSort = (typeof recipientSorts)[number];

export interface RecipientListQuery {
  q?: string | undefined;
  sort: RecipientSort;
  direction: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

const scopeCondition = (scope: OwnerScope): SQL | undefined =>
  scope.kind === 'own' ? eq(recipients.ownerId, scope.ownerId) : undefined;

/** LIKE patterns take the user's text literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const viewColumns = {
  id: recipients.id,
  ownerId: recipients.ownerId,
  email: recipients.email,
  fullName: recipients.fullName,
  comment: recipients.comment,
  createdAt: recipients.createdAt,
  updatedAt: recipients.updatedAt,
  ownerEmail: users.email,
  suppressedReason: suppressions.reason,
};

export function createRecipientsRepository(db: Db) {
  const base = () =>
    db
      .select(viewColumns)
      .from(recipients)
      .innerJoin(users, eq(users.id, recipients.ownerId))
      .leftJoin(suppressions, and(eq(suppressions.ownerId, recipients.ownerId), eq(suppressions.email, recipients.email)));

  return {
    async list(scope: OwnerScope, query: RecipientListQuery): Promise<Page<RecipientView>> {
      const search = query.q
        ? or(ilike(recipients.email, likePattern(query.q)), ilike(recipients.fullName, likePattern(query.q)))
        : undefined;
      const where = and(scopeCondition(scope), search);
      const column = { email: recipients.email, fullName: recipients.fullName, createdAt: recipients.createdAt }[query.sort];
      // The tie-break follows the sort's direction, so one index serves both directions.
      const by = query.direction === 'asc' ? asc : desc;
      const [items, [total]] = await Promise.all([
        base()
          .where(where)
          .orderBy(by(column), by(recipients.id))
          .limit(query.pageSize)
          .offset((query.page - 1) * query.pageSize),
        db.select({ n: count() }).from(recipients).where(where),
      ]);
      return { items, total: total?.n ?? 0, page: query.page, pageSize: query.pageSize };
    },

    async find(scope: OwnerScope, id: number): Promise<RecipientView | null> {
      const [row] = await base().where(and(eq(recipients.id, id), scopeCondition(scope)));
      return row ?? null;
    },

    /** Inserts one recipient; null when the owner already has this address. */
    async insert(values: { ownerId: number; email: string; fullName: string; comment: string }): Promise<RecipientRow | null> {
      const [row] = await db.insert(recipients).values(values).onConflictDoNothing().returning();
      return row ?? null;
    },

    /** Updates; 'duplicate' when another of the owner's recipients has the new address. */
    async update(id: number, values: { email: string; fullName: string; comment: string }, at: Date) {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`UPDATE recipients SET email = ${values.email}, full_name = ${values.fullName}, comment = ${values.comment},
              updated_at = ${at.toISOString()}::timestamptz
            WHERE id = ${id}
              AND NOT EXISTS (SELECT 1 FROM recipients r2 WHERE r2.owner_id = recipients.owner_id
                              AND r2.email = ${values.email} AND r2.id <> ${id})
            RETURNING id`,
      );
      return rows.length ? 'updated' : 'duplicate';
    },

    async delete(id: number): Promise<void> {
      await db.delete(recipients).where(eq(recipients.id, id));
    },

    /**
     * Inserts a batch in one statement (unnest), skipping addresses the owner already has.
     * Returns the addresses that were new.
     */
    async insertBatch(ownerId: number, rows: { email: string; fullName: string; comment: string }[]): Promise<Set<string>> {
      if (rows.length === 0) return new Set();
      const inserted = await queryRows<{ email: string }>(
        db,
        sql`INSERT INTO recipients (owner_id, email, full_name, comment)
            SELECT ${ownerId}, e, n, c
            FROM unnest(${toPgArray(rows.map((r) => r.email))}::text[], ${toPgArray(rows.map((r) => r.fullName))}::text[],
                        ${toPgArray(rows.map((r) => r.comment))}::text[]) AS t(e, n, c)
            ON CONFLICT (owner_id, email) DO NOTHING
            RETURNING email`,
      );
      return new Set(inserted.map((row) => row.email));
    },

    /** Streams every recipient in scope in id order, a page at a time (keyset pagination). */
    async *iterate(scope: OwnerScope, batchSize = 2000): AsyncGenerator<RecipientView[]> {
      let lastId = 0;
      for (;;) {
        const rows = await base()
          .where(and(scopeCondition(scope), sql`${recipients.id} > ${lastId}`))
          .orderBy(asc(recipients.id))
          .limit(batchSize);
        if (rows.length === 0) return;
        yield rows;
        lastId = rows[rows.length - 1]?.id ?? lastId;
      }
    },

    async countInScope(scope: OwnerScope): Promise<number> {
      const [row] = await db.select({ n: count() }).from(recipients).where(scopeCondition(scope));
      return row?.n ?? 0;
    },
  };
}

/** A PostgreSQL array literal, so one parameter carries a whole column of a batch on both drivers. */
function toPgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

export type RecipientsRepository = ReturnType<typeof createRecipientsRepository>;
