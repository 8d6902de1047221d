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

  /**
   * The query of a list page, built once per shape (scope, search or not, sort, direction) and
   * prepared: building it with drizzle on every request cost more than running it.
   */
  const pageStatements = new Map<string, ReturnType<typeof preparePage>>();
  function preparePage(kind: OwnerScope['kind'], query: RecipientListQuery, name: string) {
    const pattern = sql.placeholder('pattern');
    const column = { email: recipients.email, fullName: recipients.fullName, createdAt: recipients.createdAt }[query.sort];
    // The tie-break follows the sort's direction, so one index serves both directions.
    const by = query.direction === 'asc' ? asc : desc;
    return base()
      .where(
        and(
          kind === 'own' ? eq(recipients.ownerId, sql.placeholder('ownerId')) : undefined,
          query.q ? or(ilike(recipients.email, pattern), ilike(recipients.fullName, pattern)) : undefined,
        ),
      )
      .orderBy(by(column), by(recipients.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(name);
  }
  function pageStatement(kind: OwnerScope['kind'], query: RecipientListQuery) {
    const shape = `${kind}_${query.q ? 'search' : 'all'}_${query.sort}_${query.direction}`;
    let statement = pageStatements.get(shape);
    if (!statement) {
      statement = preparePage(kind, query, `recipients_page_${shape}`);
      pageStatements.set(shape, statement);
    }
    return statement;
  }

  return {
    /**
     * One page of recipients and the number of all that match. `total` may answer the count
     * from elsewhere (a cache): counting 100,000 rows costs more than reading a page.
     */
    async list(
      scope: OwnerScope,
      query: RecipientListQuery,
      total: (count: () => Promise<number>) => Promise<number> = (count) => count(),
    ): Promise<Page<RecipientView>> {
      const search = query.q
        ? or(ilike(recipients.email, likePattern(query.q)), ilike(recipients.fullName, likePattern(query.q)))
        : undefined;
      const where = and(scopeCondition(scope), search);
      const countAll = async () => (await db.select({ n: count() }).from(recipients).where(where))[0]?.n ?? 0;
      const [items, matching] = await Promise.all([
        pageStatement(scope.kind, query).execute({
          ownerId: scope.kind === 'own' ? scope.ownerId : 0,
          pattern: query.q ? likePattern(query.q) : '',
          limit: query.pageSize,
          offset: (query.page - 1) * query.pageSize,
        }),
        total(countAll),
      ]);
      return { items, total: matching, page: query.page, pageSize: query.pageSize };
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
