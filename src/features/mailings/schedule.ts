import { Cron } from 'croner';
import { z } from 'zod';
import { defaultLanguage, type Language, msg, translator } from '../../i18n/i18n.ts';
import { dateOfDay, dayNumber, daysInMonth, isoWeekday, type LocalTime, toInstant, toLocal } from './zoned-time.ts';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type Schedule =
  | { kind: 'once' }
  | { kind: 'daily' }
  | { kind: 'weekly'; weekdays: Weekday[] }
  | { kind: 'monthly'; dayOfMonth: number }
  | { kind: 'cron'; expression: string };

/** Occurrences fall in [startsAt, endsAt); wall-clock schedules and cron read the clock in `timeZone`. */
export type MailingWindow = { startsAt: Date; endsAt: Date; timeZone: string };

type WallClockSchedule = Extract<Schedule, { kind: 'daily' | 'weekly' | 'monthly' }>;

/*
 * Wall-clock schedules (daily, weekly, monthly) fire at the local time of day of `startsAt` on every
 * qualifying local date from the start's date on. Local times in a DST gap move forward by the gap
 * (02:30 → 03:30); repeated local times fire once, at the earlier instant (see zoned-time.ts).
 * Cron expressions follow croner's DST rules instead: a fixed time in a gap fires when the gap ends
 * (02:30 → 03:00), a repeated one fires once; interval patterns skip the gap and fire on both passes.
 */

/** The day at the clamped `dayOfMonth` of a month (month 1-based), as a day number. */
function monthlyDay(dayOfMonth: number, year: number, month: number): number {
  return dayNumber({ year, month, day: Math.min(dayOfMonth, daysInMonth(year, month)) });
}

/** First local date (day number) on or after `day` on which the schedule fires, or null if it never does. */
function firstDayOnOrAfter(schedule: WallClockSchedule, day: number): number | null {
  switch (schedule.kind) {
    case 'daily':
      return day;
    case 'weekly':
      for (let candidate = day; candidate < day + 7; candidate++) {
        if (schedule.weekdays.includes(isoWeekday(candidate) as Weekday)) return candidate;
      }
      return null;
    case 'monthly': {
      const { year, month } = dateOfDay(day);
      const here = monthlyDay(schedule.dayOfMonth, year, month);
      if (here >= day) return here;
      return month === 12 ? monthlyDay(schedule.dayOfMonth, year + 1, 1) : monthlyDay(schedule.dayOfMonth, year, month + 1);
    }
  }
}

/** Last local date (day number) on or before `day` on which the schedule fires, or null if it never does. */
function lastDayOnOrBefore(schedule: WallClockSchedule, day: number): number | null {
  switch (schedule.kind) {
    case 'daily':
      return day;
    case 'weekly':
      for (let candidate = day; candidate > day - 7; candidate--) {
        if (schedule.weekdays.includes(isoWeekday(candidate) as Weekday)) return candidate;
      }
      return null;
    case 'monthly': {
      const { year, month } = dateOfDay(day);
      const here = monthlyDay(schedule.dayOfMonth, year, month);
      if (here <= day) return here;
      return month === 1 ? monthlyDay(schedule.dayOfMonth, year - 1, 12) : monthlyDay(schedule.dayOfMonth, year, month - 1);
    }
  }
}

/** Builds the instant a wall-clock schedule fires on a local date. */
function wallClockFiring(window: MailingWindow): { startDay: number; at: (day: number) => number } {
  const start = toLocal(window.startsAt, window.timeZone);
  const time: LocalTime = { hour: start.hour, minute: start.minute, second: start.second, millisecond: start.millisecond };
  return {
    startDay: dayNumber(start),
    at: (day) => toInstant({ ...dateOfDay(day), ...time }, window.timeZone).getTime(),
  };
}

/** Local day number of an instant. */
const localDay = (instantMs: number, timeZone: string) => dayNumber(toLocal(new Date(instantMs), timeZone));

function nextWallClock(schedule: WallClockSchedule, window: MailingWindow, floorMs: number): Date | null {
  const { startDay, at } = wallClockFiring(window);
  // One day early: a time shifted past a gap at midnight lands on the next local date.
  const fromDay = Math.max(startDay, localDay(floorMs, window.timeZone) - 1);
  for (let day = firstDayOnOrAfter(schedule, fromDay); day !== null; day = firstDayOnOrAfter(schedule, day + 1)) {
    const instant = at(day);
    if (instant >= window.endsAt.getTime()) return null;
    if (instant >= floorMs) return new Date(instant);
  }
  return null;
}

function latestWallClock(schedule: WallClockSchedule, window: MailingWindow, ceilingMs: number): Date | null {
  const { startDay, at } = wallClockFiring(window);
  const fromDay = localDay(ceilingMs, window.timeZone) + 1;
  for (
    let day = lastDayOnOrBefore(schedule, fromDay);
    day !== null && day >= startDay;
    day = lastDayOnOrBefore(schedule, day - 1)
  ) {
    const instant = at(day);
    if (instant < window.startsAt.getTime()) return null;
    if (instant <= ceilingMs) return new Date(instant);
  }
  return null;
}

/** A croner pattern that is never scheduled: it only answers questions. */
const cronFor = (expression: string, timeZone: string) => new Cron(expression, { mode: '5-part', timezone: timeZone });

/** First occurrence strictly after `after`, or null if none remains in the window. Throws on an invalid cron expression. */
export function nextOccurrence(schedule: Schedule, window: MailingWindow, after: Date): Date | null {
  const floorMs = Math.max(after.getTime() + 1, window.startsAt.getTime());
  if (floorMs >= window.endsAt.getTime()) return null;
  switch (schedule.kind) {
    case 'once':
      return window.startsAt.getTime() >= floorMs ? new Date(window.startsAt) : null;
    case 'cron': {
      const cron = cronFor(schedule.expression, window.timeZone);
      let run = cron.nextRun(new Date(floorMs - 1));
      // croner drops milliseconds from the reference, so it may answer a run just before the floor.
      while (run && run.getTime() < floorMs) run = cron.nextRun(run);
      return run && run.getTime() < window.endsAt.getTime() ? run : null;
    }
    default:
      return nextWallClock(schedule, window, floorMs);
  }
}

/** Most recent occurrence at or before `atOrBefore` (and in the window), or null. */
export function latestOccurrence(schedule: Schedule, window: MailingWindow, atOrBefore: Date): Date | null {
  const ceilingMs = Math.min(atOrBefore.getTime(), window.endsAt.getTime() - 1);
  if (ceilingMs < window.startsAt.getTime()) return null;
  switch (schedule.kind) {
    case 'once':
      return new Date(window.startsAt);
    case 'cron': {
      // croner answers runs strictly before its reference (to the second), hence the extra millisecond.
      const runs = cronFor(schedule.expression, window.timeZone).previousRuns(2, new Date(ceilingMs + 1));
      const run = runs.find((candidate) => candidate.getTime() <= ceilingMs);
      return run && run.getTime() >= window.startsAt.getTime() ? run : null;
    }
    default:
      return latestWallClock(schedule, window, ceilingMs);
  }
}

/** Occurrences at or after `from` and before `to`, oldest first, at most `limit` of them. */
export function occurrencesBetween(schedule: Schedule, window: MailingWindow, from: Date, to: Date, limit = 1000): Date[] {
  const occurrences: Date[] = [];
  let next = nextOccurrence(schedule, window, new Date(from.getTime() - 1));
  while (next && next < to && occurrences.length < limit) {
    occurrences.push(next);
    next = nextOccurrence(schedule, window, next);
  }
  return occurrences;
}

/** Why a cron expression is unusable, or null when it is a valid 5-field expression that fires. */
export function findCronProblem(expression: string): string | null {
  if (expression.trim().split(/\s+/).length !== 5) {
    return msg('Use 5 fields: minute, hour, day of month, month and day of week (no seconds, no year).');
  }
  let cron: Cron;
  try {
    cron = cronFor(expression, 'UTC');
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return msg('This is not a valid cron expression ({{detail}}).', { detail });
  }
  // Without a year field, a pattern that fires at all fires within any 8 years (leap days included).
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) return msg('This cron expression never fires.');
  return null;
}

const isBlank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

const weekdaysField = z.unknown().transform((value, ctx) => {
  // Forms send one string, repeated strings or "1,4"; JSON sends numbers.
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => (typeof item === 'string' ? item.split(',') : [item]))
    .filter((item) => !isBlank(item));
  const days = new Set<Weekday>();
  for (const item of items) {
    const day = typeof item === 'string' && /^\s*\d\s*$/.test(item) ? Number(item) : item;
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 7) {
      ctx.addIssue({ code: 'custom', message: msg('Choose days of the week from Monday to Sunday.') });
      return z.NEVER;
    }
    days.add(day as Weekday);
  }
  if (days.size === 0) {
    ctx.addIssue({ code: 'custom', message: msg('Choose at least one day of the week.') });
    return z.NEVER;
  }
  return [...days].sort((a, b) => a - b);
});

const dayOfMonthField = z.unknown().transform((value, ctx) => {
  if (isBlank(value)) {
    ctx.addIssue({ code: 'custom', message: msg('Enter the day of the month (1 to 31).') });
    return z.NEVER;
  }
  const day = typeof value === 'string' && /^\s*\d{1,2}\s*$/.test(value) ? Number(value) : value;
  if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 31) {
    ctx.addIssue({ code: 'custom', message: msg('The day of the month must be a whole number from 1 to 31.') });
    return z.NEVER;
  }
  return day;
});

const expressionField = z
  .string(msg('Enter a cron expression.'))
  .trim()
  .min(1, msg('Enter a cron expression.'))
  .max(100, msg('A cron expression must be at most 100 characters.'))
  .transform((value, ctx) => {
    const expression = value.split(/\s+/).join(' ');
    const problem = findCronProblem(expression);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return expression;
  });

/** Parses a schedule from form or JSON input; fields that do not belong to the chosen kind are ignored. */
export const scheduleSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('once') }),
    z.object({ kind: z.literal('daily') }),
    z.object({ kind: z.literal('weekly'), weekdays: weekdaysField }),
    z.object({ kind: z.literal('monthly'), dayOfMonth: dayOfMonthField }),
    z.object({ kind: z.literal('cron'), expression: expressionField }),
  ],
  { error: msg('Choose once, daily, weekly, monthly or cron.') },
) satisfies z.ZodType<Schedule>;

const pad = (value: number) => String(value).padStart(2, '0');

/** Weekday names in a language ("Monday", "понедельник"); 2024-01-01 was a Monday. */
function weekdayName(day: Weekday, language: Language): string {
  return new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, day));
}

/**
 * Describes a schedule in one sentence of the reader's language, with times in the window's
 * time zone: "Every Monday and Thursday at 09:00 (Europe/Moscow)".
 */
export function describeSchedule(schedule: Schedule, window: MailingWindow, language: Language = defaultLanguage): string {
  const t = translator(language);
  const start = toLocal(window.startsAt, window.timeZone);
  const time = `${pad(start.hour)}:${pad(start.minute)}${start.second ? `:${pad(start.second)}` : ''}`;
  const zone = `(${window.timeZone})`;
  switch (schedule.kind) {
    case 'once': {
      const date = `${start.year}-${pad(start.month)}-${pad(start.day)}`;
      return t('Once, on {{date}} {{time}} {{zone}}', { date, time, zone });
    }
    case 'daily':
      return t('Every day at {{time}} {{zone}}', { time, zone });
    case 'weekly': {
      const names = [...new Set(schedule.weekdays)].sort((a, b) => a - b).map((day) => weekdayName(day, language));
      const last = names.pop() ?? '';
      const days = names.length === 0 ? last : t('{{first}} and {{last}}', { first: names.join(', '), last });
      return t('Every {{days}} at {{time}} {{zone}}', { days, time, zone });
    }
    case 'monthly': {
      const day = schedule.dayOfMonth;
      return day > 28
        ? t("Monthly on day {{day}} (or the month's last day) at {{time}} {{zone}}", { day, time, zone })
        : t('Monthly on day {{day}} at {{time}} {{zone}}', { day, time, zone });
    }
    case 'cron':
      return t('Cron `{{expression}}` {{zone}}', { expression: schedule.expression, zone });
  }
}
