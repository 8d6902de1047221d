import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { translator } from '../../i18n/i18n.ts';
import {
  describeSchedule,
  latestOccurrence,
  type MailingWindow,
  nextOccurrence,
  occurrencesBetween,
  type Schedule,
  scheduleSchema,
} from './schedule.ts';
import { toInstant, toLocal } from './zoned-time.ts';

const at = (iso: string) => new Date(iso);
const window = (startsAt: string, endsAt: string, timeZone = 'UTC'): MailingWindow => ({
  startsAt: at(startsAt),
  endsAt: at(endsAt),
  timeZone,
});
const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const next = (schedule: Schedule, w: MailingWindow, after: string) =>
  nextOccurrence(schedule, w, at(after))?.toISOString() ?? null;
const latest = (schedule: Schedule, w: MailingWindow, atOrBefore: string) =>
  latestOccurrence(schedule, w, at(atOrBefore))?.toISOString() ?? null;
const local = (year: number, month: number, day: number, hour: number, minute: number) => ({
  year,
  month,
  day,
  hour,
  minute,
  second: 0,
  millisecond: 0,
});

const daily: Schedule = { kind: 'daily' };

describe('local time → instant', () => {
  test('an ordinary local time converts with the offset in force', () => {
    assert.equal(toInstant(local(2026, 1, 15, 9, 0), 'Europe/Berlin').toISOString(), '2026-01-15T08:00:00.000Z');
    assert.equal(toInstant(local(2026, 7, 15, 9, 0), 'Europe/Berlin').toISOString(), '2026-07-15T07:00:00.000Z');
    assert.equal(toInstant(local(2026, 7, 15, 9, 0), 'Asia/Kolkata').toISOString(), '2026-07-15T03:30:00.000Z');
    assert.equal(toInstant(local(2026, 7, 15, 9, 0), 'UTC').toISOString(), '2026-07-15T09:00:00.000Z');
  });

  test('a time in a spring-forward gap moves forward by the gap length', () => {
    // Berlin 02:00 → 03:00: 02:30 does not exist and becomes 03:30 CEST.
    assert.equal(toInstant(local(2026, 3, 29, 2, 30), 'Europe/Berlin').toISOString(), '2026-03-29T01:30:00.000Z');
    // Lord Howe moves by 30 minutes: 02:15 becomes 02:45.
    assert.equal(toInstant(local(2026, 10, 4, 2, 15), 'Australia/Lord_Howe').toISOString(), '2026-10-03T15:45:00.000Z');
    // Santiago's gap is at midnight: 00:30 becomes 01:30 the same day.
    assert.equal(toInstant(local(2026, 9, 6, 0, 30), 'America/Santiago').toISOString(), '2026-09-06T04:30:00.000Z');
    // Samoa skipped 30 December 2011 entirely.
    assert.equal(toInstant(local(2011, 12, 30, 12, 0), 'Pacific/Apia').toISOString(), '2011-12-30T22:00:00.000Z');
  });

  test('a time that occurs twice gives the earlier instant', () => {
    assert.equal(toInstant(local(2026, 10, 25, 2, 30), 'Europe/Berlin').toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(toInstant(local(2026, 11, 1, 1, 30), 'America/New_York').toISOString(), '2026-11-01T05:30:00.000Z');
  });

  test('reading the wall clock back gives the same local time', () => {
    const instant = at('2026-07-15T07:00:00.250Z');
    assert.deepEqual(toLocal(instant, 'Europe/Berlin'), { ...local(2026, 7, 15, 9, 0), millisecond: 250 });
    assert.equal(toInstant(toLocal(instant, 'Europe/Berlin'), 'Europe/Berlin').getTime(), instant.getTime());
  });
});

describe('wall-clock schedules', () => {
  const utc = window('2026-01-01T09:00:00Z', '2027-01-01T00:00:00Z');

  test('daily fires at the start time of day, from the start on', () => {
    assert.equal(next(daily, utc, '2025-06-01T00:00:00Z'), '2026-01-01T09:00:00.000Z');
    assert.equal(next(daily, utc, '2026-01-01T09:00:00Z'), '2026-01-02T09:00:00.000Z');
    assert.equal(next(daily, utc, '2026-05-05T08:59:59.999Z'), '2026-05-05T09:00:00.000Z');
    assert.equal(next(daily, utc, '2026-05-05T09:00:00.001Z'), '2026-05-06T09:00:00.000Z');
  });

  test('weekly fires on the listed weekdays only', () => {
    // 2026-12-01 is a Tuesday; 09:00 in Moscow is 06:00 UTC.
    const moscow = window('2026-12-01T06:00:00Z', '2027-01-01T00:00:00Z', 'Europe/Moscow');
    const mondayThursday: Schedule = { kind: 'weekly', weekdays: [1, 4] };
    assert.deepEqual(iso(occurrencesBetween(mondayThursday, moscow, at('2026-11-01T00:00:00Z'), at('2026-12-15T00:00:00Z'))), [
      '2026-12-03T06:00:00.000Z',
      '2026-12-07T06:00:00.000Z',
      '2026-12-10T06:00:00.000Z',
      '2026-12-14T06:00:00.000Z',
    ]);
    const sunday: Schedule = { kind: 'weekly', weekdays: [7] };
    assert.equal(next(sunday, moscow, '2026-12-01T00:00:00Z'), '2026-12-06T06:00:00.000Z');
    assert.equal(next({ kind: 'weekly', weekdays: [] }, moscow, '2026-12-01T00:00:00Z'), null);
  });

  test('monthly fires on the day of month', () => {
    const fifteenth: Schedule = { kind: 'monthly', dayOfMonth: 15 };
    assert.equal(next(fifteenth, utc, '2026-01-01T00:00:00Z'), '2026-01-15T09:00:00.000Z');
    assert.equal(next(fifteenth, utc, '2026-01-15T09:00:00Z'), '2026-02-15T09:00:00.000Z');
    assert.equal(next(fifteenth, utc, '2026-12-15T09:00:00Z'), null);
  });

  test('monthly on 29, 30 and 31 clamps to the last day of shorter months, and only those', () => {
    const w = window('2026-01-01T09:00:00Z', '2029-01-01T00:00:00Z');
    const days = (dayOfMonth: number, from: string, to: string) =>
      iso(occurrencesBetween({ kind: 'monthly', dayOfMonth }, w, at(from), at(to))).map((date) => date.slice(0, 10));
    assert.deepEqual(days(31, '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'), [
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
    ]);
    assert.deepEqual(days(30, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z'), [
      '2026-01-30',
      '2026-02-28',
      '2026-03-30',
      '2026-04-30',
    ]);
    assert.deepEqual(days(29, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'), ['2026-01-29', '2026-02-28', '2026-03-29']);
    assert.deepEqual(days(29, '2028-02-01T00:00:00Z', '2028-04-01T00:00:00Z'), ['2028-02-29', '2028-03-29']);
    assert.deepEqual(days(30, '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'), ['2028-02-29']);
    assert.deepEqual(days(31, '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'), ['2028-02-29']);
  });

  test('a start on a later day of the month waits for the next month', () => {
    const w = window('2026-01-20T09:00:00Z', '2027-01-01T00:00:00Z');
    assert.equal(next({ kind: 'monthly', dayOfMonth: 10 }, w, '2026-01-01T00:00:00Z'), '2026-02-10T09:00:00.000Z');
  });

  test('years after the start, the answer comes without walking from the start', () => {
    // 09:00 in Berlin: 08:00 UTC in winter, 07:00 UTC in summer.
    const decade = window('2026-01-01T08:00:00Z', '2040-01-01T00:00:00Z', 'Europe/Berlin');
    assert.equal(next(daily, decade, '2036-06-15T12:00:00Z'), '2036-06-16T07:00:00.000Z');
    assert.equal(latest(daily, decade, '2036-06-15T12:00:00Z'), '2036-06-15T07:00:00.000Z');
    assert.equal(next({ kind: 'weekly', weekdays: [3] }, decade, '2036-06-15T12:00:00Z'), '2036-06-18T07:00:00.000Z');
    assert.equal(next({ kind: 'monthly', dayOfMonth: 31 }, decade, '2036-06-15T12:00:00Z'), '2036-06-30T07:00:00.000Z');
    assert.equal(latest({ kind: 'monthly', dayOfMonth: 31 }, decade, '2036-12-15T12:00:00Z'), '2036-11-30T08:00:00.000Z');
  });
});

describe('daylight saving time', () => {
  const between = (schedule: Schedule, w: MailingWindow, from: string, to: string) =>
    iso(occurrencesBetween(schedule, w, at(from), at(to)));

  test('Berlin 2026-03-29: 02:30 does not exist and fires at 03:30 CEST', () => {
    const berlin = window('2026-03-01T01:30:00Z', '2026-12-31T00:00:00Z', 'Europe/Berlin');
    assert.deepEqual(between(daily, berlin, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z'), [
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  test('Berlin 2026-10-25: 02:30 happens twice and fires once, at the first', () => {
    const berlin = window('2026-03-01T01:30:00Z', '2026-12-31T00:00:00Z', 'Europe/Berlin');
    assert.deepEqual(between(daily, berlin, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z'), [
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    assert.equal(next(daily, berlin, '2026-10-25T00:30:00Z'), '2026-10-26T01:30:00.000Z');
    assert.equal(latest(daily, berlin, '2026-10-25T01:45:00Z'), '2026-10-25T00:30:00.000Z');
  });

  test('New York 2026-03-08: 02:30 does not exist and fires at 03:30 EDT', () => {
    const newYork = window('2026-03-01T07:30:00Z', '2026-12-31T00:00:00Z', 'America/New_York');
    assert.deepEqual(between(daily, newYork, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'), [
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  test('New York 2026-11-01: 01:30 happens twice and fires once; 02:30 is unambiguous', () => {
    const oneThirty = window('2026-10-01T05:30:00Z', '2026-12-31T00:00:00Z', 'America/New_York');
    assert.deepEqual(between(daily, oneThirty, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z'), [
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    const twoThirty = window('2026-10-01T06:30:00Z', '2026-12-31T00:00:00Z', 'America/New_York');
    assert.deepEqual(between(daily, twoThirty, '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z'), [
      '2026-10-31T06:30:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  test('cron keeps croner rules: a fixed time in the gap fires when the gap ends', () => {
    const berlin = window('2026-03-01T00:00:00Z', '2026-12-31T00:00:00Z', 'Europe/Berlin');
    assert.equal(next({ kind: 'cron', expression: '30 2 * * *' }, berlin, '2026-03-28T12:00:00Z'), '2026-03-29T01:00:00.000Z');
    assert.equal(next({ kind: 'cron', expression: '30 2 * * *' }, berlin, '2026-10-25T00:30:00Z'), '2026-10-26T01:30:00.000Z');
  });
});

describe('cron', () => {
  const weekdays: Schedule = { kind: 'cron', expression: '0 9 * * 1-5' };
  const utc = window('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');

  test('next occurrence follows the expression', () => {
    // Friday 2026-01-09 evening → Monday 2026-01-12.
    assert.equal(next(weekdays, utc, '2026-01-09T18:00:00Z'), '2026-01-12T09:00:00.000Z');
    assert.equal(next(weekdays, utc, '2026-01-12T09:00:00Z'), '2026-01-13T09:00:00.000Z');
    assert.equal(next(weekdays, utc, '2026-01-12T08:59:59.999Z'), '2026-01-12T09:00:00.000Z');
    assert.equal(next(weekdays, utc, '2026-01-12T09:00:00.500Z'), '2026-01-13T09:00:00.000Z');
  });

  test('is evaluated in the window time zone', () => {
    const newYork = window('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', 'America/New_York');
    assert.equal(next({ kind: 'cron', expression: '0 9 * * *' }, newYork, '2026-01-10T00:00:00Z'), '2026-01-10T14:00:00.000Z');
    assert.equal(next({ kind: 'cron', expression: '0 9 * * *' }, newYork, '2026-07-10T00:00:00Z'), '2026-07-10T13:00:00.000Z');
  });

  test('stays inside the window', () => {
    const w = window('2026-01-12T09:00:00Z', '2026-01-14T09:00:00Z');
    assert.equal(next(weekdays, w, '2026-01-01T00:00:00Z'), '2026-01-12T09:00:00.000Z');
    assert.equal(next(weekdays, w, '2026-01-13T09:00:00Z'), null);
    assert.equal(latest(weekdays, w, '2026-01-12T08:00:00Z'), null);
    assert.equal(latest(weekdays, w, '2026-01-12T09:00:00Z'), '2026-01-12T09:00:00.000Z');
    assert.equal(latest(weekdays, w, '2026-01-13T09:30:00Z'), '2026-01-13T09:00:00.000Z');
    assert.equal(latest(weekdays, w, '2026-02-01T00:00:00Z'), '2026-01-13T09:00:00.000Z');
  });
});

describe('window bounds and catching up', () => {
  const w = window('2026-01-01T09:00:00Z', '2026-01-05T09:00:00Z');

  test('nothing fires at or after the end', () => {
    assert.deepEqual(iso(occurrencesBetween(daily, w, at('2025-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'))), [
      '2026-01-01T09:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
      '2026-01-03T09:00:00.000Z',
      '2026-01-04T09:00:00.000Z',
    ]);
    assert.equal(next(daily, w, '2026-01-04T09:00:00Z'), null);
    assert.equal(next(daily, w, '2026-02-01T00:00:00Z'), null);
  });

  test('a window that started in the past catches up the most recent occurrence only', () => {
    assert.equal(latest(daily, w, '2026-01-03T12:00:00Z'), '2026-01-03T09:00:00.000Z');
    assert.equal(latest(daily, w, '2026-01-03T09:00:00Z'), '2026-01-03T09:00:00.000Z');
    assert.equal(latest(daily, w, '2026-01-03T08:59:59Z'), '2026-01-02T09:00:00.000Z');
    assert.equal(latest(daily, w, '2026-03-01T00:00:00Z'), '2026-01-04T09:00:00.000Z');
    assert.equal(latest(daily, w, '2026-01-01T08:59:59Z'), null);
    const mondays = window('2026-01-01T09:00:00Z', '2026-02-01T00:00:00Z');
    assert.equal(latest({ kind: 'weekly', weekdays: [1] }, mondays, '2026-01-04T12:00:00Z'), null);
    assert.equal(latest({ kind: 'weekly', weekdays: [1] }, mondays, '2026-01-21T12:00:00Z'), '2026-01-19T09:00:00.000Z');
    assert.equal(latest({ kind: 'monthly', dayOfMonth: 31 }, w, '2026-01-04T12:00:00Z'), null);
  });

  test('occurrencesBetween includes from, excludes to and honours the limit', () => {
    assert.deepEqual(iso(occurrencesBetween(daily, w, at('2026-01-02T09:00:00Z'), at('2026-01-04T09:00:00Z'))), [
      '2026-01-02T09:00:00.000Z',
      '2026-01-03T09:00:00.000Z',
    ]);
    assert.equal(occurrencesBetween(daily, w, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'), 2).length, 2);
  });

  test('once fires exactly at the start', () => {
    const once: Schedule = { kind: 'once' };
    assert.equal(next(once, w, '2025-12-01T00:00:00Z'), '2026-01-01T09:00:00.000Z');
    assert.equal(next(once, w, '2026-01-01T08:59:59.999Z'), '2026-01-01T09:00:00.000Z');
    assert.equal(next(once, w, '2026-01-01T09:00:00Z'), null);
    assert.equal(latest(once, w, '2026-01-01T08:59:59Z'), null);
    assert.equal(latest(once, w, '2026-01-03T00:00:00Z'), '2026-01-01T09:00:00.000Z');
  });
});

describe('scheduleSchema', () => {
  const parse = (input: unknown) => scheduleSchema.safeParse(input);
  const errorAt = (input: unknown) => {
    const result = parse(input);
    assert.equal(result.success, false, JSON.stringify(input));
    return result.error!.issues.map((issue) => [issue.path.join('.'), issue.message]);
  };

  test('accepts form-like input and normalises it', () => {
    assert.deepEqual(parse({ kind: 'once', weekdays: 'ignored' }).data, { kind: 'once' });
    assert.deepEqual(parse({ kind: 'daily', dayOfMonth: '' }).data, { kind: 'daily' });
    assert.deepEqual(parse({ kind: 'weekly', weekdays: ['4', '1', '4'] }).data, { kind: 'weekly', weekdays: [1, 4] });
    assert.deepEqual(parse({ kind: 'weekly', weekdays: '7' }).data, { kind: 'weekly', weekdays: [7] });
    assert.deepEqual(parse({ kind: 'weekly', weekdays: [5, 3] }).data, { kind: 'weekly', weekdays: [3, 5] });
    assert.deepEqual(parse({ kind: 'monthly', dayOfMonth: '31' }).data, { kind: 'monthly', dayOfMonth: 31 });
    assert.deepEqual(parse({ kind: 'monthly', dayOfMonth: 1 }).data, { kind: 'monthly', dayOfMonth: 1 });
    assert.deepEqual(parse({ kind: 'cron', expression: '  0  9 * * 1-5 ' }).data, { kind: 'cron', expression: '0 9 * * 1-5' });
  });

  test('rejects bad input with a message at the field', () => {
    assert.deepEqual(errorAt({ kind: 'hourly' }), [['kind', 'Choose once, daily, weekly, monthly or cron.']]);
    assert.deepEqual(errorAt({}), [['kind', 'Choose once, daily, weekly, monthly or cron.']]);
    assert.deepEqual(errorAt({ kind: 'weekly' }), [['weekdays', 'Choose at least one day of the week.']]);
    assert.deepEqual(errorAt({ kind: 'weekly', weekdays: [] }), [['weekdays', 'Choose at least one day of the week.']]);
    for (const weekdays of ['0', '8', ['1', 'x'], [1.5], 'Monday']) {
      assert.deepEqual(errorAt({ kind: 'weekly', weekdays }), [['weekdays', 'Choose days of the week from Monday to Sunday.']]);
    }
    assert.deepEqual(errorAt({ kind: 'monthly', dayOfMonth: '' }), [['dayOfMonth', 'Enter the day of the month (1 to 31).']]);
    for (const dayOfMonth of ['0', '32', '1.5', 'x', 40, -1]) {
      assert.deepEqual(errorAt({ kind: 'monthly', dayOfMonth }), [
        ['dayOfMonth', 'The day of the month must be a whole number from 1 to 31.'],
      ]);
    }
  });

  test('accepts only valid 5-field cron expressions that fire', () => {
    const cronError = (expression: unknown) => {
      const [issue, ...rest] = errorAt({ kind: 'cron', expression });
      assert.equal(rest.length, 0);
      assert.equal(issue![0], 'expression');
      return issue![1];
    };
    assert.equal(cronError(''), 'Enter a cron expression.');
    assert.equal(cronError(`0 9 * * ${'1,'.repeat(50)}1`), 'A cron expression must be at most 100 characters.');
    assert.match(cronError('0 0 9 * * *')!, /Use 5 fields/);
    assert.match(cronError('0 0 9 * * * 2026')!, /Use 5 fields/);
    assert.match(cronError('@daily')!, /Use 5 fields/);
    assert.match(cronError('61 9 * * *')!, /not a valid cron expression/);
    assert.match(cronError('0 9 * * 5-1')!, /not a valid cron expression/);
    assert.equal(cronError('0 0 30 2 *'), 'This cron expression never fires.');
    assert.ok(parse({ kind: 'cron', expression: '0 0 29 2 *' }).success, 'leap days fire');
  });
});

describe('describeSchedule', () => {
  test('says when the mailing is sent, in the window time zone', () => {
    const moscow = window('2026-12-01T06:00:00Z', '2027-01-01T00:00:00Z', 'Europe/Moscow');
    const utc = window('2026-12-01T09:00:00Z', '2027-01-01T00:00:00Z');
    assert.equal(describeSchedule({ kind: 'once' }, moscow), 'Once, on 2026-12-01 09:00 (Europe/Moscow)');
    assert.equal(describeSchedule(daily, moscow), 'Every day at 09:00 (Europe/Moscow)');
    assert.equal(describeSchedule({ kind: 'weekly', weekdays: [4, 1] }, utc), 'Every Monday and Thursday at 09:00 (UTC)');
    assert.equal(
      describeSchedule({ kind: 'weekly', weekdays: [5, 1, 3] }, utc),
      'Every Monday, Wednesday and Friday at 09:00 (UTC)',
    );
    assert.equal(describeSchedule({ kind: 'weekly', weekdays: [7] }, utc), 'Every Sunday at 09:00 (UTC)');
    assert.equal(
      describeSchedule({ kind: 'monthly', dayOfMonth: 31 }, utc),
      "Monthly on day 31 (or the month's last day) at 09:00 (UTC)",
    );
    assert.equal(describeSchedule({ kind: 'monthly', dayOfMonth: 15 }, utc), 'Monthly on day 15 at 09:00 (UTC)');
    assert.equal(describeSchedule({ kind: 'cron', expression: '0 9 * * 1-5' }, utc), 'Cron `0 9 * * 1-5` (UTC)');
  });

  test('in Russian, with Russian weekday names', () => {
    const utc = window('2026-12-01T09:00:00Z', '2027-01-01T00:00:00Z');
    assert.equal(describeSchedule({ kind: 'once' }, utc, 'ru'), 'Однократно, 2026-12-01 в 09:00 (UTC)');
    assert.equal(
      describeSchedule({ kind: 'weekly', weekdays: [5, 1, 3] }, utc, 'ru'),
      'Еженедельно: понедельник, среда и пятница, в 09:00 (UTC)',
    );
    assert.equal(
      describeSchedule({ kind: 'monthly', dayOfMonth: 31 }, utc, 'ru'),
      'Ежемесячно, 31-го числа (или в последний день месяца), в 09:00 (UTC)',
    );
    const problem = scheduleSchema.safeParse({ kind: 'cron', expression: '61 9 * * *' }).error?.issues[0]?.message ?? '';
    assert.match(translator('ru')(problem), /^Это неверное cron-выражение \(.+\)\.$/);
    assert.match(translator('en')(problem), /^This is not a valid cron expression \(.+\)\.$/);
  });
});
