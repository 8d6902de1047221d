import type { FastifyReply, FastifyRequest } from 'fastify';
import { formValues, pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { handleForm } from '../../http/forms.ts';
import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import { msg } from '../../i18n/i18n.ts';
import { can, mayChange } from '../../permissions.ts';
import { messageListSchema } from './messages.schemas.ts';
import type { MessagesService } from './messages.service.ts';
import { MessageDeletePage, MessageFormPage, MessageListPage, MessagePage, MessagePreviewPage } from './messages.views.tsx';

/** Message pages: thin handlers over the messages service. */
export function createMessagePages(deps: { messages: MessagesService; devMailbox: boolean }) {
  const { messages } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);

  return {
    list: async (request, reply) => {
      const actor = actorOf(request);
      const query = messageListSchema.parse(request.query ?? {});
      const page = await messages.listMessages(actor, query);
      return sendPage(
        reply,
        MessageListPage({ ctx: ctx(request, reply), page, query, showOwner: can(actor, 'messages:read_all') }),
      );
    },

    show: async (request, reply) => {
      const actor = actorOf(request);
      const message = await messages.getMessage(actor, idParam(request));
      const canWrite = mayChange(actor, message.ownerId, 'messages:write_all');
      return sendPage(
        reply,
        MessagePage({ ctx: ctx(request, reply), message, canWrite, showOwner: message.ownerId !== actor.userId }),
      );
    },

    newForm: async (request, reply) =>
      sendPage(
        reply,
        MessageFormPage({
          ctx: ctx(request, reply),
          action: '/messages',
          title: msg('New message'),
          values: { format: 'markdown' },
        }),
      ),

    create: async (request, reply) => {
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          const created = await messages.createMessage(actorOf(request), values);
          return redirectWithFlash(reply, `/messages/${created.id}`, 'success', msg('The message is saved.'));
        },
        (errors) => MessageFormPage({ ctx: ctx(request, reply), action: '/messages', title: msg('New message'), values, errors }),
      );
    },

    editForm: async (request, reply) => {
      const message = await messages.getWritable(actorOf(request), idParam(request));
      const values = { subject: message.subject, body: message.body, format: message.format };
      const action = `/messages/${message.id}/edit`;
      return sendPage(reply, MessageFormPage({ ctx: ctx(request, reply), action, title: msg('Edit message'), values }));
    },

    update: async (request, reply) => {
      const values = formValues(request.body);
      const id = idParam(request);
      return handleForm(
        reply,
        async () => {
          const updated = await messages.updateMessage(actorOf(request), id, values);
          return redirectWithFlash(reply, `/messages/${updated.id}`, 'success', msg('The message is saved.'));
        },
        (errors) =>
          MessageFormPage({
            ctx: ctx(request, reply),
            action: `/messages/${id}/edit`,
            title: msg('Edit message'),
            values,
            errors,
          }),
      );
    },

    deleteForm: async (request, reply) => {
      const { message, mailingCount } = await messages.getDeletable(actorOf(request), idParam(request));
      return sendPage(reply, MessageDeletePage({ ctx: ctx(request, reply), message, mailingCount }));
    },

    delete: async (request, reply) => {
      await messages.deleteMessage(actorOf(request), idParam(request));
      return redirectWithFlash(reply, '/messages', 'success', msg('The message is deleted.'));
    },

    preview: async (request, reply) => {
      const actor = actorOf(request);
      const { message, ...rendered } = await messages.previewMessage(actor, idParam(request));
      const canSendTest = mayChange(actor, message.ownerId, 'messages:write_all');
      return sendPage(
        reply,
        MessagePreviewPage({ ctx: ctx(request, reply), message, rendered, recipientEmail: actor.email, canSendTest }),
      );
    },

    sendTest: async (request, reply) => {
      const id = idParam(request);
      const { to } = await messages.sendTestToSelf(actorOf(request), id);
      return redirectWithFlash(
        reply,
        `/messages/${id}/preview`,
        'info',
        msg('A test is on its way to {{email}}.', { email: to }),
      );
    },
  } satisfies Record<string, Handler>;
}
