import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import { latestOccurrence } from '../mailings/schedule.ts';
import type { SendingRepository } from './sending.repository.ts';

export interface SchedulerPass {
  created: number;
  skipped: number;
}

/**
 * One scheduler pass: every mailing whose latest due occurrence has no run gets exactly one (the
 * unique key on mailing + occurrence decides between concurrent schedulers). After downtime only
 * the most recent missed occurrence is caught up; one older than the limit is recorded as skipped.
 */
export function createScheduler(deps: {
  repository: SendingRepository;
  clock: Clock;
  logger: Logger;
  catchUpMaxAgeHours: number;
  onRun?: () => void;
}) {
  return {
    async runDue(): Promise<SchedulerPass> {
      const now = deps.clock.now();
      const pass: SchedulerPass = { created: 0, skipped: 0 };
      for (const mailing of await deps.repository.listSchedulable(now)) {
        try {
          const window = { startsAt: mailing.startsAt, endsAt: mailing.endsAt, timeZone: mailing.timeZone };
          const due = latestOccurrence(mailing.schedule, window, now);
          if (!due) continue;
          const last = await deps.repository.latestOccurrenceOf(mailing.id);
          if (last && last >= due) continue;
          if (now.getTime() - due.getTime() > deps.catchUpMaxAgeHours * 3_600_000) {
            if (await deps.repository.recordSkippedRun(mailing.id, due)) pass.skipped++;
            continue;
          }
          const runId = await deps.repository.createRun({
            mailingId: mailing.id,
            trigger: 'scheduled',
            occurrenceAt: due,
            startedBy: null,
          });
          if (runId !== null) pass.created++;
        } catch (error) {
          // One broken mailing (say, a cron expression that no longer parses) must not stop the others.
          deps.logger.error({ err: error, mailingId: mailing.id }, 'scheduling a mailing failed');
        }
      }
      if (pass.created > 0) deps.onRun?.();
      return pass;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
