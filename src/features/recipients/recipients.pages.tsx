import type {} from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { formValues, pageContext, redirectWithFlash, renderTemplate, sendPage, sendTemplate } from '../../http/context.ts';
import { handleForm } from '../../http/forms.ts';
import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import { msg } from '../../i18n/i18n.ts';
import { AUTH } from '../../lib/cache.ts';
import { can, mayChange } from '../../permissions.ts';
import { CsvFormatError, exportRecipientsCsv, importRecipientsCsv } from './recipients.csv.ts';
import { recipientListSchema } from './recipients.schemas.ts';
import type { RecipientsService } from './recipients.service.ts';
import {
  RecipientDeletePage,
  RecipientFormPage,
  RecipientImportPage,
  RecipientListPage,
  RecipientPage,
} from './recipients.views.tsx';

const IMPORT_LIMIT = 50 * 1024 * 1024;
const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 'The upload is larger than 50 MB; split the file into smaller ones.');

/** Recipient pages: thin handlers over the recipients service. */
export function createRecipientPages(deps: { recipients: RecipientsService; devMailbox: boolean }) {
  const { recipients } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);

  return {
    list: async (request, reply) => {
      const actor = actorOf(request);
      const showOwner = can(actor, 'recipients:read_all');
      if (request.flash) {
        const query = recipientListSchema.parse(request.query ?? {});
        const page = await recipients.listRecipients(actor, query);
        return sendPage(reply, RecipientListPage({ ctx: ctx(request, reply), page, query, showOwner }));
      }
      // Without a flash message, the whole page is the reader's own rendering of the list's data: it
      // is kept with the data, and moves on with any change to the reader too (name, role, language).
      const template = await recipients.renderListPage(
        actor,
        request.query,
        `page:${actor.userId}:${request.language}:${actor.timeZone ?? 'UTC'}`,
        (page, query) =>
          renderTemplate((csrfToken) =>
            RecipientListPage({ ctx: pageContext(request, reply, deps.devMailbox, csrfToken), page, query, showOwner }),
          ),
        [AUTH],
      );
      return sendTemplate(reply, template);
    },

    show: async (request, reply) => {
      const actor = actorOf(request);
      const recipient = await recipients.getRecipient(actor, idParam(request));
      const canWrite = mayChange(actor, recipient.ownerId, 'recipients:write_all');
      return sendPage(
        reply,
        RecipientPage({ ctx: ctx(request, reply), recipient, canWrite, showOwner: recipient.ownerId !== actor.userId }),
      );
    },

    newForm: async (request, reply) =>
      sendPage(reply, RecipientFormPage({ ctx: ctx(request, reply), action: '/recipients', title: msg('New recipient') })),

    create: async (request, reply) => {
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          const created = await recipients.createRecipient(actorOf(request), values);
          return redirectWithFlash(
            reply,
            `/recipients/${created.id}`,
            'success',
            msg('Recipient {{email}} is added.', { email: created.email }),
          );
        },
        (errors) =>
          RecipientFormPage({ ctx: ctx(request, reply), action: '/recipients', title: msg('New recipient'), values, errors }),
      );
    },

    editForm: async (request, reply) => {
      const recipient = await recipients.getWritable(actorOf(request), idParam(request));
      const values = { email: recipient.email, fullName: recipient.fullName, comment: recipient.comment };
      const action = `/recipients/${recipient.id}/edit`;
      return sendPage(reply, RecipientFormPage({ ctx: ctx(request, reply), action, title: msg('Edit recipient'), values }));
    },

    update: async (request, reply) => {
      const values = formValues(request.body);
      const id = idParam(request);
      return handleForm(
        reply,
        async () => {
          const updated = await recipients.updateRecipient(actorOf(request), id, values);
          return redirectWithFlash(reply, `/recipients/${updated.id}`, 'success', msg('The recipient is saved.'));
        },
        (errors) =>
          RecipientFormPage({
            ctx: ctx(request, reply),
            action: `/recipients/${id}/edit`,
            title: msg('Edit recipient'),
            values,
            errors,
          }),
      );
    },

    deleteForm: async (request, reply) => {
      const recipient = await recipients.getWritable(actorOf(request), idParam(request));
      return sendPage(reply, RecipientDeletePage({ ctx: ctx(request, reply), recipient }));
    },

    delete: async (request, reply) => {
      await recipients.deleteRecipient(actorOf(request), idParam(request));
      return redirectWithFlash(reply, '/recipients', 'success', msg('The recipient is deleted.'));
    },

    importForm: async (request, reply) => sendPage(reply, RecipientImportPage({ ctx: ctx(request, reply) })),

    import: async (request, reply) => {
      const actor = actorOf(request);
      if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Upload the CSV file as multipart/form-data.');
      // Refuse an upload that announces its size before a single row is imported.
      if (Number(request.headers['content-length'] ?? 0) > IMPORT_LIMIT) throw tooLarge();
      const file = await request.file({ limits: { fileSize: IMPORT_LIMIT } });
      if (!file) {
        return sendPage(
          reply,
          RecipientImportPage({ ctx: ctx(request, reply), error: msg('Choose a CSV file to import.') }),
          422,
        );
      }
      // Without a length announced, the limit is met while reading: stop before the last batch is written.
      file.file.once('limit', () => file.file.destroy(tooLarge()));
      try {
        const report = await importRecipientsCsv(recipients, actor, file.file);
        return sendPage(reply, RecipientImportPage({ ctx: ctx(request, reply), report }));
      } catch (error) {
        if (!(error instanceof CsvFormatError)) throw error;
        file.file.resume();
        return sendPage(reply, RecipientImportPage({ ctx: ctx(request, reply), error: error.message }), 422);
      }
    },

    export: async (request, reply) => {
      const actor = actorOf(request);
      const stream = exportRecipientsCsv(recipients.exportRecipients(actor), can(actor, 'recipients:read_all'));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="recipients.csv"')
        .header('cache-control', 'private, no-store')
        .send(stream);
    },
  } satisfies Record<string, Handler>;
}
