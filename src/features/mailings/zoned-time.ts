/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat.
 * Local dates are handled as day numbers (days since 1970-01-01), so stepping a day or a month
 * never touches a time zone; only the final local date-time → instant conversion does.
 */

export type LocalDate = { year: number; month: number; day: number };
export type LocalTime = { hour: number; minute: number; second: number; millisecond: number };
export type LocalDateTime = LocalDate & LocalTime;

const dayMs = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Reads the wall-clock date and time that `instant` shows in `timeZone`. */
export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year!,
    month: fields.month!,
    day: fields.day!,
    hour: fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
    millisecond: ((instant.getTime() % 1000) + 1000) % 1000,
  };
}

/** The local date-time read as if it were UTC, in milliseconds: the zone-free "wall clock" number. */
function wallClockMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond);
}

/** How far `timeZone` is ahead of UTC at `instantMs`, in milliseconds. */
function offsetMs(instantMs: number, timeZone: string): number {
  return wallClockMs(toLocal(new Date(instantMs), timeZone)) - instantMs;
}

/**
 * Finds the instant a wall-clock date-time names in `timeZone`.
 * A time in a spring-forward gap is moved forward by the gap's length (02:30 → 03:30 when the
 * clocks jump from 02:00 to 03:00); a time that occurs twice (fall back) gives the earlier
 * instant. This is Temporal's "compatible" disambiguation and what JavaScript's Date does.
 */
export function toInstant(local: LocalDateTime, timeZone: string): Date {
  const wall = wallClockMs(local);
  // Two days either side lie beyond any transition touching this local time, even a skipped day.
  const before = offsetMs(wall - 2 * dayMs, timeZone);
  const after = offsetMs(wall + 2 * dayMs, timeZone);
  const candidates = [wall - before, wall - after].filter((instant) => offsetMs(instant, timeZone) === wall - instant);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  // A gap: reading the wall clock with the offset in force before it moves the time forward by the gap.
  return new Date(wall - before);
}

/** Day number (days since 1970-01-01) of a calendar date. */
export function dayNumber(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / dayMs;
}

/** Calendar date of a day number. */
export function dateOfDay(day: number): LocalDate {
  const date = new Date(day * dayMs);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Number of days in a month (1-based month). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
