import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { apiTokens, sessions, users, userTokens } from '../../db/schema.ts';

export type TokenPurpose = (typeof userTokens.$inferSelect)['purpose'];
export type ApiTokenRow = typeof apiTokens.$inferSelect;

/**
 * `changed` is called once a session is ended or an API token revoked (committed): signed-in
 * people are cached by it (the `auth` namespace).
 */
export function createAuthRepository(db: Db, changed: () => Promise<void> = async () => {}) {
  // Every request asks one of these two, so they are built once and prepared.
  const sessionUser = db
    .select({ sessionId: sessions.id, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sql.placeholder('tokenHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .prepare('auth_session_user');
  const apiTokenUser = db
    .select({ tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('tokenHash')), isNull(apiTokens.revokedAt)))
    .prepare('auth_api_token_user');

  return {
    async insertSession(values: { tokenHash: string; userId: number; expiresAt: Date; userAgent: string | null }) {
      const [row] = await db.insert(sessions).values(values).returning({ id: sessions.id });
      return row;
    },

    /** The session's user, if the session exists and has not expired. */
    async findSessionUser(tokenHash: string, now: Date) {
      const [row] = await sessionUser.execute({ tokenHash, now });
      return row ?? null;
    },

    async touchSession(sessionId: number, now: Date): Promise<void> {
      await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sessionId));
    },

    async deleteSessionByHash(tokenHash: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
      await changed();
    },

    /** Ends every session of a user, except the one given (the one that made the change). */
    async deleteSessionsOfUser(userId: number, exceptTokenHash?: string): Promise<void> {
      await db
        .delete(sessions)
        .where(
          exceptTokenHash
            ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, exceptTokenHash))
            : eq(sessions.userId, userId),
        );
      await changed();
    },

    async insertUserToken(values: { userId: number; purpose: TokenPurpose; tokenHash: string; expiresAt: Date }) {
      await db.insert(userTokens).values(values);
    },

    async findUserToken(tokenHash: string, purpose: TokenPurpose) {
      const [row] = await db
        .select()
        .from(userTokens)
        .where(and(eq(userTokens.tokenHash, tokenHash), eq(userTokens.purpose, purpose)));
      return row ?? null;
    },

    /** Marks a token used if it still is usable; exactly one caller wins a race for the same token. */
    async consumeUserToken(tokenHash: string, purpose: TokenPurpose, now: Date) {
      const [row] = await db
        .update(userTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(userTokens.tokenHash, tokenHash),
            eq(userTokens.purpose, purpose),
            isNull(userTokens.usedAt),
            gt(userTokens.expiresAt, now),
          ),
        )
        .returning();
      return row ?? null;
    },

    /** Older unused tokens of the same purpose stop working when a new one is sent. */
    async expireUserTokens(userId: number, purpose: TokenPurpose, now: Date): Promise<void> {
      await db
        .update(userTokens)
        .set({ usedAt: now })
        .where(and(eq(userTokens.userId, userId), eq(userTokens.purpose, purpose), isNull(userTokens.usedAt)));
    },

    async insertApiToken(values: { userId: number; name: string; tokenHash: string; prefix: string }) {
      const [row] = await db.insert(apiTokens).values(values).returning();
      return row as ApiTokenRow;
    },

    async listApiTokens(userId: number): Promise<ApiTokenRow[]> {
      return db
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
        .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
    },

    /** Revokes one of the user's own tokens; another user's token id matches nothing. */
    async revokeApiToken(userId: number, tokenId: number, now: Date): Promise<boolean> {
      const rows = await db
        .update(apiTokens)
        .set({ revokedAt: now })
        .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
        .returning({ id: apiTokens.id });
      if (rows.length > 0) await changed();
      return rows.length > 0;
    },

    async findApiTokenUser(tokenHash: string) {
      const [row] = await apiTokenUser.execute({ tokenHash });
      return row ?? null;
    },

    async touchApiToken(tokenId: number, now: Date): Promise<void> {
      await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, tokenId));
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
