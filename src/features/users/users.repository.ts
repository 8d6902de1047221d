import { count, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import type { Role } from '../../permissions.ts';

export type UserRow = typeof users.$inferSelect;

export function createUsersRepository(db: Db) {
  return {
    async findById(id: number): Promise<UserRow | null> {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row ?? null;
    },

    async findByEmail(email: string): Promise<UserRow | null> {
      const [row] = await db.select().from(users).where(eq(users.email, email));
      return row ?? null;
    },

    /** Inserts a user; returns null when the e-mail is taken (unique index), never half-writes. */
    async insert(values: {
      email: string;
      fullName: string;
      passwordHash: string;
      role?: Role;
      emailConfirmedAt?: Date | null;
    }): Promise<UserRow | null> {
      const [row] = await db.insert(users).values(values).onConflictDoNothing({ target: users.email }).returning();
      return row ?? null;
    },

    async countByRole(role: Role): Promise<number> {
      const [row] = await db.select({ n: count() }).from(users).where(eq(users.role, role));
      return row?.n ?? 0;
    },

    async confirmEmail(id: number, at: Date): Promise<void> {
      await db
        .update(users)
        .set({ emailConfirmedAt: sql`coalesce(${users.emailConfirmedAt}, ${at})`, updatedAt: at })
        .where(eq(users.id, id));
    },

    async updateProfile(id: number, values: { fullName: string; timeZone: string; language: 'en' | 'ru' }, at: Date) {
      const [row] = await db
        .update(users)
        .set({ ...values, updatedAt: at })
        .where(eq(users.id, id))
        .returning();
      return row ?? null;
    },

    async updatePassword(id: number, passwordHash: string, at: Date): Promise<void> {
      await db.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, id));
    },

    async updateRole(id: number, role: Role, at: Date): Promise<UserRow | null> {
      const [row] = await db.update(users).set({ role, updatedAt: at }).where(eq(users.id, id)).returning();
      return row ?? null;
    },

    /** Creates the first admin only when no admin exists, in one statement, so two setups cannot both win. */
    async insertFirstAdmin(values: { email: string; fullName: string; passwordHash: string }, at: Date) {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`
        INSERT INTO users (email, full_name, password_hash, role, email_confirmed_at, created_at, updated_at)
        SELECT ${values.email}, ${values.fullName}, ${values.passwordHash}, 'admin', ${at.toISOString()}::timestamptz,
               ${at.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz
        WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')
        ON CONFLICT (email) DO NOTHING
        RETURNING id`,
      );
      const id = rows[0]?.id;
      return id === undefined ? null : this.findById(Number(id));
    },

    async existsAdmin(): Promise<boolean> {
      const [row] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
      return Boolean(row);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
