import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** A long random token for links and API access; only its hash is stored. */
export function generateToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A token's SHA-256, as stored (one-shot `hash`: every signed-in request hashes its token). */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

// scrypt N=2^15, r=8, p=1: about 32 MiB and tens of milliseconds a hash (OWASP's minimum is 2^17 / 8 / 1
// for 128 MiB; we stay at 32 MiB so several logins at once do not exhaust a small server).
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 64, maxmem: 64 * 1024 * 1024 };

function scryptAsync(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, SCRYPT.keyLength, { ...params, maxmem: SCRYPT.maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password with scrypt; the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash to compare against when the user does not exist, so both paths cost the same time: the
 * same parameters with a random salt and key, which no password is known to match. It is made
 * without running scrypt, whose 32 MiB at start-up were a third of a worker's peak memory.
 */
export const dummyPasswordHash: Promise<string> = Promise.resolve(
  `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${randomBytes(16).toString('base64')}$${randomBytes(SCRYPT.keyLength).toString('base64')}`,
);
