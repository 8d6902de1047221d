import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import type { MessageView } from './messages.repository.ts';
import type { MessagesService } from './messages.service.ts';

export const messageJson = (m: MessageView) => ({
  id: m.id,
  ownerId: m.ownerId,
  ownerEmail: m.ownerEmail,
  subject: m.subject,
  body: m.body,
  format: m.format,
  createdAt: m.createdAt.toISOString(),
  updatedAt: m.updatedAt.toISOString(),
});

/** JSON API for messages: the same rules as the pages, through the same service. */
export function createMessagesApi(deps: { messages: MessagesService }) {
  const { messages } = deps;
  return {
    list: async (request) => {
      const page = await messages.listMessages(actorOf(request), request.query);
      return { ...page, items: page.items.map(messageJson) };
    },
    show: async (request) => messageJson(await messages.getMessage(actorOf(request), idParam(request))),
    create: async (request, reply) => {
      const actor = actorOf(request);
      const created = await messages.createMessage(actor, request.body);
      return reply.code(201).send(messageJson(await messages.getMessage(actor, created.id)));
    },
    update: async (request) => messageJson(await messages.updateMessage(actorOf(request), idParam(request), request.body)),
    delete: async (request, reply) => {
      await messages.deleteMessage(actorOf(request), idParam(request));
      return reply.code(204).send();
    },
    preview: async (request) => {
      const { subject, html, text } = await messages.previewMessage(actorOf(request), idParam(request));
      return { subject, html, text };
    },
  } satisfies Record<string, Handler>;
}
