import type { FastifyReply, FastifyRequest } from 'fastify';
import { pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import { can } from '../../permissions.ts';
import type { SendingService } from './sending.service.ts';
import { AttemptsPage, RunPage, UnsubscribePage } from './sending.views.tsx';

const runParams = (request: FastifyRequest) => request.params as { id?: string; runId?: string; token?: string };

/** The filters of the attempts page as typed, keeping only values that parse. */
function attemptFilters(query: unknown): Record<string, string | undefined> {
  const q = (query ?? {}) as Record<string, unknown>;
  const text = (key: string, pattern: RegExp) =>
    typeof q[key] === 'string' && pattern.test(q[key] as string) ? (q[key] as string) : undefined;
  return {
    mailingId: text('mailingId', /^\d{1,10}$/),
    runId: text('runId', /^\d{1,10}$/),
    status: text('status', /^(success|failure)$/),
    from: text('from', /^\d{4}-\d{2}-\d{2}$/),
    to: text('to', /^\d{4}-\d{2}-\d{2}$/),
  };
}

/** Send now, runs, attempts and the unsubscribe page. */
export function createSendingPages(deps: { sending: SendingService; devMailbox: boolean }) {
  const { sending } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);
  return {
    sendNow: async (request, reply) => {
      const { mailingId, runId } = await sending.sendNow(actorOf(request), idParam(request), 'manual');
      return redirectWithFlash(reply, `/mailings/${mailingId}/runs/${runId}`, 'success', 'Sending has started.');
    },

    run: async (request, reply) => {
      const params = runParams(request);
      const { mailing, run, progress, deliveries, query } = await sending.getRun(
        actorOf(request),
        params.id,
        params.runId,
        request.query,
      );
      return sendPage(reply, RunPage({ ctx: ctx(request, reply), mailing, run, progress, deliveries, state: query.state }));
    },

    attempts: async (request, reply) => {
      const actor = actorOf(request);
      const filters = attemptFilters(request.query);
      const { page } = await sending.listAttempts(actor, { ...filters, page: (request.query as { page?: string }).page });
      return sendPage(
        reply,
        AttemptsPage({ ctx: ctx(request, reply), page, query: filters, showOwner: can(actor, 'mailings:read_all') }),
      );
    },

    unsubscribeForm: async (request, reply) => {
      const token = runParams(request).token ?? '';
      const { email } = sending.checkUnsubscribe(token);
      return sendPage(reply, UnsubscribePage({ ctx: ctx(request, reply), email, done: false, action: `/unsubscribe/${token}` }));
    },

    /** RFC 8058 one-click: mail clients POST here without cookies or a CSRF token; the token is the proof. */
    unsubscribe: async (request, reply) => {
      const token = runParams(request).token ?? '';
      const { email } = await sending.unsubscribe(token);
      return sendPage(reply, UnsubscribePage({ ctx: ctx(request, reply), email, done: true, action: '' }));
    },
  } satisfies Record<string, Handler>;
}

/** JSON API: send now, runs with progress, attempts. */
export function createSendingApi(deps: { sending: SendingService }) {
  const { sending } = deps;
  return {
    sendNow: async (request, reply) => reply.code(201).send(await sending.sendNow(actorOf(request), idParam(request), 'api')),
    runs: async (request) => {
      const { runs } = await sending.listRuns(actorOf(request), idParam(request));
      return { items: runs };
    },
    run: async (request) => {
      const params = runParams(request);
      const { run, progress, deliveries } = await sending.getRun(actorOf(request), params.id, params.runId, request.query);
      return { ...run, progress, deliveries };
    },
    attempts: async (request) => (await sending.listAttempts(actorOf(request), request.query)).page,
  } satisfies Record<string, Handler>;
}
