import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import type { RecipientView } from './recipients.repository.ts';
import type { RecipientsService } from './recipients.service.ts';

export const recipientJson = (r: RecipientView) => ({
  id: r.id,
  ownerId: r.ownerId,
  email: r.email,
  fullName: r.fullName,
  comment: r.comment,
  suppressed: r.suppressedReason,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** JSON API for recipients: the same rules as the pages, through the same service. */
export function createRecipientsApi(deps: { recipients: RecipientsService }) {
  const { recipients } = deps;
  return {
    // The answer's JSON is kept as long as the page's data, like the page's HTML.
    list: async (request, reply) => {
      const json = await recipients.renderListPage(actorOf(request), request.query, 'api-v1', (page) =>
        JSON.stringify({ ...page, items: page.items.map(recipientJson) }),
      );
      return reply.type('application/json; charset=utf-8').send(json);
    },
    show: async (request) => recipientJson(await recipients.getRecipient(actorOf(request), idParam(request))),
    create: async (request, reply) => {
      const actor = actorOf(request);
      const created = await recipients.createRecipient(actor, request.body);
      return reply.code(201).send(recipientJson(await recipients.getRecipient(actor, created.id)));
    },
    update: async (request) => recipientJson(await recipients.updateRecipient(actorOf(request), idParam(request), request.body)),
    delete: async (request, reply) => {
      await recipients.deleteRecipient(actorOf(request), idParam(request));
      return reply.code(204).send();
    },
  } satisfies Record<string, Handler>;
}
