import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { type Language, msg } from '../../i18n/i18n.ts';
import { AUTH, type Cache, versionedKey } from '../../lib/cache.ts';
import type { Clock } from '../../lib/clock.ts';
import { parseId } from '../../lib/ids.ts';
import { dummyPasswordHash, generateToken, hashPassword, hashToken, verifyPassword } from '../../lib/secrets.ts';
import type { Throttle } from '../../lib/throttle.ts';
import { parseInput } from '../../lib/validation.ts';
import type { Actor, Role } from '../../permissions.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { MailService } from '../mail/mail.service.ts';
import type { UserRow, UsersRepository } from '../users/users.repository.ts';
import { accountExistsMail, confirmationMail, passwordResetMail } from './auth.mails.ts';
import type { AuthRepository, TokenPurpose } from './auth.repository.ts';
import {
  apiTokenSchema,
  changePasswordSchema,
  emailOnlySchema,
  linkToken,
  loginSchema,
  registerSchema,
  resetPasswordSchema,
  setupSchema,
} from './auth.schemas.ts';

const HOUR = 3600_000;
export const tokenLifetimes: Record<TokenPurpose, number> = { confirm_email: 48 * HOUR, reset_password: HOUR };
export const API_TOKEN_PREFIX = 'hrd_';

export interface AuthDeps {
  config: Pick<Config, 'baseUrl' | 'sessionTtlDays' | 'login'>;
  users: UsersRepository;
  repository: AuthRepository;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  failuresByAddress: Throttle;
  failuresByIp: Throttle;
  logger: Logger;
  /** Where signed-in people are remembered between requests (under the `auth` namespace). */
  cache: Cache;
}

export const toActor = (user: UserRow, via: Actor['via']): Actor => ({
  userId: user.id,
  role: user.role as Role,
  email: user.email,
  fullName: user.fullName,
  via,
  language: user.language,
  timeZone: user.timeZone,
});

/** A signed-in person as cached: the actor, and what each request checks or touches. */
interface SignedInSession {
  actor: Actor;
  id: number;
  lastSeen: number;
  expires: number;
}
interface SignedInToken {
  actor: Actor;
  id: number;
  lastUsed: number | null;
}

/**
 * How long a signed-in person stays cached. Every change that could end or alter it (logout,
 * password, role, block, profile, deletion, token revocation) moves the `auth` namespace on first,
 * so this only bounds the memory of people who went quiet.
 */
const SIGNED_IN_TTL_SECONDS = 60;

/** Registration, confirmation, login, sessions, password reset and API tokens. */
export function createAuthService(deps: AuthDeps) {
  const { users, repository, clock, cache } = deps;

  /**
   * The cached value of `name` under the current `auth` version, or `load()`'s, cached when it is
   * someone (nobody is never cached: random tokens must not fill the cache). `update` replaces it.
   */
  async function rememberSignedIn<T>(name: string, load: () => Promise<T | undefined>) {
    const key = await versionedKey(cache, name, [AUTH]);
    let value = key === null ? undefined : await cache.get<T>(key);
    if (value === undefined) {
      value = await load();
      if (value === undefined) return undefined;
      if (key !== null) await cache.set(key, value, SIGNED_IN_TTL_SECONDS);
    }
    const update = async (changed: T) => {
      if (key !== null) await cache.set(key, changed, SIGNED_IN_TTL_SECONDS);
    };
    return { value, update };
  }

  async function issueToken(userId: number, purpose: TokenPurpose): Promise<string> {
    const token = generateToken();
    const now = clock.now();
    await repository.expireUserTokens(userId, purpose, now);
    await repository.insertUserToken({
      userId,
      purpose,
      tokenHash: hashToken(token),
      expiresAt: new Date(now.getTime() + tokenLifetimes[purpose]),
    });
    return token;
  }

  async function sendConfirmation(user: UserRow): Promise<void> {
    const token = await issueToken(user.id, 'confirm_email');
    await deps.mail.enqueue(confirmationMail(user, `${deps.config.baseUrl}/confirm/${token}`));
  }

  /** Checks a link token without using it: unknown, used and expired each get their own error. */
  async function checkToken(raw: string, purpose: TokenPurpose) {
    const parsed = linkToken.safeParse(raw);
    const row = parsed.success ? await repository.findUserToken(hashToken(parsed.data), purpose) : null;
    if (!row) throw new AppError('TOKEN_INVALID', 'This link is not valid. Ask for a new one.');
    if (row.usedAt) throw new AppError('TOKEN_INVALID', 'This link has already been used. Ask for a new one.');
    if (row.expiresAt <= clock.now()) throw new AppError('TOKEN_EXPIRED', 'This link has expired. Ask for a new one.');
    return row;
  }

  async function consumeToken(raw: string, purpose: TokenPurpose) {
    await checkToken(raw, purpose);
    const row = await repository.consumeUserToken(hashToken(raw), purpose, clock.now());
    if (!row) throw new AppError('TOKEN_INVALID', 'This link has already been used. Ask for a new one.');
    return row;
  }

  async function startSession(user: UserRow, userAgent: string | null) {
    const token = generateToken();
    const expiresAt = new Date(clock.now().getTime() + deps.config.sessionTtlDays * 24 * HOUR);
    await repository.insertSession({ tokenHash: hashToken(token), userId: user.id, expiresAt, userAgent });
    return { token, expiresAt };
  }

  return {
    tokenLifetimes,

    /**
     * Creates an inactive account and mails a confirmation link. The answer is the same whether or
     * not the address is taken (its owner gets a mail instead), so registration reveals no accounts.
     * The new account speaks the language the visitor registered in, and so does its mail.
     */
    async register(input: unknown, language: Language = 'en'): Promise<void> {
      const data = parseInput(registerSchema, input);
      const passwordHash = await hashPassword(data.password);
      const created = await users.insert({ email: data.email, fullName: data.fullName, passwordHash, language });
      if (created) {
        await sendConfirmation(created);
        return;
      }
      const existing = await users.findByEmail(data.email);
      if (!existing) return;
      if (existing.emailConfirmedAt) await deps.mail.enqueue(accountExistsMail(existing, deps.config.baseUrl));
      else await sendConfirmation(existing);
    },

    /** Opens the confirmation link: the account becomes active. */
    async confirmEmail(rawToken: string): Promise<UserRow> {
      const row = await consumeToken(rawToken, 'confirm_email');
      await users.confirmEmail(row.userId, clock.now());
      const user = await users.findById(row.userId);
      if (!user) throw new AppError('TOKEN_INVALID', 'This link is not valid. Ask for a new one.');
      return user;
    },

    /** Sends a fresh confirmation link; answers the same for unknown and confirmed addresses. */
    async resendConfirmation(input: unknown): Promise<void> {
      const { email } = parseInput(emailOnlySchema, input);
      const user = await users.findByEmail(email);
      if (user && !user.emailConfirmedAt && !user.blockedAt) await sendConfirmation(user);
    },

    /** Checks the password and opens a session. Failures are counted per address and per IP. */
    async login(input: unknown, context: { ip: string; userAgent: string | null }) {
      const data = parseInput(loginSchema, input);
      const addressKey = `login:address:${data.email}`;
      const ipKey = `login:ip:${context.ip}`;
      const { maxFailuresPerAddress, maxFailuresPerIp } = deps.config.login;
      if (
        (await deps.failuresByAddress.count(addressKey)) >= maxFailuresPerAddress ||
        (await deps.failuresByIp.count(ipKey)) >= maxFailuresPerIp
      ) {
        const retryAfterSeconds = Math.max(
          await deps.failuresByAddress.retryAfter(addressKey),
          await deps.failuresByIp.retryAfter(ipKey),
        );
        throw new AppError('RATE_LIMITED', 'Too many failed log-in attempts. Try again later.', { retryAfterSeconds });
      }
      const user = await users.findByEmail(data.email);
      const passwordOk = await verifyPassword(data.password, user?.passwordHash ?? (await dummyPasswordHash));
      if (!user || !passwordOk) {
        await deps.failuresByAddress.hit(addressKey);
        await deps.failuresByIp.hit(ipKey);
        throw new AppError('INVALID_CREDENTIALS', 'E-mail or password is wrong.');
      }
      if (user.blockedAt) throw new AppError('USER_BLOCKED', 'This account is blocked. Contact the administrator.');
      if (!user.emailConfirmedAt) {
        throw new AppError('EMAIL_NOT_CONFIRMED', 'Confirm your e-mail address first: open the link we sent you.');
      }
      await deps.failuresByAddress.reset(addressKey);
      const session = await startSession(user, context.userAgent);
      return { user, ...session };
    },

    /** Ends every session of a user at once (blocking, deletion). */
    async endSessionsOf(userId: number): Promise<void> {
      await repository.deleteSessionsOfUser(userId);
    },

    async logout(sessionToken: string): Promise<void> {
      await repository.deleteSessionByHash(hashToken(sessionToken));
    },

    /** Mails a one-hour reset link; answers exactly the same whether or not the address exists. */
    async requestPasswordReset(input: unknown): Promise<void> {
      const { email } = parseInput(emailOnlySchema, input);
      const user = await users.findByEmail(email);
      if (!user || user.blockedAt) return;
      const token = await issueToken(user.id, 'reset_password');
      await deps.mail.enqueue(passwordResetMail(user, `${deps.config.baseUrl}/password-reset/${token}`));
    },

    async checkResetToken(rawToken: string): Promise<void> {
      await checkToken(rawToken, 'reset_password');
    },

    /** Sets the new password, ends every session of the user, and confirms the address it was sent to. */
    async resetPassword(rawToken: string, input: unknown): Promise<UserRow> {
      await checkToken(rawToken, 'reset_password');
      const data = parseInput(resetPasswordSchema, input);
      const row = await consumeToken(rawToken, 'reset_password');
      const now = clock.now();
      await users.updatePassword(row.userId, await hashPassword(data.password), now);
      await users.confirmEmail(row.userId, now);
      await repository.deleteSessionsOfUser(row.userId);
      const user = await users.findById(row.userId);
      if (!user) throw new AppError('TOKEN_INVALID', 'This link is not valid. Ask for a new one.');
      return user;
    },

    /** Changes the password after checking the current one; other sessions end, this one stays. */
    async changePassword(actor: Actor, input: unknown, currentSessionToken: string | null): Promise<void> {
      const data = parseInput(changePasswordSchema, input);
      const user = await users.findById(actor.userId);
      if (!user) throw AppError.notFound(msg('User not found.'));
      if (!(await verifyPassword(data.currentPassword, user.passwordHash))) {
        throw AppError.validation({ currentPassword: msg('The current password is wrong.') });
      }
      await users.updatePassword(user.id, await hashPassword(data.password), clock.now());
      await repository.deleteSessionsOfUser(user.id, currentSessionToken ? hashToken(currentSessionToken) : undefined);
    },

    /** The actor behind a session cookie, or null when it is unknown, expired or the user is blocked. */
    async authenticateSession(sessionToken: string): Promise<Actor | null> {
      const now = clock.now().getTime();
      const tokenHash = hashToken(sessionToken);
      const signedIn = await rememberSignedIn<SignedInSession>(`session:${tokenHash}`, async () => {
        const found = await repository.findSessionUser(tokenHash, new Date(now));
        if (!found || found.user.blockedAt || !found.user.emailConfirmedAt) return undefined;
        const { sessionId, lastSeenAt, expiresAt } = found;
        return {
          actor: toActor(found.user, 'session'),
          id: sessionId,
          lastSeen: lastSeenAt.getTime(),
          expires: expiresAt.getTime(),
        };
      });
      if (!signedIn || signedIn.value.expires <= now) return null;
      if (now - signedIn.value.lastSeen > 5 * 60_000) {
        await repository.touchSession(signedIn.value.id, new Date(now));
        await signedIn.update({ ...signedIn.value, lastSeen: now });
      }
      return signedIn.value.actor;
    },

    async authenticateApiToken(rawToken: string): Promise<Actor | null> {
      if (!rawToken.startsWith(API_TOKEN_PREFIX) || rawToken.length > 200) return null;
      const tokenHash = hashToken(rawToken);
      const signedIn = await rememberSignedIn<SignedInToken>(`api-token:${tokenHash}`, async () => {
        const found = await repository.findApiTokenUser(tokenHash);
        if (!found || found.user.blockedAt || !found.user.emailConfirmedAt) return undefined;
        return { actor: toActor(found.user, 'token'), id: found.tokenId, lastUsed: found.lastUsedAt?.getTime() ?? null };
      });
      if (!signedIn) return null;
      // Written at most once a minute, like sessions' last sight: a write per request made
      // concurrent calls with one token queue on that row's lock.
      const now = clock.now().getTime();
      if (signedIn.value.lastUsed === null || now - signedIn.value.lastUsed > 60_000) {
        await repository.touchApiToken(signedIn.value.id, new Date(now));
        await signedIn.update({ ...signedIn.value, lastUsed: now });
      }
      return signedIn.value.actor;
    },

    async createApiToken(actor: Actor, input: unknown) {
      const { name } = parseInput(apiTokenSchema, input);
      const token = `${API_TOKEN_PREFIX}${generateToken()}`;
      const row = await repository.insertApiToken({
        userId: actor.userId,
        name,
        tokenHash: hashToken(token),
        prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      });
      return { token, row };
    },

    listApiTokens: (actor: Actor) => repository.listApiTokens(actor.userId),

    /** Revokes one of the actor's own tokens; an unknown or foreign id is NOT_FOUND. */
    async revokeApiToken(actor: Actor, rawId: unknown): Promise<void> {
      const tokenId = parseId(rawId, msg('Token not found.'));
      if (!(await repository.revokeApiToken(actor.userId, tokenId, clock.now())))
        throw AppError.notFound(msg('Token not found.'));
    },

    /** True until the first admin exists. */
    async isSetupNeeded(): Promise<boolean> {
      return !(await users.existsAdmin());
    },

    /** First-run setup: creates the admin, confirmed, only while no admin exists. */
    async setupFirstAdmin(input: unknown, userAgent: string | null) {
      const data = parseInput(setupSchema, input);
      if (await users.existsAdmin()) throw new AppError('SETUP_DONE', 'Herald is already set up.');
      const user = await users.insertFirstAdmin(
        { email: data.email, fullName: data.fullName, passwordHash: await hashPassword(data.password) },
        clock.now(),
      );
      if (!user) {
        if (await users.existsAdmin()) throw new AppError('SETUP_DONE', 'Herald is already set up.');
        throw AppError.validation({ email: msg('An account with this e-mail already exists.') });
      }
      await deps.audit.record({ actor: 'setup', action: 'admin.created', targetType: 'user', targetId: user.id });
      return { user, ...(await startSession(user, userAgent)) };
    },

    /** `herald create-admin`: an admin account, confirmed, whether or not other admins exist. */
    async createAdmin(input: unknown): Promise<UserRow> {
      const data = parseInput(setupSchema, input);
      const user = await users.insert({
        email: data.email,
        fullName: data.fullName,
        passwordHash: await hashPassword(data.password),
        role: 'admin',
        emailConfirmedAt: clock.now(),
      });
      if (!user) {
        throw AppError.validation(
          { email: msg('An account with this e-mail already exists; use `herald set-role` to make it an admin.') },
          msg('An account with this e-mail already exists.'),
        );
      }
      await deps.audit.record({ actor: 'cli', action: 'admin.created', targetType: 'user', targetId: user.id });
      return user;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
