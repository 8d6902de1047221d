import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Clock } from '../../lib/clock.ts';
import { parseId } from '../../lib/ids.ts';
import type { Page } from '../../lib/scope.ts';
import { parseInput, reasonInputSchema } from '../../lib/validation.ts';
import { type Actor, can, type Role, roles } from '../../permissions.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { roleChangeSchema, userListSchema } from './oversight.schemas.ts';
import type { OversightOutcome, UserRow, UserSummary, UsersRepository } from './users.repository.ts';
import type { UsersService } from './users.service.ts';

/** What an actor may do to one user; pages show only these forms, and the service enforces the same. */
export interface OversightRights {
  block: boolean;
  changeRole: boolean;
  delete: boolean;
}

/** The roles an actor may block and unblock: managers only users, admins anyone (but never themselves). */
const blockableRoles = (actor: Actor): readonly Role[] => (can(actor, 'users:block_privileged') ? roles : ['user']);

export function oversightRights(actor: Actor, target: Pick<UserRow, 'id' | 'role'>): OversightRights {
  const other = target.id !== actor.userId;
  return {
    block: other && can(actor, 'users:block') && blockableRoles(actor).includes(target.role),
    changeRole: other && can(actor, 'users:change_role'),
    delete: other && can(actor, 'users:delete'),
  };
}

/** Why an actor may not act on a user of this role, a whole sentence per role. */
const roleNotAllowed: Record<Role, string> = {
  user: msg('Your role does not allow this for a user.'),
  manager: msg('Your role does not allow this for a manager.'),
  admin: msg('Your role does not allow this for an admin.'),
};

/** The changed user, or the refusal the repository's outcome stands for. */
function settle(outcome: OversightOutcome): UserRow {
  switch (outcome.kind) {
    case 'done':
    case 'unchanged':
      return outcome.user;
    case 'not_found':
      throw AppError.notFound(msg('User not found.'));
    case 'role_not_allowed':
      throw new AppError('FORBIDDEN', roleNotAllowed[outcome.user.role]);
    case 'last_admin':
      throw new AppError('CONFLICT', 'This is the only admin who can act; make another user admin first.');
  }
}

/**
 * User oversight (SPEC §2): managers list users and block or unblock plain users; admins also
 * block managers and admins, change roles and delete users. Nobody does any of it to themselves.
 * Every change is audit-logged with its reason.
 */
export function createOversightService(deps: {
  users: UsersRepository;
  roles: Pick<UsersService, 'changeRole'>;
  auth: Pick<AuthService, 'endSessionsOf'>;
  audit: AuditService;
  clock: Clock;
  /** Called when a user and everything they own is gone (the cache's versions move on). */
  deleted?: (userId: number) => Promise<void>;
}) {
  const { users, audit } = deps;

  const requireList = (actor: Actor) => {
    if (!can(actor, 'users:list')) throw new AppError('FORBIDDEN', 'Your role does not allow managing users.');
  };

  async function getUser(actor: Actor, rawId: unknown): Promise<UserRow> {
    requireList(actor);
    const user = await users.findById(parseId(rawId, msg('User not found.')));
    if (!user) throw AppError.notFound(msg('User not found.'));
    return user;
  }

  /** The target if the actor may block or unblock them, and the reason given. */
  async function blockTarget(actor: Actor, rawId: unknown, reasonInput: unknown) {
    const target = await getUser(actor, rawId);
    if (target.id === actor.userId) throw new AppError('FORBIDDEN', 'You cannot block or unblock yourself.');
    if (!oversightRights(actor, target).block) {
      throw new AppError('FORBIDDEN', 'Managers can block and unblock users only, not managers or admins.');
    }
    const { reason } = parseInput(reasonInputSchema, { reason: reasonInput });
    return { target, reason: reason ?? null };
  }

  /** The target if the actor may delete them: admins only, never themselves. */
  async function getDeletable(actor: Actor, rawId: unknown): Promise<UserRow> {
    if (!can(actor, 'users:delete')) throw new AppError('FORBIDDEN', 'Only admins can delete users.');
    const target = await getUser(actor, rawId);
    if (!oversightRights(actor, target).delete) throw new AppError('FORBIDDEN', 'You cannot delete your own account here.');
    return target;
  }

  const details = (user: UserRow) => ({ email: user.email, role: user.role });

  return {
    getUser,
    getDeletable,

    async listUsers(actor: Actor, rawQuery: unknown): Promise<Page<UserSummary>> {
      requireList(actor);
      return users.list(userListSchema.parse(rawQuery ?? {}));
    },

    /**
     * Blocks a user: their sessions are deleted at once, their API tokens are refused from now on
     * (by blocked_at) and new logins are refused. Blocking a blocked user changes nothing.
     */
    async blockUser(actor: Actor, rawId: unknown, reasonInput?: unknown): Promise<{ user: UserRow; changed: boolean }> {
      const { target, reason } = await blockTarget(actor, rawId, reasonInput);
      const outcome = await users.block(target.id, { at: deps.clock.now(), reason, roles: blockableRoles(actor) });
      const user = settle(outcome);
      await deps.auth.endSessionsOf(user.id);
      const changed = outcome.kind === 'done';
      if (changed) {
        await audit.record({
          actor,
          action: 'user.blocked',
          targetType: 'user',
          targetId: user.id,
          reason,
          details: details(user),
        });
      }
      return { user, changed };
    },

    /** Lifts a block: the user may log in again. Unblocking a user who is not blocked changes nothing. */
    async unblockUser(actor: Actor, rawId: unknown, reasonInput?: unknown): Promise<{ user: UserRow; changed: boolean }> {
      const { target, reason } = await blockTarget(actor, rawId, reasonInput);
      const outcome = await users.unblock(target.id, { at: deps.clock.now(), roles: blockableRoles(actor) });
      const user = settle(outcome);
      const changed = outcome.kind === 'done';
      if (changed) {
        await audit.record({
          actor,
          action: 'user.unblocked',
          targetType: 'user',
          targetId: user.id,
          reason,
          details: details(user),
        });
      }
      return { user, changed };
    },

    /** Gives a user another role by id; the rules and the audit entry are the users service's. */
    async changeRole(actor: Actor, rawId: unknown, roleInput: unknown, reasonInput?: unknown): Promise<UserRow> {
      if (!can(actor, 'users:change_role')) throw new AppError('FORBIDDEN', 'Only admins can change roles.');
      const target = await getUser(actor, rawId);
      if (!oversightRights(actor, target).changeRole) throw new AppError('FORBIDDEN', 'You cannot change your own role.');
      const { role, reason } = parseInput(roleChangeSchema, { role: roleInput, reason: reasonInput });
      return deps.roles.changeRole(actor, target.email, role, reason);
    },

    /** Deletes a user and everything they own (by cascade); the audit entry keeps who it was. */
    async deleteUser(actor: Actor, rawId: unknown, reasonInput?: unknown): Promise<UserRow> {
      const target = await getDeletable(actor, rawId);
      const { reason } = parseInput(reasonInputSchema, { reason: reasonInput });
      const user = settle(await users.deleteUser(target.id));
      await deps.deleted?.(user.id);
      await audit.record({
        actor,
        action: 'user.deleted',
        targetType: 'user',
        targetId: user.id,
        reason: reason ?? null,
        details: { ...details(user), fullName: user.fullName },
      });
      return user;
    },
  };
}

export type OversightService = ReturnType<typeof createOversightService>;
