import { pageContext, sendPage } from '../../http/context.ts';
import { actorOf, type Handler } from '../../http/handlers.ts';
import { can } from '../../permissions.ts';
import { auditListSchema } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';
import { AuditLogPage } from './audit.views.tsx';

/** The audit log page: admins see every entry, managers their own actions. */
export function createAuditPages(deps: { audit: AuditService; devMailbox: boolean }) {
  return {
    list: async (request, reply) => {
      const actor = actorOf(request);
      const query = auditListSchema.parse(request.query ?? {});
      const [page, actions] = await Promise.all([deps.audit.listEntries(actor, query), deps.audit.listActions(actor)]);
      const ctx = pageContext(request, reply, deps.devMailbox);
      return sendPage(reply, AuditLogPage({ ctx, page, query, actions, ownOnly: !can(actor, 'audit:read_all') }));
    },
  } satisfies Record<string, Handler>;
}
