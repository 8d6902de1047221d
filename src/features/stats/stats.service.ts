import { AppError } from '../../errors.ts';
import { ALL, type Cache, cached, namespaceOf } from '../../lib/cache.ts';
import type { Clock } from '../../lib/clock.ts';
import { type OwnerScope, ownScope, scopeFor } from '../../lib/scope.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, can } from '../../permissions.ts';
import type { DayFigures, Figures, MailingFigures, StatsRepository } from './stats.repository.ts';
import {
  type AttemptFilter,
  attemptFilterQuerySchema,
  attemptFilterSchema,
  statsQuerySchema,
  userFiguresQuerySchema,
} from './stats.schemas.ts';

/** How many days the daily series covers, today included. */
export const STATS_DAYS = 30;
/** How many mailings the per-mailing table and chart show (those with the most attempts). */
export const MAILING_LIMIT = 20;

export interface StatsOverview {
  scope: 'own' | 'all';
  /** The time zone the days are counted in: the viewer's, from their profile (UTC for the CLI's operator). */
  timeZone: string;
  days: number;
  totals: Figures;
  daily: DayFigures[];
  mailings: MailingFigures[];
  /** How many mailings are in scope (the table shows at most MAILING_LIMIT). */
  mailingCount: number;
}

const DAY_MS = 86_400_000;

/** Statistics of attempts and deliveries (own; everyone's with `stats:read_all`) and the attempts export. */
/** How long cached figures live when no write announces a change (the versions do the rest). */
const CACHE_SECONDS = 60;

export function createStatsService(deps: {
  repository: StatsRepository;
  clock: Clock;
  /** Figures are cached under the versions of the data they read: one owner's, or everyone's. */
  cache: Cache;
  /** The time zone a viewer's days are counted in. */
  timeZoneOf: (actor: Actor) => Promise<string>;
}) {
  const { repository } = deps;

  const requireReadAll = (actor: Actor) => {
    if (!can(actor, 'stats:read_all')) throw new AppError('FORBIDDEN', 'Only managers and admins see everyone’s statistics.');
  };

  return {
    /** Totals, the daily series of the last STATS_DAYS days and the busiest mailings; `?scope=all` for managers. */
    async getOverview(actor: Actor, rawQuery: unknown): Promise<StatsOverview> {
      const { scope } = statsQuerySchema.parse(rawQuery ?? {});
      if (scope === 'all') requireReadAll(actor);
      const ownerScope: OwnerScope = scope === 'all' ? { kind: 'all' } : ownScope(actor);
      const timeZone = await deps.timeZoneOf(actor);
      const window = await repository.dayWindow(deps.clock.now(), timeZone, STATS_DAYS - 1);
      // The key names everything the figures vary by: whose data, the time zone and the days shown.
      const name = `stats:overview:${namespaceOf(ownerScope)}:${timeZone}:${window.since.toISOString()}`;
      const [daily, mailings] = await cached(
        deps.cache,
        { name, dependsOn: [namespaceOf(ownerScope)], ttlSeconds: CACHE_SECONDS },
        () =>
          Promise.all([
            repository.dailyAttempts(ownerScope, { ...window, timeZone }),
            repository.mailingFigures(ownerScope, MAILING_LIMIT),
          ]),
      );
      return {
        scope,
        timeZone,
        days: STATS_DAYS,
        totals: mailings.totals,
        daily,
        mailings: mailings.top,
        mailingCount: mailings.count,
      };
    },

    /** The actor's own three figures, for the profile. */
    async getOwnTotals(actor: Actor): Promise<Figures> {
      return (await repository.mailingFigures(ownScope(actor), 1)).totals;
    },

    /** Every user with their figures (managers and admins), sorted by a known column; an unknown one is ignored. */
    async listUserFigures(actor: Actor, rawQuery: unknown) {
      requireReadAll(actor);
      const query = userFiguresQuerySchema.parse(rawQuery ?? {});
      const textual = query.sort === 'email' || query.sort === 'name' || query.sort === 'role';
      const dir = query.dir ?? (textual ? 'asc' : 'desc');
      const name = `stats:users:${JSON.stringify({ ...query, dir })}`;
      const page = await cached(deps.cache, { name, dependsOn: [ALL], ttlSeconds: CACHE_SECONDS }, () =>
        repository.listUserFigures({ ...query, dir }),
      );
      return { page, sort: query.sort, dir };
    },

    /**
     * The attempts the actor may read (own mailings; everyone's for managers, like the attempts
     * page) that match the filters, in batches for a streaming export. `strict` refuses a bad
     * filter with VALIDATION_FAILED (the CLI); otherwise a bad value is ignored, as on the page.
     * `ownOnly` narrows a manager to their own mailings (the CLI's --owner).
     */
    exportAttempts(actor: Actor, rawFilter: unknown, options: { strict?: boolean; ownOnly?: boolean } = {}) {
      const filter: AttemptFilter = options.strict
        ? parseInput(attemptFilterSchema, rawFilter)
        : attemptFilterQuerySchema.parse(rawFilter ?? {});
      const scope = options.ownOnly ? ownScope(actor) : scopeFor(actor, 'mailings:read_all');
      const from = filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined;
      // `to` names the last day included: the query stops at the start of the next one.
      const to = filter.to ? new Date(new Date(`${filter.to}T00:00:00Z`).getTime() + DAY_MS) : undefined;
      const success = filter.status === undefined ? undefined : filter.status === 'success';
      return {
        batches: repository.iterateAttempts(scope, { mailingId: filter.mailingId, runId: filter.runId, success, from, to }),
        withOwner: scope.kind === 'all',
      };
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
