import { and, asc, count, desc, eq, getTableColumns, ilike, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import type { Page } from '../../lib/scope.ts';
import type { Role } from '../../permissions.ts';

export type UserRow = typeof users.$inferSelect;
/** A user as lists show it: everything but the password hash. */
export type UserSummary = Omit<UserRow, 'passwordHash'>;

export const userStates = ['active', 'blocked', 'unconfirmed'] as const;
export type UserState = (typeof userStates)[number];
export const userSorts = ['email', 'fullName', 'role', 'createdAt'] as const;

export interface UserListQuery {
  q?: string | undefined;
  state?: UserState | undefined;
  role?: Role | undefined;
  sort: (typeof userSorts)[number];
  direction: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

/** What an oversight change found: the user it changed, or why it changed nothing. */
export type OversightOutcome =
  | { kind: 'done'; user: UserRow }
  | { kind: 'unchanged'; user: UserRow }
  | { kind: 'not_found' }
  | { kind: 'role_not_allowed'; user: UserRow }
  | { kind: 'last_admin'; user: UserRow };

/** Blocked wins over unconfirmed: a blocked account cannot log in either way. */
export const stateOf = (user: Pick<UserRow, 'blockedAt' | 'emailConfirmedAt'>): UserState =>
  user.blockedAt ? 'blocked' : user.emailConfirmedAt ? 'active' : 'unconfirmed';

const stateCondition: Record<UserState, SQL | undefined> = {
  active: and(isNull(users.blockedAt), isNotNull(users.emailConfirmedAt)),
  blocked: isNotNull(users.blockedAt),
  unconfirmed: and(isNull(users.blockedAt), isNull(users.emailConfirmedAt)),
};

/** LIKE patterns take the user's text literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const { passwordHash: _hash, ...summaryColumns } = getTableColumns(users);

/**
 * `changed` is called after every write that changes an existing account (confirmation, profile,
 * password, role, block, deletion), once it is committed: signed-in people are cached by it
 * (the `auth` namespace). A repository that only reads or inserts may leave it out.
 */
export function createUsersRepository(db: Db, changed: () => Promise<void> = async () => {}) {
  /** The outcome of a write, after telling `changed` when it changed an account. */
  const announced = async <T extends { kind: string }>(outcome: T): Promise<T> => {
    if (outcome.kind === 'done') await changed();
    return outcome;
  };
  type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

  /**
   * Runs `change` in a transaction holding the target and every admin row (locked in id order, so
   * concurrent oversight actions queue instead of deadlocking), after checking the target's role and
   * that another admin who is not blocked would remain.
   */
  const guarded = (id: number, roles: readonly Role[], change: (tx: Tx, user: UserRow) => Promise<OversightOutcome>) =>
    db.transaction(async (tx): Promise<OversightOutcome> => {
      const locked = await tx
        .select()
        .from(users)
        .where(or(eq(users.id, id), eq(users.role, 'admin')))
        .orderBy(asc(users.id))
        .for('update');
      const user = locked.find((row) => row.id === id);
      if (!user) return { kind: 'not_found' };
      if (!roles.includes(user.role)) return { kind: 'role_not_allowed', user };
      const otherAdmin = locked.some((row) => row.id !== id && row.role === 'admin' && !row.blockedAt);
      if (user.role === 'admin' && !otherAdmin) return { kind: 'last_admin', user };
      return change(tx, user);
    });

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
      language?: 'en' | 'ru';
    }): Promise<UserRow | null> {
      const [row] = await db.insert(users).values(values).onConflictDoNothing({ target: users.email }).returning();
      return row ?? null;
    },

    async confirmEmail(id: number, at: Date): Promise<void> {
      await db
        .update(users)
        .set({ emailConfirmedAt: sql`coalesce(${users.emailConfirmedAt}, ${at})`, updatedAt: at })
        .where(eq(users.id, id));
      await changed();
    },

    async updateProfile(id: number, values: { fullName: string; timeZone: string; language: 'en' | 'ru' }, at: Date) {
      const [row] = await db
        .update(users)
        .set({ ...values, updatedAt: at })
        .where(eq(users.id, id))
        .returning();
      await changed();
      return row ?? null;
    },

    async updatePassword(id: number, passwordHash: string, at: Date): Promise<void> {
      await db.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, id));
      await changed();
    },

    /** Gives the user a role, under the same guard as blocking: the last admin who can act keeps the role. */
    async updateRole(id: number, role: Role, at: Date): Promise<OversightOutcome> {
      return announced(
        await guarded(id, ['user', 'manager', 'admin'], async (tx) => {
          const [row] = await tx.update(users).set({ role, updatedAt: at }).where(eq(users.id, id)).returning();
          return row ? { kind: 'done', user: row } : { kind: 'not_found' };
        }),
      );
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

    /** One page of users: search by e-mail or name, filter by state and role. */
    async list(query: UserListQuery): Promise<Page<UserSummary>> {
      const search = query.q
        ? or(ilike(users.email, likePattern(query.q)), ilike(users.fullName, likePattern(query.q)))
        : undefined;
      const where = and(
        search,
        query.state ? stateCondition[query.state] : undefined,
        query.role ? eq(users.role, query.role) : undefined,
      );
      const column = { email: users.email, fullName: users.fullName, role: users.role, createdAt: users.createdAt }[query.sort];
      const [items, [total]] = await Promise.all([
        db
          .select(summaryColumns)
          .from(users)
          .where(where)
          .orderBy(query.direction === 'asc' ? asc(column) : desc(column), asc(users.id))
          .limit(query.pageSize)
          .offset((query.page - 1) * query.pageSize),
        db.select({ n: count() }).from(users).where(where),
      ]);
      return { items, total: total?.n ?? 0, page: query.page, pageSize: query.pageSize };
    },

    /**
     * Blocks a user (UPDATE) unless their role is not in `roles` or they are the last admin who can
     * act. Runs on locked rows, so two admins blocking each other at once cannot lock everyone out.
     */
    async block(id: number, change: { at: Date; reason: string | null; roles: readonly Role[] }): Promise<OversightOutcome> {
      const outcome = await guarded(id, change.roles, async (tx, user): Promise<OversightOutcome> => {
        if (user.blockedAt) return { kind: 'unchanged', user };
        const [row] = await tx
          .update(users)
          .set({ blockedAt: change.at, blockedReason: change.reason, updatedAt: change.at })
          .where(eq(users.id, id))
          .returning();
        return row ? { kind: 'done', user: row } : { kind: 'not_found' };
      });
      return announced(outcome);
    },

    /** Lifts a block (UPDATE); 'unchanged' when the user was not blocked. */
    async unblock(id: number, change: { at: Date; roles: readonly Role[] }): Promise<OversightOutcome> {
      const user = await this.findById(id);
      if (!user) return { kind: 'not_found' };
      if (!change.roles.includes(user.role)) return { kind: 'role_not_allowed', user };
      const [row] = await db
        .update(users)
        .set({ blockedAt: null, blockedReason: null, updatedAt: change.at })
        .where(and(eq(users.id, id), isNotNull(users.blockedAt)))
        .returning();
      return announced(row ? { kind: 'done', user: row } : { kind: 'unchanged', user });
    },

    /** Deletes a user and, by cascade, everything they own (DELETE); never the last admin who can act. */
    async deleteUser(id: number): Promise<OversightOutcome> {
      return announced(
        await guarded(id, ['user', 'manager', 'admin'], async (tx, user) => {
          const rows = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
          return rows.length ? { kind: 'done', user } : { kind: 'not_found' };
        }),
      );
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
