import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MailingWindow, Schedule } from './schedule.ts';
import { computeMailingStatus, isEditable, nextRunAt, statusLabels } from './status.ts';

const at = (iso: string) => new Date(iso);
const window: MailingWindow = { startsAt: at('2026-01-01T09:00:00Z'), endsAt: at('2026-02-01T09:00:00Z'), timeZone: 'UTC' };
const daily: Schedule = { kind: 'daily' };
const once: Schedule = { kind: 'once' };

const status = (schedule: Schedule, runCount: number, activeRunCount: number, now: string) =>
  computeMailingStatus({ schedule, window, runCount, activeRunCount }, at(now));

describe('computeMailingStatus', () => {
  test('Created while it never ran, even when its start has passed', () => {
    assert.equal(status(daily, 0, 0, '2025-12-01T00:00:00Z'), 'created');
    assert.equal(status(daily, 0, 0, '2026-01-10T00:00:00Z'), 'created');
    assert.equal(status(once, 0, 0, '2026-01-10T00:00:00Z'), 'created');
  });

  test('Running once it has run and its window is open', () => {
    assert.equal(status(daily, 1, 0, '2026-01-01T10:00:00Z'), 'running');
    assert.equal(status(daily, 5, 1, '2026-01-05T09:00:00Z'), 'running');
    assert.equal(status({ kind: 'cron', expression: '0 9 * * 1' }, 2, 0, '2026-01-20T00:00:00Z'), 'running');
  });

  test('a once mailing is Running during its run and Completed after it', () => {
    assert.equal(status(once, 1, 1, '2026-01-01T09:00:05Z'), 'running');
    assert.equal(status(once, 1, 0, '2026-01-01T09:10:00Z'), 'completed');
  });

  test('Completed when the end has passed, whether or not it ever ran', () => {
    assert.equal(status(daily, 31, 0, '2026-02-01T09:00:00Z'), 'completed');
    assert.equal(status(daily, 0, 0, '2026-03-01T00:00:00Z'), 'completed');
    assert.equal(status(daily, 31, 0, '2026-02-01T08:59:59.999Z'), 'running');
  });

  test('an active run keeps the mailing Running past its end until it finishes', () => {
    assert.equal(status(daily, 31, 1, '2026-02-01T09:30:00Z'), 'running');
    assert.equal(status(daily, 31, 0, '2026-02-01T09:30:00Z'), 'completed');
  });
});

describe('labels and editing', () => {
  test('every status has its label', () => {
    assert.deepEqual(statusLabels, { created: 'Created', running: 'Running', completed: 'Completed' });
  });

  test('only a Completed mailing is closed to edits', () => {
    assert.equal(isEditable('created'), true);
    assert.equal(isEditable('running'), true);
    assert.equal(isEditable('completed'), false);
  });
});

describe('nextRunAt', () => {
  const next = (schedule: Schedule, lastOccurrence: string | null, now: string) =>
    nextRunAt(schedule, window, lastOccurrence ? at(lastOccurrence) : null, at(now))?.toISOString() ?? null;

  test('before the start, the first send is the start', () => {
    assert.equal(next(daily, null, '2025-12-01T00:00:00Z'), '2026-01-01T09:00:00.000Z');
    assert.equal(next(once, null, '2025-12-01T00:00:00Z'), '2026-01-01T09:00:00.000Z');
  });

  test('after downtime, the most recent missed occurrence is due, not the oldest', () => {
    assert.equal(next(daily, null, '2026-01-10T12:00:00Z'), '2026-01-10T09:00:00.000Z');
    assert.equal(next(daily, '2026-01-03T09:00:00Z', '2026-01-10T12:00:00Z'), '2026-01-10T09:00:00.000Z');
    assert.equal(next(once, null, '2026-01-10T12:00:00Z'), '2026-01-01T09:00:00.000Z');
  });

  test('once the due occurrence is sent, the next one is in the future', () => {
    assert.equal(next(daily, '2026-01-10T09:00:00Z', '2026-01-10T12:00:00Z'), '2026-01-11T09:00:00.000Z');
    assert.equal(next(daily, '2026-01-10T09:00:00Z', '2026-01-10T09:00:00Z'), '2026-01-11T09:00:00.000Z');
  });

  test('nothing is next after a once send or past the end', () => {
    assert.equal(next(once, '2026-01-01T09:00:00Z', '2026-01-10T12:00:00Z'), null);
    assert.equal(next(daily, '2026-01-31T09:00:00Z', '2026-01-31T12:00:00Z'), null);
    assert.equal(next(daily, '2026-01-31T09:00:00Z', '2026-03-01T00:00:00Z'), null);
  });
});
