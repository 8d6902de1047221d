import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Clock } from '../../lib/clock.ts';
import { emailAddress, parseInput } from '../../lib/validation.ts';
import { type Actor, can } from '../../permissions.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { toActor } from '../auth/auth.service.ts';
import type { UserRow, UsersRepository } from './users.repository.ts';
import { profileSchema, roleSchema } from './users.schemas.ts';

/** Profiles and roles. Role changes are admin-only and audit-logged. */
export function createUsersService(deps: { repository: UsersRepository; audit: AuditService; clock: Clock }) {
  return {
    async getProfile(actor: Actor): Promise<UserRow> {
      const user = await deps.repository.findById(actor.userId);
      if (!user) throw AppError.notFound(msg('User not found.'));
      return user;
    },

    /** The user with this address as an actor, for the CLI acting on someone's behalf. */
    async getActorByEmail(emailInput: string): Promise<Actor> {
      const email = parseInput(emailAddress, emailInput);
      const user = await deps.repository.findByEmail(email);
      if (!user) throw new AppError('NOT_FOUND', msg('No user has the e-mail {{email}}.', { email }));
      return toActor(user, 'cli');
    },

    async updateProfile(actor: Actor, input: unknown): Promise<UserRow> {
      const data = parseInput(profileSchema, input);
      const user = await deps.repository.updateProfile(actor.userId, data, deps.clock.now());
      if (!user) throw AppError.notFound(msg('User not found.'));
      return user;
    },

    /** Gives a user another role; `actor` is null for the CLI, which acts with the operator's authority. */
    async changeRole(actor: Actor | null, emailInput: string, roleInput: string, reason?: string): Promise<UserRow> {
      if (actor && !can(actor, 'users:change_role')) throw new AppError('FORBIDDEN', 'Only admins can change roles.');
      const email = parseInput(emailAddress, emailInput);
      const role = parseInput(roleSchema, roleInput);
      const user = await deps.repository.findByEmail(email);
      if (!user) throw AppError.notFound(msg('User not found.'));
      if (actor && user.id === actor.userId) throw new AppError('FORBIDDEN', 'You cannot change your own role.');
      if (user.role === role) return user;
      // Without an admin nobody could run the instance, and /setup would open to whoever came first.
      // Checked under the admins' row locks, so two admins demoting each other cannot both win.
      const outcome = await deps.repository.updateRole(user.id, role, deps.clock.now());
      if (outcome.kind === 'last_admin') {
        throw new AppError('CONFLICT', 'This is the only admin who can act; make another user admin first.');
      }
      if (outcome.kind !== 'done') throw AppError.notFound(msg('User not found.'));
      const updated = outcome.user;
      await deps.audit.record({
        actor: actor ?? 'cli',
        action: 'user.role_changed',
        targetType: 'user',
        targetId: user.id,
        reason: reason ?? null,
        details: { from: user.role, to: role, email: user.email },
      });
      return updated;
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
