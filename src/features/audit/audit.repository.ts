import { and, asc, count, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { auditLog, users } from '../../db/schema.ts';
import type { OwnerScope, Page } from '../../lib/scope.ts';
import type { AuditListQuery } from './audit.schemas.ts';

export type AuditEntryRow = typeof auditLog.$inferSelect;
/** An entry with the target user's current e-mail, when the target is a user who still exists. */
export type AuditEntryView = AuditEntryRow & { targetEmail: string | null };

/** A manager's scope is the entries they are the actor of. */
const scopeCondition = (scope: OwnerScope): SQL | undefined =>
  scope.kind === 'own' ? eq(auditLog.actorId, scope.ownerId) : undefined;

export function createAuditRepository(db: Db) {
  return {
    async insert(values: typeof auditLog.$inferInsert): Promise<void> {
      await db.insert(auditLog).values(values);
    },

    /** One page of entries in scope, newest first, filtered by action and target. */
    async list(scope: OwnerScope, query: AuditListQuery): Promise<Page<AuditEntryView>> {
      const where = and(
        scopeCondition(scope),
        query.action ? eq(auditLog.action, query.action) : undefined,
        query.targetType ? eq(auditLog.targetType, query.targetType) : undefined,
        query.targetId ? eq(auditLog.targetId, query.targetId) : undefined,
      );
      const [items, [total]] = await Promise.all([
        db
          .select({ ...getTableColumns(auditLog), targetEmail: users.email })
          .from(auditLog)
          .leftJoin(users, and(eq(auditLog.targetType, 'user'), eq(sql`${users.id}::text`, auditLog.targetId)))
          .where(where)
          .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
          .limit(query.pageSize)
          .offset((query.page - 1) * query.pageSize),
        db.select({ n: count() }).from(auditLog).where(where),
      ]);
      return { items, total: total?.n ?? 0, page: query.page, pageSize: query.pageSize };
    },

    /** The actions that occur in scope, for the filter. */
    async listActions(scope: OwnerScope): Promise<string[]> {
      const rows = await db
        .selectDistinct({ action: auditLog.action })
        .from(auditLog)
        .where(scopeCondition(scope))
        .orderBy(asc(auditLog.action));
      return rows.map((row) => row.action);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
