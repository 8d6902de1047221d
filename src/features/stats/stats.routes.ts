import { actorOf, type Handler } from '../../http/handlers.ts';
import type { StatsService } from './stats.service.ts';

/** JSON API for statistics: the same figures as the page, through the same service. */
export function createStatsApi(deps: { stats: StatsService }) {
  const { stats } = deps;
  return {
    overview: async (request) => stats.getOverview(actorOf(request), request.query),
    users: async (request) => {
      const { page, sort, dir } = await stats.listUserFigures(actorOf(request), request.query);
      return { ...page, sort, dir };
    },
  } satisfies Record<string, Handler>;
}
