import { and, asc, count, desc, eq, ilike, type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { mailings, messages, users } from '../../db/schema.ts';
import type { OwnerScope, Page } from '../../lib/scope.ts';

export type MessageRow = typeof messages.$inferSelect;
export type MessageView = MessageRow & { ownerEmail: string };
export type MessageFormat = MessageRow['format'];

export const messageSorts = ['subject', 'createdAt', 'updatedAt'] as const;
export type MessageSort = (typeof messageSorts)[number];

export interface MessageListQuery {
  q?: string | undefined;
  sort: MessageSort;
  direction: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export interface MessageValues {
  subject: string;
  body: string;
  format: MessageFormat;
}

const scopeCondition = (scope: OwnerScope): SQL | undefined =>
  scope.kind === 'own' ? eq(messages.ownerId, scope.ownerId) : undefined;

/** LIKE patterns take the user's text literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const viewColumns = {
  id: messages.id,
  ownerId: messages.ownerId,
  subject: messages.subject,
  body: messages.body,
  format: messages.format,
  createdAt: messages.createdAt,
  updatedAt: messages.updatedAt,
  ownerEmail: users.email,
};

/** A foreign-key violation (SQLSTATE 23503), however the driver wraps it. */
const isForeignKeyViolation = (error: unknown): boolean => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23503') return true;
  }
  return false;
};

export function createMessagesRepository(db: Db) {
  const base = () => db.select(viewColumns).from(messages).innerJoin(users, eq(users.id, messages.ownerId));

  /**
   * How many mailings use the message. Unscoped on purpose: the foreign key counts every
   * mailing, and a mailing may only use its owner's message anyway.
   */
  async function countMailingsUsing(id: number): Promise<number> {
    const [row] = await db.select({ n: count() }).from(mailings).where(eq(mailings.messageId, id));
    return row?.n ?? 0;
  }

  return {
    async list(scope: OwnerScope, query: MessageListQuery): Promise<Page<MessageView>> {
      const where = and(scopeCondition(scope), query.q ? ilike(messages.subject, likePattern(query.q)) : undefined);
      const column = { subject: messages.subject, createdAt: messages.createdAt, updatedAt: messages.updatedAt }[query.sort];
      const order = query.direction === 'asc' ? asc(column) : desc(column);
      const [items, [total]] = await Promise.all([
        base()
          .where(where)
          .orderBy(order, asc(messages.id))
          .limit(query.pageSize)
          .offset((query.page - 1) * query.pageSize),
        db.select({ n: count() }).from(messages).where(where),
      ]);
      return { items, total: total?.n ?? 0, page: query.page, pageSize: query.pageSize };
    },

    async find(scope: OwnerScope, id: number): Promise<MessageView | null> {
      const [row] = await base().where(and(eq(messages.id, id), scopeCondition(scope)));
      return row ?? null;
    },

    async insert(values: MessageValues & { ownerId: number }): Promise<MessageRow> {
      const [row] = await db.insert(messages).values(values).returning();
      if (!row) throw new Error('INSERT … RETURNING gave no row');
      return row;
    },

    /** Updates a message the scope may write; false when there is none. */
    async update(scope: OwnerScope, id: number, values: MessageValues, at: Date): Promise<boolean> {
      const rows = await db
        .update(messages)
        .set({ ...values, updatedAt: at })
        .where(and(eq(messages.id, id), scopeCondition(scope)))
        .returning({ id: messages.id });
      return rows.length > 0;
    },

    /**
     * Deletes a message the scope may write unless a mailing uses it: 'in-use' then (the foreign
     * key restricts it too, for a mailing created in between), 'missing' when there is no such row.
     */
    async delete(scope: OwnerScope, id: number): Promise<'deleted' | 'in-use' | 'missing'> {
      try {
        const rows = await queryRows<{ id: number }>(
          db,
          sql`DELETE FROM messages
              WHERE id = ${id} ${scope.kind === 'own' ? sql`AND owner_id = ${scope.ownerId}` : sql``}
                AND NOT EXISTS (SELECT 1 FROM mailings WHERE mailings.message_id = messages.id)
              RETURNING id`,
        );
        if (rows.length) return 'deleted';
      } catch (error) {
        if (isForeignKeyViolation(error)) return 'in-use';
        throw error;
      }
      return (await countMailingsUsing(id)) > 0 ? 'in-use' : 'missing';
    },

    countMailingsUsing,
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
