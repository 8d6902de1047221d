import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { devMailbox } from '../../db/schema.ts';

export type CapturedMail = typeof devMailbox.$inferSelect;

export function createMailRepository(db: Db) {
  return {
    async capture(values: { toAddress: string; subject: string; text: string; html: string | null; links: string[] }) {
      const [row] = await db.insert(devMailbox).values(values).returning();
      return row as CapturedMail;
    },
    async listCaptured(limit = 100): Promise<CapturedMail[]> {
      return db.select().from(devMailbox).orderBy(desc(devMailbox.id)).limit(limit);
    },
    async findCaptured(id: number): Promise<CapturedMail | null> {
      const [row] = await db.select().from(devMailbox).where(eq(devMailbox.id, id));
      return row ?? null;
    },
  };
}

export type MailRepository = ReturnType<typeof createMailRepository>;
