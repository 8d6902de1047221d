import type { FastifyReply, FastifyRequest } from 'fastify';
import { pageContext, sendPage } from '../../http/context.ts';
import { actorOf, type Handler } from '../../http/handlers.ts';
import { can } from '../../permissions.ts';
import { exportAttemptsCsv } from './attempts.csv.ts';
import type { StatsService } from './stats.service.ts';
import { StatsPage } from './stats.views.tsx';

/** The statistics page and the attempts CSV export: thin handlers over the stats service. */
export function createStatsPages(deps: { stats: StatsService; devMailbox: boolean }) {
  const { stats } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);

  return {
    /** Own figures for everyone; managers also see the whole instance and the table of users. */
    show: async (request, reply) => {
      const actor = actorOf(request);
      const everyone = can(actor, 'stats:read_all');
      const [own, all, users] = await Promise.all([
        stats.getOverview(actor, { scope: 'own' }),
        everyone ? stats.getOverview(actor, { scope: 'all' }) : null,
        everyone ? stats.listUserFigures(actor, request.query) : null,
      ]);
      return sendPage(reply, StatsPage({ ctx: ctx(request, reply), own, all, users }));
    },

    /** The attempts page's rows (same filters, same scope) as CSV, streamed batch by batch. */
    exportAttempts: async (request, reply) => {
      const { batches, withOwner } = stats.exportAttempts(actorOf(request), request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="attempts.csv"')
        .header('cache-control', 'private, no-store')
        .send(exportAttemptsCsv(batches, withOwner));
    },
  } satisfies Record<string, Handler>;
}
