import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { formValues, pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { handleForm } from '../../http/forms.ts';
import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import { msg } from '../../i18n/i18n.ts';
import { type Actor, can, mayChange } from '../../permissions.ts';
import type { RunRow } from '../sending/sending.repository.ts';
import { MailingFormPage, type MailingFormValues } from './mailing-form.views.tsx';
import type { MailingsService, MailingWithStatus } from './mailings.service.ts';
import { MailingDeletePage, MailingListPage, MailingPage } from './mailings.views.tsx';
import { toLocal } from './zoned-time.ts';

const pad = (n: number) => String(n).padStart(2, '0');
/** The value of a datetime-local input for an instant, in the mailing's zone. */
const localInput = (instant: Date, timeZone: string) => {
  const t = toLocal(instant, timeZone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}`;
};

/** Form body values, keeping repeated fields (recipients, weekdays) as lists. */
function mailingFormValues(body: unknown): MailingFormValues {
  const values: MailingFormValues = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') values[key] = value;
    else if (Array.isArray(value)) values[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return values;
}

function valuesOf(m: MailingWithStatus, recipientIds: number[]): MailingFormValues {
  const s = m.schedule;
  return {
    name: m.name,
    messageId: String(m.messageId),
    recipientIds: recipientIds.map(String),
    timeZone: m.timeZone,
    startsAt: localInput(m.startsAt, m.timeZone),
    endsAt: localInput(m.endsAt, m.timeZone),
    scheduleKind: s.kind,
    weekdays: s.kind === 'weekly' ? s.weekdays.map(String) : [],
    dayOfMonth: s.kind === 'monthly' ? String(s.dayOfMonth) : '',
    expression: s.kind === 'cron' ? s.expression : '',
  };
}

/** Mailing pages: thin handlers over the mailings service. */
export function createMailingPages(deps: {
  mailings: MailingsService;
  devMailbox: boolean;
  defaultTimeZone: (actor: Actor) => Promise<string>;
  listRuns: (actor: Actor, mailingId: number) => Promise<RunRow[]>;
}) {
  const { mailings } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);
  const canWrite = (actor: Actor, m: MailingWithStatus) => mayChange(actor, m.ownerId, 'mailings:write_all');

  const form = async (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    action: string,
    ownerId: number,
    values: MailingFormValues,
    errors?: Record<string, string>,
  ) => MailingFormPage({ ctx: ctx(request, reply), title, action, choices: await mailings.formChoices(ownerId), values, errors });

  const act = (run: (actor: Actor, id: string, body: unknown) => Promise<unknown>, message: string) =>
    (async (request, reply) => {
      const id = idParam(request);
      await run(actorOf(request), id, formValues(request.body));
      return redirectWithFlash(reply, `/mailings/${id}`, 'success', message);
    }) satisfies Handler;

  return {
    list: async (request, reply) => {
      const actor = actorOf(request);
      const { page, totals, query } = await mailings.listMailings(actor, request.query);
      return sendPage(
        reply,
        MailingListPage({ ctx: ctx(request, reply), page, totals, query, showOwner: can(actor, 'mailings:read_all') }),
      );
    },

    show: async (request, reply) => {
      const actor = actorOf(request);
      const mailing = await mailings.getMailing(actor, idParam(request));
      const runs = await deps.listRuns(actor, mailing.id);
      return sendPage(
        reply,
        MailingPage({
          ctx: ctx(request, reply),
          mailing,
          runs,
          canWrite: canWrite(actor, mailing),
          canDisable: can(actor, 'mailings:disable'),
        }),
      );
    },

    newForm: async (request, reply) => {
      const actor = actorOf(request);
      const timeZone = await deps.defaultTimeZone(actor);
      const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
      const values = {
        timeZone,
        scheduleKind: 'once',
        startsAt: localInput(start, timeZone),
        endsAt: localInput(new Date(start.getTime() + 30 * 86_400_000), timeZone),
      };
      return sendPage(reply, await form(request, reply, msg('New mailing'), '/mailings', actor.userId, values));
    },

    create: async (request, reply) => {
      const actor = actorOf(request);
      const values = mailingFormValues(request.body);
      return handleForm(
        reply,
        async () => {
          const created = await mailings.createMailing(actor, values);
          return redirectWithFlash(
            reply,
            `/mailings/${created.id}`,
            'success',
            msg('Mailing “{{name}}” is created.', { name: created.name }),
          );
        },
        async (errors) => form(request, reply, msg('New mailing'), '/mailings', actor.userId, values, errors),
      );
    },

    editForm: async (request, reply) => {
      const actor = actorOf(request);
      const mailing = await mailings.getWritable(actor, idParam(request));
      if (mailing.status === 'completed')
        throw new AppError('MAILING_COMPLETED', 'A completed mailing cannot be edited; duplicate it instead.');
      const values = valuesOf(mailing, await mailings.recipientIds(mailing));
      return sendPage(
        reply,
        await form(request, reply, msg('Edit mailing'), `/mailings/${mailing.id}/edit`, mailing.ownerId, values),
      );
    },

    update: async (request, reply) => {
      const actor = actorOf(request);
      const mailing = await mailings.getWritable(actor, idParam(request));
      const values = mailingFormValues(request.body);
      return handleForm(
        reply,
        async () => {
          await mailings.updateMailing(actor, mailing.id, values);
          return redirectWithFlash(reply, `/mailings/${mailing.id}`, 'success', msg('The mailing is saved.'));
        },
        async (errors) =>
          form(request, reply, msg('Edit mailing'), `/mailings/${mailing.id}/edit`, mailing.ownerId, values, errors),
      );
    },

    deleteForm: async (request, reply) => {
      const mailing = await mailings.getWritable(actorOf(request), idParam(request));
      return sendPage(reply, MailingDeletePage({ ctx: ctx(request, reply), mailing }));
    },

    delete: async (request, reply) => {
      await mailings.deleteMailing(actorOf(request), idParam(request));
      return redirectWithFlash(reply, '/mailings', 'success', msg('The mailing is deleted.'));
    },

    duplicate: async (request, reply) => {
      const copy = await mailings.duplicateMailing(actorOf(request), idParam(request));
      return redirectWithFlash(reply, `/mailings/${copy.id}`, 'success', msg('“{{name}}” is created.', { name: copy.name }));
    },

    pause: act((actor, id) => mailings.pauseMailing(actor, id), msg('The mailing is paused: it sends nothing until resumed.')),
    resume: act((actor, id) => mailings.resumeMailing(actor, id), msg('The mailing is resumed.')),
    disable: act((actor, id, body) => mailings.disableMailing(actor, id, body), msg('The mailing is disabled.')),
    enable: act((actor, id, body) => mailings.enableMailing(actor, id, body), msg('The mailing is enabled.')),
  } satisfies Record<string, Handler>;
}
