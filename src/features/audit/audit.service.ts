import { AppError } from '../../errors.ts';
import { type Page, scopeFor } from '../../lib/scope.ts';
import { type Actor, can } from '../../permissions.ts';
import type { AuditEntryView, AuditRepository } from './audit.repository.ts';
import { auditListSchema } from './audit.schemas.ts';

export type AuditAction =
  | 'user.role_changed'
  | 'user.blocked'
  | 'user.unblocked'
  | 'user.deleted'
  | 'admin.created'
  | 'mailing.disabled'
  | 'mailing.enabled'
  | 'post.published'
  | 'post.unpublished';

/** Writes the audit trail of every oversight action: who, what, when, target and why. */
export function createAuditService(deps: { repository: AuditRepository }) {
  /** Admins read every entry; managers the entries of their own actions; nobody else any. */
  const scopeOf = (actor: Actor) => {
    if (!can(actor, 'audit:read_own')) throw new AppError('FORBIDDEN', 'Your role does not allow reading the audit log.');
    return scopeFor(actor, 'audit:read_all');
  };

  return {
    async record(entry: {
      actor: Actor | 'cli' | 'setup';
      action: AuditAction;
      targetType: 'user' | 'mailing' | 'post';
      targetId: number | string;
      reason?: string | null;
      details?: Record<string, unknown>;
    }): Promise<void> {
      const actor = typeof entry.actor === 'string' ? null : entry.actor;
      await deps.repository.insert({
        actorId: actor?.userId ?? null,
        actorLabel: actor ? actor.email : `(${entry.actor})`,
        action: entry.action,
        targetType: entry.targetType,
        targetId: String(entry.targetId),
        reason: entry.reason ?? null,
        details: entry.details ?? null,
      });
    },

    /** One page of the entries the actor may read, newest first. */
    async listEntries(actor: Actor, rawQuery: unknown): Promise<Page<AuditEntryView>> {
      const scope = scopeOf(actor);
      return deps.repository.list(scope, auditListSchema.parse(rawQuery ?? {}));
    },

    /** The actions in the entries the actor may read, for a filter. */
    async listActions(actor: Actor): Promise<string[]> {
      return deps.repository.listActions(scopeOf(actor));
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
