import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Clock } from '../../lib/clock.ts';
import { parseId } from '../../lib/ids.ts';
import { scopeFor } from '../../lib/scope.ts';
import type { Actor } from '../../permissions.ts';
import type { MailingsService } from '../mailings/mailings.service.ts';
import { measureProgress } from './progress.ts';
import type { SendingRepository, Trigger } from './sending.repository.ts';
import type { UnsubscribeTokens } from './unsubscribe-token.ts';

const deliveryStates = ['queued', 'sending', 'sent', 'failed', 'suppressed', 'unknown'] as const;
const deliveryListSchema = z.object({
  state: z.enum(deliveryStates).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
  pageSize: z.coerce.number().int().min(1).max(500).catch(50),
});

const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .transform((v) => new Date(`${v}T00:00:00Z`))
  // 2026-99-99 has the shape of a date but names none.
  .refine((d) => !Number.isNaN(d.getTime()))
  .optional()
  .catch(undefined);
const attemptListSchema = z.object({
  mailingId: z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined),
  runId: z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined),
  status: z.enum(['success', 'failure']).optional().catch(undefined),
  from: dateParam,
  to: dateParam,
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
  pageSize: z.coerce.number().int().min(1).max(500).catch(50),
});

/** Runs, deliveries and attempts as people see them; "send now"; one-click unsubscribe. */
export function createSendingService(deps: {
  repository: SendingRepository;
  mailings: MailingsService;
  tokens: UnsubscribeTokens;
  clock: Clock;
  wakeSender: () => void;
  /** Called after a write to an owner's data (a run started, an address suppressed). */
  invalidate?: (ownerId: number) => Promise<void>;
}) {
  const { repository } = deps;

  return {
    /**
     * Starts a manual run unless the mailing is Completed, disabled, paused, its owner blocked, it
     * has no recipients, or a run of it is still sending (then the answer points at that run).
     */
    async sendNow(actor: Actor, rawMailingId: unknown, trigger: Exclude<Trigger, 'scheduled'>) {
      const mailing = await deps.mailings.getWritable(actor, rawMailingId);
      if (mailing.status === 'completed')
        throw new AppError('MAILING_COMPLETED', 'The mailing is completed; duplicate it to send again.');
      if (mailing.disabledAt)
        throw new AppError(
          'MAILING_DISABLED',
          mailing.disabledReason
            ? msg('A manager disabled this mailing: {{reason}}', { reason: mailing.disabledReason })
            : msg('A manager disabled this mailing.'),
        );
      if (mailing.pausedAt) throw new AppError('MAILING_PAUSED', 'The mailing is paused; resume it first.');
      if (mailing.ownerBlocked) throw new AppError('OWNER_BLOCKED', 'The owner of this mailing is blocked.');
      if (mailing.recipientCount === 0) throw new AppError('NO_RECIPIENTS', 'The mailing has no recipients.');
      const runId = await repository.createRun({
        mailingId: mailing.id,
        trigger,
        occurrenceAt: null,
        startedBy: actor.via === 'cli' ? null : actor.userId,
      });
      if (runId === null) {
        const active = await repository.findActiveRunOf(mailing.id);
        throw new AppError(
          'RUN_ACTIVE',
          msg('A run of this mailing is still sending: {{path}}', { path: `/mailings/${mailing.id}/runs/${active?.id ?? ''}` }),
        );
      }
      await deps.invalidate?.(mailing.ownerId);
      deps.wakeSender();
      return { mailingId: mailing.id, runId };
    },

    async listRuns(actor: Actor, rawMailingId: unknown) {
      const mailing = await deps.mailings.getMailing(actor, rawMailingId);
      return { mailing, runs: await repository.listRuns(mailing.id) };
    },

    /** A run with live counts, rate and ETA, and a page of its deliveries. */
    async getRun(actor: Actor, rawMailingId: unknown, rawRunId: unknown, rawQuery: unknown = {}) {
      const mailing = await deps.mailings.getMailing(actor, rawMailingId);
      const run = await repository.findRun(mailing.id, parseId(rawRunId, msg('Run not found.')));
      if (!run) throw AppError.notFound(msg('Run not found.'));
      const counts = await repository.countDeliveries(run.id);
      const progress = measureProgress(
        counts,
        run.state === 'sending',
        { at: run.createdAt.getTime(), done: 0 },
        { at: (run.finishedAt ?? deps.clock.now()).getTime(), done: counts.sent + counts.failed },
      );
      const query = deliveryListSchema.parse(rawQuery ?? {});
      return { mailing, run, progress, deliveries: await repository.listDeliveries(run.id, query), query };
    },

    /** Attempts in the actor's view (own mailings; everyone's for managers), newest first. */
    async listAttempts(actor: Actor, rawQuery: unknown) {
      const query = attemptListSchema.parse(rawQuery ?? {});
      const to = query.to ? new Date(query.to.getTime() + 86_400_000) : undefined;
      const success = query.status === undefined ? undefined : query.status === 'success';
      const page = await repository.listAttempts(scopeFor(actor, 'mailings:read_all'), { ...query, to, success });
      return { page, query };
    },

    /** What the unsubscribe page shows for a token, or NOT_FOUND for a forged one. */
    checkUnsubscribe(token: string): { email: string } {
      const found = deps.tokens.verify(token);
      if (!found) throw AppError.notFound(msg('Unsubscribe link not found.'));
      return { email: found.email };
    },

    /** One-click unsubscribe (RFC 8058): the address is suppressed for its owner; repeating it changes nothing. */
    async unsubscribe(token: string): Promise<{ email: string }> {
      const found = deps.tokens.verify(token);
      if (!found) throw AppError.notFound(msg('Unsubscribe link not found.'));
      await repository.suppress(found.ownerId, found.email, 'unsubscribed');
      await deps.invalidate?.(found.ownerId);
      return { email: found.email };
    },

    /** How many runs are sending and may send now (not paused, disabled or with a blocked owner). */
    async countSendableRuns(): Promise<number> {
      return (await repository.listSendableRuns()).length;
    },

    unsubscribeUrl: (baseUrl: string, ownerId: number, email: string) =>
      `${baseUrl}/unsubscribe/${deps.tokens.create(ownerId, email)}`,
  };
}

export type SendingService = ReturnType<typeof createSendingService>;
