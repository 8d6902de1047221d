import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import { type Cache, cached, namespaceOf } from '../../lib/cache.ts';
import type { Clock } from '../../lib/clock.ts';
import { parseId } from '../../lib/ids.ts';
import { type OwnerScope, type Page, scopeFor } from '../../lib/scope.ts';
import { parseInput, reasonInputSchema } from '../../lib/validation.ts';
import { type Actor, can, mayChange } from '../../permissions.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { MailingsRepository, MailingView } from './mailings.repository.ts';
import { type MailingInput, mailingListSchema, mailingSchema } from './mailings.schemas.ts';
import { computeMailingStatus, isEditable, type MailingStatus, nextRunAt } from './status.ts';

/** How long cached home figures may lag what no write announces (time passing, the scheduler, the sender). */
export const FIGURES_TTL_SECONDS = 5;

export interface HomeFigures {
  mailings: number;
  running: number;
  uniqueRecipients: number;
}

export type MailingWithStatus = MailingView & { status: MailingStatus; nextRunAt: Date | null };

/** Mailings: owner-scoped CRUD, pause/resume by the owner, disable/enable by managers (audited). */
export function createMailingsService(deps: {
  repository: MailingsRepository;
  audit: AuditService;
  clock: Clock;
  /** Caches the home figures; without it they are computed on every call. */
  cache?: Cache;
  /** Called after every write to an owner's mailings (the cache's versions move on). */
  invalidate?: (ownerId: number) => Promise<void>;
}) {
  const { repository, clock } = deps;
  const changed = async (ownerId: number) => deps.invalidate?.(ownerId);

  const withStatus = (mailing: MailingView): MailingWithStatus => {
    const now = clock.now();
    const window = { startsAt: mailing.startsAt, endsAt: mailing.endsAt, timeZone: mailing.timeZone };
    const status = computeMailingStatus(
      { schedule: mailing.schedule, window, runCount: mailing.runCount, activeRunCount: mailing.activeRunCount },
      now,
    );
    const next = status === 'completed' ? null : nextRunAt(mailing.schedule, window, mailing.lastRunAt, now);
    return { ...mailing, status, nextRunAt: next };
  };

  async function getMailing(actor: Actor, rawId: unknown): Promise<MailingWithStatus> {
    const mailing = await repository.find(scopeFor(actor, 'mailings:read_all'), parseId(rawId, msg('Mailing not found.')));
    if (!mailing) throw AppError.notFound(msg('Mailing not found.'));
    return withStatus(mailing);
  }

  /** The mailing if the actor may change it: 404 when unreadable, 403 when read-only. */
  async function getWritable(actor: Actor, rawId: unknown): Promise<MailingWithStatus> {
    const mailing = await getMailing(actor, rawId);
    if (!mayChange(actor, mailing.ownerId, 'mailings:write_all')) {
      throw new AppError('FORBIDDEN', 'You can read this mailing but not change it.');
    }
    return mailing;
  }

  /** Checks that the message and every recipient belong to the mailing's owner; returns the recipient ids. */
  async function resolveOwnedParts(ownerId: number, input: MailingInput): Promise<number[]> {
    if (!(await repository.ownsMessage(ownerId, input.messageId))) {
      throw AppError.validation({ messageId: msg('Choose one of your messages.') });
    }
    const ids = input.allRecipients ? await repository.allRecipientIds(ownerId) : input.recipientIds;
    if (ids.length === 0) throw AppError.validation({ recipientIds: msg('Choose at least one recipient.') });
    if ((await repository.countOwnedRecipients(ownerId, ids)) !== ids.length) {
      throw AppError.validation({ recipientIds: msg('Choose recipients from your own list.') });
    }
    return ids;
  }

  const valuesOf = (input: MailingInput) => ({
    name: input.name,
    messageId: input.messageId,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    timeZone: input.timeZone,
    schedule: input.schedule,
  });

  return {
    getMailing,
    getWritable,
    recipientIds: (mailing: MailingView) => repository.recipientIds(mailing.id),
    /** What the form offers: the owner's messages and (up to 1,000 of) their recipients. */
    formChoices: (ownerId: number) => repository.formChoices(ownerId, 1000),

    /** A page of mailings with their status, filtered by status, plus the total of each status. */
    async listMailings(actor: Actor, rawQuery: unknown) {
      const query = mailingListSchema.parse(rawQuery ?? {});
      const all = (await repository.listAll(scopeFor(actor, 'mailings:read_all'), query.q)).map(withStatus);
      const totals: Record<MailingStatus, number> = { created: 0, running: 0, completed: 0 };
      for (const mailing of all) totals[mailing.status]++;
      const filtered = query.status ? all.filter((m) => m.status === query.status) : all;
      const start = (query.page - 1) * query.pageSize;
      const page: Page<MailingWithStatus> = {
        items: filtered.slice(start, start + query.pageSize),
        total: filtered.length,
        page: query.page,
        pageSize: query.pageSize,
      };
      return { page, totals, query };
    },

    async createMailing(actor: Actor, input: unknown): Promise<MailingWithStatus> {
      const data = parseInput(mailingSchema, input);
      const ids = await resolveOwnedParts(actor.userId, data);
      const id = await repository.insert(actor.userId, valuesOf(data), ids);
      await changed(actor.userId);
      return getMailing(actor, id);
    },

    async updateMailing(actor: Actor, rawId: unknown, input: unknown): Promise<MailingWithStatus> {
      const mailing = await getWritable(actor, rawId);
      if (!isEditable(mailing.status))
        throw new AppError('MAILING_COMPLETED', 'A completed mailing cannot be edited; duplicate it instead.');
      const data = parseInput(mailingSchema, input);
      const ids = await resolveOwnedParts(mailing.ownerId, data);
      await repository.update(mailing.id, valuesOf(data), ids, clock.now());
      await changed(mailing.ownerId);
      return getMailing(actor, mailing.id);
    },

    async deleteMailing(actor: Actor, rawId: unknown): Promise<void> {
      const mailing = await getWritable(actor, rawId);
      await repository.delete(mailing.id);
      await changed(mailing.ownerId);
    },

    /**
     * A copy for the same owner, named "Copy of …", with the same message, recipients and schedule.
     * A manager's stop is copied too: duplicating must not be a way around it.
     */
    async duplicateMailing(actor: Actor, rawId: unknown): Promise<MailingWithStatus> {
      const mailing = await getWritable(actor, rawId);
      const ids = await repository.recipientIds(mailing.id);
      const name = `Copy of ${mailing.name}`.slice(0, 200);
      const values = { ...valuesOf({ ...mailing, recipientIds: ids, allRecipients: false }), name };
      const id = await repository.insert(mailing.ownerId, values, ids);
      if (mailing.disabledAt) {
        await repository.setDisabled(id, {
          at: mailing.disabledAt,
          reason: mailing.disabledReason ?? '',
          by: mailing.disabledBy ?? actor.userId,
        });
      }
      await changed(mailing.ownerId);
      return getMailing(actor, id);
    },

    async pauseMailing(actor: Actor, rawId: unknown): Promise<void> {
      const mailing = await getWritable(actor, rawId);
      if (mailing.status === 'completed') throw new AppError('MAILING_COMPLETED', 'The mailing is completed.');
      if (!mailing.pausedAt) await repository.setPaused(mailing.id, clock.now());
      await changed(mailing.ownerId);
    },

    async resumeMailing(actor: Actor, rawId: unknown): Promise<void> {
      const mailing = await getWritable(actor, rawId);
      if (mailing.pausedAt) await repository.setPaused(mailing.id, null);
      await changed(mailing.ownerId);
    },

    /** A manager's stop: a disabled mailing never sends until enabled again. Audit-logged with the reason. */
    async disableMailing(actor: Actor, rawId: unknown, input: unknown): Promise<void> {
      if (!can(actor, 'mailings:disable')) throw new AppError('FORBIDDEN', 'Only managers and admins can disable mailings.');
      const { reason } = parseInput(reasonInputSchema, input);
      const mailing = await getMailing(actor, rawId);
      if (mailing.disabledAt) return;
      await repository.setDisabled(mailing.id, { at: clock.now(), reason: reason ?? '', by: actor.userId });
      await changed(mailing.ownerId);
      await deps.audit.record({
        actor,
        action: 'mailing.disabled',
        targetType: 'mailing',
        targetId: mailing.id,
        reason: reason ?? null,
      });
    },

    async enableMailing(actor: Actor, rawId: unknown, input: unknown): Promise<void> {
      if (!can(actor, 'mailings:disable')) throw new AppError('FORBIDDEN', 'Only managers and admins can enable mailings.');
      const { reason } = parseInput(reasonInputSchema, input);
      const mailing = await getMailing(actor, rawId);
      if (!mailing.disabledAt) return;
      await repository.setDisabled(mailing.id, null);
      await changed(mailing.ownerId);
      await deps.audit.record({
        actor,
        action: 'mailing.enabled',
        targetType: 'mailing',
        targetId: mailing.id,
        reason: reason ?? null,
      });
    },

    /**
     * Home page figures: mailings, Running mailings and unique recipient addresses in the actor's
     * view, cached under the versions of exactly the scopes they read (one owner's, or everyone's).
     * Writes bump those versions; what time alone changes (a window ending, a scheduled run
     * starting, a run finishing) shows within FIGURES_TTL_SECONDS.
     */
    async figures(actor: Actor | null): Promise<HomeFigures> {
      const mailingScope: OwnerScope = actor ? scopeFor(actor, 'mailings:read_all') : { kind: 'all' };
      const recipientScope: OwnerScope = actor ? scopeFor(actor, 'recipients:read_all') : { kind: 'all' };
      const compute = async (): Promise<HomeFigures> => {
        const all = (await repository.listAll(mailingScope)).map(withStatus);
        return {
          mailings: all.length,
          running: all.filter((m) => m.status === 'running').length,
          uniqueRecipients: await repository.countUniqueRecipientAddresses(recipientScope),
        };
      };
      if (!deps.cache) return compute();
      const dependsOn = [...new Set([namespaceOf(mailingScope), namespaceOf(recipientScope)])];
      return cached(deps.cache, { name: 'home-figures', dependsOn, ttlSeconds: FIGURES_TTL_SECONDS }, compute);
    },
  };
}

export type MailingsService = ReturnType<typeof createMailingsService>;
