import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/**
 * One-click unsubscribe links carry the owner and the address, signed with the instance secret:
 * nothing to store, nothing to guess, and a changed character invalidates the link.
 */
export function createUnsubscribeTokens(secretKey: string) {
  // A key object is prepared once; a string key would be copied into a new one for every link.
  const key = createSecretKey(Buffer.from(`unsubscribe:${secretKey}`, 'utf8'));
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    create(ownerId: number, email: string): string {
      const payload = Buffer.from(JSON.stringify([ownerId, email])).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    /** The owner and address of a valid token, or null for anything forged, altered or malformed. */
    verify(token: string): { ownerId: number; email: string } | null {
      if (token.length > 1000) return null;
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) return null;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      try {
        const [ownerId, email] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [unknown, unknown];
        return typeof ownerId === 'number' && typeof email === 'string' ? { ownerId, email } : null;
      } catch {
        return null;
      }
    },
  };
}

export type UnsubscribeTokens = ReturnType<typeof createUnsubscribeTokens>;
