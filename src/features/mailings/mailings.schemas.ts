import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { pageNumber, pageSize, searchText, singleLine, timeZone } from '../../lib/validation.ts';
import { scheduleSchema } from './schedule.ts';
import { daysInMonth, toInstant } from './zoned-time.ts';

const localDateTime = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A moment from a form (`2026-12-01T09:00`, wall-clock time in the mailing's time zone) or from
 * the API (an ISO instant with `Z` or an offset).
 */
export function parseMoment(value: string, zone: string): Date | null {
  const local = localDateTime.exec(value.trim());
  if (local) {
    const [year, month, day, hour, minute, second] = local
      .slice(1)
      .map((part) => (part === undefined ? 0 : Number(part))) as number[];
    if (!year || !month || month > 12 || !day || day > daysInMonth(year, month) || hour! > 23 || minute! > 59 || second! > 59) {
      return null;
    }
    return toInstant({ year, month, day, hour: hour!, minute: minute!, second: second!, millisecond: 0 }, zone);
  }
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

const ids = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .optional()
  .transform((value): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
  .pipe(
    z.array(z.coerce.number().int().positive(msg('Choose recipients from your list.'))).max(100_000, msg('Too many recipients.')),
  );

/** A mailing as a form or the API sends it; the schedule fields sit beside the others. */
export const mailingSchema = z
  .object({
    name: singleLine(200, 'Name'),
    messageId: z.coerce
      .number({ error: msg('Choose a message.') })
      .int()
      .positive(msg('Choose a message.')),
    recipientIds: ids,
    allRecipients: z.union([z.literal('on'), z.literal('true'), z.boolean()]).optional(),
    timeZone,
    startsAt: z
      .string({ error: msg('Start is required.') })
      .min(1, msg('Start is required.'))
      .max(40),
    endsAt: z
      .string({ error: msg('End is required.') })
      .min(1, msg('End is required.'))
      .max(40),
    scheduleKind: z.string().optional(),
    weekdays: z.unknown().optional(),
    dayOfMonth: z.unknown().optional(),
    expression: z.unknown().optional(),
    schedule: z.unknown().optional(),
  })
  .transform((input, ctx) => {
    const startsAt = parseMoment(input.startsAt, input.timeZone);
    const endsAt = parseMoment(input.endsAt, input.timeZone);
    if (!startsAt) ctx.addIssue({ code: 'custom', path: ['startsAt'], message: msg('Enter a date and time.') });
    if (!endsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: msg('Enter a date and time.') });
    if (startsAt && endsAt && endsAt <= startsAt)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: msg('The end must be after the start.') });
    const rawSchedule =
      input.schedule && typeof input.schedule === 'object'
        ? input.schedule
        : { kind: input.scheduleKind, weekdays: input.weekdays, dayOfMonth: input.dayOfMonth, expression: input.expression };
    const schedule = scheduleSchema.safeParse(rawSchedule);
    if (!schedule.success) {
      for (const issue of schedule.error.issues) {
        const field = issue.path[0] === 'kind' || issue.path.length === 0 ? 'scheduleKind' : String(issue.path[0]);
        ctx.addIssue({ code: 'custom', path: [field], message: issue.message });
      }
    }
    if (!startsAt || !endsAt || !schedule.success) return z.NEVER;
    const allRecipients = input.allRecipients === true || input.allRecipients === 'on' || input.allRecipients === 'true';
    if (!allRecipients && input.recipientIds.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['recipientIds'], message: msg('Choose at least one recipient.') });
      return z.NEVER;
    }
    return {
      name: input.name,
      messageId: input.messageId,
      recipientIds: [...new Set(input.recipientIds)],
      allRecipients,
      timeZone: input.timeZone,
      startsAt,
      endsAt,
      schedule: schedule.data,
    };
  });
export type MailingInput = z.output<typeof mailingSchema>;

export const mailingStatusFilter = z.enum(['created', 'running', 'completed']).optional().catch(undefined);

export const mailingListSchema = z.object({
  q: searchText,
  status: mailingStatusFilter,
  page: pageNumber,
  pageSize: pageSize(200, 25),
});
