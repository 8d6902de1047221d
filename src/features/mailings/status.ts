import { msg } from '../../i18n/i18n.ts';
import { latestOccurrence, type MailingWindow, nextOccurrence, type Schedule } from './schedule.ts';

/** SPEC §3: the one status a mailing shows in pages, API, CLI and scheduler. Paused and disabled are separate flags. */
export type MailingStatus = 'created' | 'running' | 'completed';

/** The status names as people read them: catalogue keys, shown with `t()`. */
export const statusLabels: Record<MailingStatus, string> = {
  created: msg('Created'),
  running: msg('Running'),
  completed: msg('Completed'),
};

export type MailingStatusInput = {
  schedule: Schedule;
  window: MailingWindow;
  /** Every run the mailing has had, the active ones included. */
  runCount: number;
  /** Runs still sending. */
  activeRunCount: number;
};

/** Computes a mailing's status from its schedule, window and runs at `now`. */
export function computeMailingStatus(input: MailingStatusInput, now: Date): MailingStatus {
  // A run in progress finishes before the mailing can complete, whatever the clock says.
  if (input.activeRunCount > 0) return 'running';
  if (now.getTime() >= input.window.endsAt.getTime()) return 'completed';
  if (input.runCount === 0) return 'created';
  return input.schedule.kind === 'once' ? 'completed' : 'running';
}

/** True when the mailing may still be edited (anything but Completed). */
export function isEditable(status: MailingStatus): boolean {
  return status !== 'completed';
}

/**
 * When the scheduler will next send the mailing, or null if it never will again. A time before
 * `now` means an occurrence is due and not yet sent (`lastOccurrence` is the latest one that was):
 * the scheduler catches up that one, the most recent, and no older ones.
 */
export function nextRunAt(schedule: Schedule, window: MailingWindow, lastOccurrence: Date | null, now: Date): Date | null {
  const due = latestOccurrence(schedule, window, now);
  if (due && (lastOccurrence === null || due > lastOccurrence)) return due;
  const after = lastOccurrence && lastOccurrence > now ? lastOccurrence : now;
  return nextOccurrence(schedule, window, after);
}
