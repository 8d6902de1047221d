import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import type { MailingsService, MailingWithStatus } from './mailings.service.ts';

export const mailingJson = (m: MailingWithStatus) => ({
  id: m.id,
  ownerId: m.ownerId,
  name: m.name,
  messageId: m.messageId,
  status: m.status,
  paused: m.pausedAt !== null,
  disabled: m.disabledAt !== null,
  disabledReason: m.disabledReason,
  schedule: m.schedule,
  timeZone: m.timeZone,
  startsAt: m.startsAt.toISOString(),
  endsAt: m.endsAt.toISOString(),
  nextRunAt: m.nextRunAt?.toISOString() ?? null,
  recipientCount: m.recipientCount,
  runCount: m.runCount,
  createdAt: m.createdAt.toISOString(),
  updatedAt: m.updatedAt.toISOString(),
});

/** JSON API for mailings: the same rules as the pages, through the same service. */
export function createMailingsApi(deps: { mailings: MailingsService }) {
  const { mailings } = deps;
  const respond =
    (run: (request: Parameters<Handler>[0]) => Promise<unknown>): Handler =>
    async (request) => {
      await run(request);
      return mailingJson(await mailings.getMailing(actorOf(request), idParam(request)));
    };
  return {
    list: async (request) => {
      const { page, totals } = await mailings.listMailings(actorOf(request), request.query);
      return { ...page, items: page.items.map(mailingJson), totals };
    },
    show: async (request) => {
      const actor = actorOf(request);
      const mailing = await mailings.getMailing(actor, idParam(request));
      return { ...mailingJson(mailing), recipientIds: await mailings.recipientIds(mailing) };
    },
    create: async (request, reply) =>
      reply.code(201).send(mailingJson(await mailings.createMailing(actorOf(request), request.body))),
    update: async (request) => mailingJson(await mailings.updateMailing(actorOf(request), idParam(request), request.body)),
    delete: async (request, reply) => {
      await mailings.deleteMailing(actorOf(request), idParam(request));
      return reply.code(204).send();
    },
    duplicate: async (request, reply) =>
      reply.code(201).send(mailingJson(await mailings.duplicateMailing(actorOf(request), idParam(request)))),
    pause: respond((request) => mailings.pauseMailing(actorOf(request), idParam(request))),
    resume: respond((request) => mailings.resumeMailing(actorOf(request), idParam(request))),
    disable: respond((request) => mailings.disableMailing(actorOf(request), idParam(request), request.body)),
    enable: respond((request) => mailings.enableMailing(actorOf(request), idParam(request), request.body)),
  } satisfies Record<string, Handler>;
}
