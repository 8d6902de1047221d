import type { Db } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';

export function createAuditRepository(db: Db) {
  return {
    async insert(values: typeof auditLog.$inferInsert): Promise<void> {
      await db.insert(auditLog).values(values);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
