import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import type { AuditEntryView } from '../audit/audit.repository.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { OversightService } from './oversight.service.ts';
import { stateOf, type UserSummary } from './users.repository.ts';

export const managedUserJson = (user: UserSummary) => ({
  id: user.id,
  email: user.email,
  fullName: user.fullName,
  role: user.role,
  state: stateOf(user),
  emailConfirmed: user.emailConfirmedAt !== null,
  blockedAt: user.blockedAt?.toISOString() ?? null,
  blockedReason: user.blockedReason,
  createdAt: user.createdAt.toISOString(),
});

export const auditEntryJson = (entry: AuditEntryView) => ({
  id: entry.id,
  createdAt: entry.createdAt.toISOString(),
  actorId: entry.actorId,
  actor: entry.actorLabel,
  action: entry.action,
  targetType: entry.targetType,
  targetId: entry.targetId,
  reason: entry.reason,
  details: entry.details,
});

/** A field of a JSON body, whatever shape the body has. */
const field = (body: unknown, name: string): unknown =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;

/** JSON API for user oversight and the audit log: the same rules as the pages, through the same services. */
export function createUsersAdminApi(deps: { oversight: OversightService; audit: AuditService }) {
  const { oversight } = deps;
  return {
    list: async (request) => {
      const page = await oversight.listUsers(actorOf(request), request.query);
      return { ...page, items: page.items.map(managedUserJson) };
    },
    show: async (request) => managedUserJson(await oversight.getUser(actorOf(request), idParam(request))),
    block: async (request) => {
      const { user, changed } = await oversight.blockUser(actorOf(request), idParam(request), field(request.body, 'reason'));
      return { ...managedUserJson(user), changed };
    },
    unblock: async (request) => {
      const { user, changed } = await oversight.unblockUser(actorOf(request), idParam(request), field(request.body, 'reason'));
      return { ...managedUserJson(user), changed };
    },
    changeRole: async (request) =>
      managedUserJson(
        await oversight.changeRole(
          actorOf(request),
          idParam(request),
          field(request.body, 'role'),
          field(request.body, 'reason'),
        ),
      ),
    delete: async (request, reply) => {
      await oversight.deleteUser(actorOf(request), idParam(request), field(request.body, 'reason'));
      return reply.code(204).send();
    },
    audit: async (request) => {
      const page = await deps.audit.listEntries(actorOf(request), request.query);
      return { ...page, items: page.items.map(auditEntryJson) };
    },
  } satisfies Record<string, Handler>;
}
