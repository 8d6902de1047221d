import type { Actor } from '../../permissions.ts';
import type { AuditRepository } from './audit.repository.ts';

export type AuditAction = 'user.role_changed' | 'user.blocked' | 'user.unblocked' | 'user.deleted' | 'admin.created';

/** Writes the audit trail of every oversight action: who, what, when, target and why. */
export function createAuditService(deps: { repository: AuditRepository }) {
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
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
